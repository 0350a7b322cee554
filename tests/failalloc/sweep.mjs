// The allocation-failure sweep (issue 11 item 11): socle_failalloc (the
// socle command with failalloc.c) serves a deployment of the hello plugin;
// each request below is made once to count its own allocations, then once
// per allocation with that one failing. Every answer must be a clean one (a
// status and, for an error, the JSON error body; never a dropped
// connection), the server must stay up, the audited write must be all or
// nothing (greeting, audit row and event together), and at the end the
// server must stop cleanly with no leak, no ASan or UBSan report.
// Usage: node sweep.mjs BUILD_DIR SOURCE_DIR   (MAX_POINTS= to cut a sweep short)
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [build] = process.argv.slice(2);
const bin = path.join(build, 'socle_failalloc');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'socle-failalloc-'));
const cfg = path.join(work, 'socle.json');
const PASSWORD = 'balayage-des-allocations';
fs.writeFileSync(cfg, JSON.stringify({
  listen: '127.0.0.1', port: 0,
  services: [{ id: 'fa', name: 'Balayage', database: 'fa.db', plugins: { hello: {} } }],
}));
const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1' };
execFileSync(bin, ['user', 'add', '--config', cfg, '--service', 'fa', '--email', 'admin@fa.test', '--role', 'service_admin'],
  { input: `${PASSWORD}\n`, env, stdio: ['pipe', 'ignore', 'inherit'] });

let log = '';
const server = spawn(bin, ['serve', '--config', cfg], { env, stdio: ['ignore', 'ignore', 'pipe'] });
server.stderr.on('data', (d) => { log += d; });
const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
const port = await new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error(`the server did not start:\n${log}`)), 30000);
  const look = () => {
    const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
    if (m) { clearTimeout(t); resolve(Number(m[1])); } else setTimeout(look, 50);
  };
  look();
});
const api = `http://127.0.0.1:${port}/api/v1/fa`;
const MAX = Number(process.env.MAX_POINTS || 0);

async function call(method, p, body, token, spec) {
  const res = await fetch(api + p, {
    method,
    headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(spec ? { 'X-Socle-Fail-Alloc': String(spec) } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, alloc: res.headers.get('x-socle-alloc') };
}

async function sweep(name, make) {
  // Warm-up: each HTTP thread's Lua state, cached statements, the session
  // cache; then the request's own count, the largest of a few (a thread
  // that finds a statement cached allocates less).
  for (let i = 0; i < 6; i++) await make(null);
  let counted = null;
  for (let i = 0; i < 4; i++) {
    const c = await make('count');
    if (process.env.SHOW) console.log(`    ${name}: ${c.alloc} allocations`);
    if (!counted || Number(c.alloc) > Number(counted.alloc)) counted = c;
  }
  assert.ok(counted.status < 300, `${name}: ${counted.status} ${counted.text}`);
  const total = Number(counted.alloc);
  assert.ok(total > 10, `${name}: ${counted.alloc} allocations counted`);
  const points = MAX ? Math.min(MAX, total) : total;
  const statuses = {};
  let reached = 0;
  for (let n = 1; n <= points; n++) {
    let r;
    try {
      r = await make(n);
    } catch (err) {
      throw new Error(`${name}: allocation ${n} of ${total} failing: no answer (${err.cause?.code || err.message})\n${log.slice(-3000)}`);
    }
    statuses[r.status] = (statuses[r.status] || 0) + 1;
    if (process.env.SHOW && r.status !== 500) console.log(`    ${name} #${n}: ${r.status} ${r.text.slice(0, 160)}`);
    if (Number(r.alloc) >= n) reached++;
    // A failed allocation is the server's trouble: never a 4xx that blames
    // the request (bad JSON, wrong password, missing field).
    assert.ok(r.status < 300 || r.status >= 500,
      `${name}: allocation ${n} of ${total} failing answered ${r.status}: ${r.text.slice(0, 240)}`);
    if (r.status >= 400) {
      let body = null;
      try { body = JSON.parse(r.text); } catch { /* checked below */ }
      assert.ok(body && typeof body.error === 'object' && typeof body.error.message === 'string',
        `${name}: allocation ${n}: ${r.status} without the JSON error body: ${r.text.slice(0, 200)}`);
      assert.ok(!/\/work\/|\.c:\d+|out of memory in/.test(body.error.message), `${name}: internal text: ${body.error.message}`);
    }
    const h = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(h.status, 200, `${name}: allocation ${n}: the server stopped answering`);
  }
  console.log(`  ${name}: ${points} of ${total} allocation points swept (${reached} reached), answers ${JSON.stringify(statuses)}`);
  return points;
}

let exitCode = 0;
try {
  let logins = 0; // the sign-ins answered 200: each must have its audit row
  const login = async (spec) => {
    const r = await call('POST', '/auth/login', { email: 'admin@fa.test', password: PASSWORD }, null, spec);
    if (r.status === 200) logins++;
    return r;
  };
  const { text } = await login(null);
  const token = JSON.parse(text).token;
  let swept = 0;
  swept += await sweep('login', login);
  swept += await sweep('audited write with its rule call', (spec) => call('POST', '/hello/greetings', { name: 'Balayage' }, token, spec));
  swept += await sweep('authenticated read', (spec) => call('GET', '/hello/greetings?limit=10', null, token, spec));
  // All or nothing: each greeting with its audit row and its event.
  const q = (sql) => execFileSync('sqlite3', [path.join(work, 'fa.db'), `PRAGMA busy_timeout=5000; ${sql}`]).toString().trim().split('\n').pop();
  const greetings = q('SELECT count(*) FROM hello_greeting');
  const audited = q("SELECT count(*) FROM core_audit WHERE action = 'hello.greeting.create' AND outcome = 'ok'");
  const events = q("SELECT count(*) FROM core_event WHERE name = 'hello.greeted'");
  assert.equal(audited, greetings, 'every greeting has its audit row');
  assert.equal(events, greetings, 'every greeting has its event');
  // A sign-in is all or nothing too: its session with its audit row. A
  // failure after the commit (building the answer) gives a 500 for a
  // session that exists: the sign-ins answered 200 are at most those rows.
  const signedIn = Number(q("SELECT count(*) FROM core_audit WHERE action = 'auth.login' AND outcome = 'ok'"));
  const sessions = Number(q('SELECT count(*) FROM core_session'));
  assert.equal(sessions, signedIn, `every session has its audit row: ${sessions} sessions, ${signedIn} rows`);
  assert.ok(logins <= signedIn, `${logins} sign-ins answered 200, ${signedIn} audited`);
  console.log(`  ${greetings} greetings written, each with its audit row and its event; ${logins} sign-ins, each with its row; ${swept} points in all`);
} catch (err) {
  exitCode = 1;
  console.error(err);
} finally {
  server.kill('SIGTERM');
  const { code, signal } = await exited;
  const reports = log.split('\n').filter((l) => /AddressSanitizer|LeakSanitizer|runtime error|SUMMARY/.test(l));
  if (code !== 0 || reports.length) {
    exitCode = 1;
    console.error(`server exit ${code} ${signal || ''}\n${reports.slice(0, 20).join('\n')}\n${log.slice(-4000)}`);
  }
  fs.rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
