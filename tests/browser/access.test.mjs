// The access matrix (issue 11 item 5): every route the demo service serves
// (from its OpenAPI document) × every role (and no session at all) × its own
// company and another one. Each refusal (401, 403) must leave its row in the
// audit log — the row of that very request, found by its X-Request-Id —
// whichever handler refused: the route layer audits a refusal no handler
// did. Write routes are sent a body with an unknown field, which a permitted
// role's validation refuses before anything changes; the routes that end a
// session or change an account are left out (listed below).
// Usage: node access.test.mjs BUILD_DIR SOURCE_DIR
import assert from 'node:assert/strict';
import { startDemo, runSteps, PASSWORD } from './lib.mjs';

const [build, src] = process.argv.slice(2);
const demo = await startDemo(build, src);
const api = `${demo.base}/api/v1/demo`;
let exitCode = 0;

// Routes whose call would end the caller's session, change an account or a
// company's membership: not part of the matrix (their own tests cover them).
const LEFT_OUT = new Set([
  'post /auth/logout', 'put /auth/me/password', 'post /auth/me/totp', 'post /auth/me/totp/confirm',
  'delete /auth/users/{id}/totp', 'delete /membership/companies/{id}/users/{user_id}',
  'patch /membership/companies/{id}/users/{user_id}', 'post /membership/companies/{id}/leave',
  'post /auth/login', 'post /auth/code', 'post /auth/code/verify', 'post /auth/password/reset',
  'post /portal/activate', 'post /membership/invitations/accept', 'post /membership/applications',
]);
const ROLES = ['employeur', 'salarie', 'medecin', 'infirmier', 'assistante', 'iprp', 'admin'];
const VALUES = { doc: 'attestation', drawer: 'organisation', code: 'ABCDEFGHIJ' };

async function login(who) {
  const r = await fetch(`${api}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `${who}@demo.example`, password: PASSWORD }) });
  assert.equal(r.status, 200, `login ${who}`);
  return (await r.json()).token;
}

try {
  const refused = []; // [request id, who, method, path, status]
  const leaks = [];
  let ops = [];
  await runSteps('access matrix', [
    ['the routes of the service', async () => {
      const doc = await (await fetch(`${api}/openapi.json`)).json();
      for (const [p, item] of Object.entries(doc.paths)) {
        for (const m of Object.keys(item)) {
          if (!LEFT_OUT.has(`${m} ${p}`)) ops.push([m, p]);
        }
      }
      assert.ok(ops.length > 150, `${ops.length} operations`);
    }],
    ['every route × every role × own and other company: each refusal noted', async () => {
      const tokens = { anonyme: null };
      for (const r of ROLES) tokens[r] = await login(r);
      for (const [who, token] of Object.entries(tokens)) {
        for (const [m, p] of ops) {
          for (const id of ['1', '2']) {
            const path = p.replace(/\{([a-z_]+)\}/g, (_, k) => VALUES[k] || id);
            const write = m !== 'get';
            const res = await fetch(api + path, {
              method: m.toUpperCase(),
              headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}),
                ...(write ? { 'Content-Type': 'application/json' } : {}) },
              body: write ? JSON.stringify({ champ_inconnu_de_la_matrice: true }) : undefined,
            });
            await res.arrayBuffer();
            // The demo's employer is company 1's: another company's routes never answer him.
            if (who === 'employeur' && /\/companies\/2(\/|$)/.test(path) && res.status < 300) {
              leaks.push(`${res.status} ${m} ${path}`);
            }
            if (res.status === 401 || res.status === 403) {
              const rid = res.headers.get('x-request-id');
              assert.ok(rid, `${m} ${path} as ${who}: ${res.status} without X-Request-Id`);
              refused.push([rid, who, m, path, res.status]);
            }
            if (p.includes('{') === false) break; // one call is enough without ids
          }
        }
      }
      assert.deepEqual(leaks, [], 'company 1\'s employer served on company 2\'s routes');
      // The matrix refused something for every kind of caller.
      for (const who of Object.keys(tokens)) {
        assert.ok(refused.some((x) => x[1] === who), `no refusal at all for ${who}`);
      }
    }],
    ['each refusal is in the audit log, with its request id', async () => {
      const token = await login('admin');
      const audited = new Set();
      let cursor = null;
      for (;;) {
        const r = await fetch(`${api}/audit?outcome=denied&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
          { headers: { Authorization: `Bearer ${token}` } });
        assert.equal(r.status, 200);
        const page = await r.json();
        for (const e of page.items) audited.add(e.request_id);
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      const missing = refused.filter(([rid]) => !audited.has(rid));
      assert.deepEqual(missing.slice(0, 40).map(([, who, m, path, status]) => `${status} ${m} ${path} as ${who}`), [],
        `${missing.length} of ${refused.length} refusals without their audit row`);
      console.log(`  ${refused.length} refusals over ${ops.length} operations, each with its audit row`);
    }],
    ['no handler answered twice (a refusal sent, then the handler went on)', async () => {
      const twice = demo.log().split('\n').filter((l) => /deuxième réponse/.test(l));
      assert.deepEqual(twice, []);
    }],
  ]);
} catch (err) {
  exitCode = 1;
  console.error(err);
  console.error('--- server log (tail)\n' + demo.log().split('\n').slice(-20).join('\n'));
} finally {
  await demo.stop();
}
process.exit(exitCode);
