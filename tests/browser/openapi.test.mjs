// GET /api/v1/{service}/openapi.json (issue 9 item 7): valid OpenAPI 3.1 by a
// standard validator, and every route the service serves is in it — the
// routes found in the sources of the core and of each plugin the demo
// service enables. Usage: node openapi.test.mjs BUILD_DIR SOURCE_DIR
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startDemo, runSteps } from './lib.mjs';

const [build, src] = process.argv.slice(2);
const demo = await startDemo(build, src);
let exitCode = 0;

function routesIn(dir) {
  const out = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.c'))) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/\{SOCLE_(GET|POST|PUT|PATCH|DELETE)(?:\s*\|\s*SOCLE_ROUTE_CSV)?,\s*"(\/[^"]*)"/g)) {
      out.push([m[1].toLowerCase(), m[2]]);
    }
  }
  return out;
}

try {
  let doc;
  await runSteps('openapi', [
    ['the document is valid OpenAPI 3.1', async () => {
      const r = await fetch(`${demo.base}/api/v1/demo/openapi.json`);
      assert.equal(r.status, 200);
      doc = await r.json();
      assert.equal(doc.openapi, '3.1.0');
      const v = new Validator();
      const res = await v.validate(doc);
      assert.ok(res.valid, String(JSON.stringify(res.errors, null, 1)).slice(0, 3000));
    }],
    ['every route of the core and of the enabled plugins is in it, with its capability', async () => {
      const cfg = JSON.parse(fs.readFileSync(demo.config, 'utf8'));
      const enabled = Object.keys(cfg.services.find((s) => s.id === 'demo').plugins);
      const expected = [...routesIn(path.join(src, 'core'))];
      for (const p of enabled) {
        const dir = path.join(src, 'plugins', p);
        expected.push(...(fs.existsSync(dir) ? routesIn(dir) : routesIn(path.join(src, 'examples/plugins', p))));
      }
      assert.ok(expected.length > 80, `${expected.length} routes found in the sources`);
      const missing = expected.filter(([m, p]) => !(doc.paths[p] && doc.paths[p][m]));
      assert.deepEqual(missing, []);
      for (const [m, p] of expected) assert.ok(doc.paths[p][m]['x-socle-capability'], `${m} ${p} names its capability`);
    }],
    ['described routes carry their French summary and request body', async () => {
      const login = doc.paths['/auth/login'].post;
      assert.match(login.summary, /Se connecter/);
      assert.deepEqual(login.requestBody.content['application/json'].schema.required, ['email', 'password']);
      assert.ok(doc.paths['/portal/activate'].post.requestBody.content['application/json'].schema.properties.birth_date);
    }],
    ['a service shows only the routes of the plugins it enables', async () => {
      const est = await (await fetch(`${demo.base}/api/v1/demo-est/openapi.json`)).json();
      const cfg = JSON.parse(fs.readFileSync(demo.config, 'utf8'));
      const enabled = Object.keys(cfg.services.find((s) => s.id === 'demo-est').plugins);
      const ownerOf = (op) => op.tags[0];
      for (const item of Object.values(est.paths)) {
        for (const op of Object.values(item)) assert.ok(ownerOf(op) === 'core' || enabled.includes(ownerOf(op)), ownerOf(op));
      }
    }],
  ]);
} catch (err) {
  exitCode = 1;
  console.error(err);
} finally {
  await demo.stop();
}
process.exit(exitCode);
