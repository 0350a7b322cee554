// Shared by the browser tests: a demo deployment served by this build's
// socle, Debian's chromium driven by playwright-core, and the checks every
// page passes (axe-core, no horizontal scroll, no other host, no CSP
// violation, no script error). Screenshots go to <build>/browser-screenshots/.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createHmac } from 'node:crypto';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const PASSWORD = 'demo-socle-2026';
// 08:00 in Paris on a Tuesday: the day's slots are in the future, and the
// visits held "today" never cross midnight.
export const CLOCK = '2026-03-10T07:00:00Z';

export async function startDemo(build, src) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'socle-browser-'));
  execFileSync('sh', [path.join(src, 'tools/demo.sh'), build, path.join(work, 'demo')], { stdio: 'ignore' });
  const cfgPath = path.join(work, 'demo', 'socle.json');
  const cfg = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
  cfg.port = 0;
  cfg.clock = CLOCK;
  // The browser tests run the sanitizer build, two at a time on two cores:
  // loading a rule pack there can outlast the production budget of 200 ms per
  // call (seen in CI: riskeval_models.lua, so a worker got no category). The
  // budget itself is test_sandbox's to prove; here the pages are under test.
  for (const svc of cfg.services || []) svc.lua = { ...(svc.lua || {}), time_ms: 2000 };
  fs.writeFileSync(cfgPath, JSON.stringify(cfg, null, 2));
  let log = '';
  let server = null;
  const serve = async () => {
    server = spawn(path.join(build, 'socle'), ['serve', '--config', cfgPath],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
    let mine = '';
    const port = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the server did not start:\n${log}`)), 30000);
      server.stderr.on('data', (d) => {
        log += d;
        mine += d;
        const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(mine);
        if (m) { clearTimeout(t); resolve(Number(m[1])); }
      });
      server.on('exit', (code) => { clearTimeout(t); reject(new Error(`the server stopped (${code}):\n${log}`)); });
    });
    return `http://127.0.0.1:${port}`;
  };
  const halt = async () => {
    server.removeAllListeners('exit');
    server.kill('SIGTERM');
    await new Promise((r) => { server.once('exit', r); setTimeout(r, 5000); });
  };
  const demo = {
    base: await serve(),
    clockMs: Date.parse(CLOCK), // the server's frozen business time
    config: cfgPath,
    outbox: path.join(work, 'demo', 'outbox', 'demo'),
    log: () => log,
    // The same deployment served again with its business clock at `clock`
    // (a running server's clock cannot move), on the same port so that open
    // pages keep their address. Sessions are timed by that clock: a jump of
    // hours ends them, as it would for a person coming back later.
    async restartAt(clock) {
      await halt();
      const c = JSON.parse(fs.readFileSync(cfgPath, 'utf8'));
      c.clock = clock;
      c.port = Number(new URL(demo.base).port);
      demo.clockMs = Date.parse(clock);
      fs.writeFileSync(cfgPath, JSON.stringify(c, null, 2));
      demo.base = await serve();
      return demo.base;
    },
    async stop() {
      await halt();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
  return demo;
}

// The API as a client program: bearer token, JSON.
export async function apiAs(base, email, svc = 'demo', totp = undefined) {
  const api = `${base}/api/v1/${svc}`;
  const r = await fetch(`${api}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, ...(totp ? { totp } : {}) }) });
  if (!r.ok) throw new Error(`login ${email}: ${r.status}`);
  const { token } = await r.json();
  return async (method, p, body, expect = [200, 201, 202]) => {
    const res = await fetch(api + p, { method, headers: { Authorization: `Bearer ${token}`,
      ...(body ? { 'Content-Type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const data = (res.headers.get('content-type') || '').includes('json') ? await res.json() : await res.text();
    if (!expect.includes(res.status)) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(data)}`);
    return data;
  };
}

// The newest mail of the outbox sent to `to` whose text matches `re`.
export function readMail(outbox, to, re) {
  const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')) : [];
  const found = files.map((f) => path.join(outbox, f))
    .map((f) => ({ f, t: fs.statSync(f).mtimeMs, text: decodeMail(fs.readFileSync(f, 'utf8')) }))
    .filter((m) => new RegExp(`^To: .*${to.replace(/[.]/g, '\\.')}`, 'mi').test(m.text) && re.test(m.text))
    .sort((a, b) => b.t - a.t || b.f.localeCompare(a.f));
  return found.length ? found[0].text : null;
}

function decodeMail(raw) {
  // Bodies may be quoted-printable or base64: decode enough to read codes and links.
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  let body = rest.join('\n\n');
  if (/Content-Transfer-Encoding: base64/i.test(head)) body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  else if (/Content-Transfer-Encoding: quoted-printable/i.test(head)) {
    body = Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, x) => String.fromCharCode(parseInt(x, 16))), 'latin1').toString('utf8');
  }
  return `${head}\n\n${body}`;
}

export async function launch() {
  const args = ['--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args });
}

// A browser context that records what no page may do: ask another host,
// break the Content-Security-Policy, throw a script error.
export async function watchedContext(browser, base, opts = {}) {
  const ctx = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris', ...opts });
  const problems = [];
  const host = new URL(base).host;
  ctx.on('request', (req) => {
    const u = new URL(req.url());
    if (['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol) && u.host !== host) problems.push(`request to another host: ${req.url()}`);
  });
  ctx.on('page', (p) => watchPage(p, problems));
  ctx.problems = problems;
  return ctx;
}

function watchPage(page, problems) {
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(t)) problems.push(`CSP: ${t}`);
  });
  page.on('pageerror', (e) => problems.push(`script error on ${page.url()}: ${e.message}`));
}

// Screenshots: kept by the test run, never committed (the build folder).
export const SHOTS = path.join(process.env.SOCLE_BUILD || os.tmpdir(), 'browser-screenshots');

// Every page of a journey: loaded, readable, accessible.
export async function checkPage(page, name, { axe = true } = {}) {
  await page.waitForLoadState('load');
  // A portal page says when it is built (portal.js marks <html data-ready>).
  await page.waitForFunction(() => !document.querySelector('script[type=module][src*="js/"]')
    || document.documentElement.dataset.ready === '1', null, { timeout: 15000 });
  // A value the page forgot to format shows as a word a person cannot use.
  const text = await page.evaluate(() => document.body.innerText);
  const raw = /\b(null|undefined|NaN)\b|\[object Object\]/.exec(text);
  if (raw) throw new Error(`${name}: the page shows "${raw[0]}": …${text.slice(Math.max(0, raw.index - 60), raw.index + 20)}…`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) throw new Error(`${name}: horizontal scroll of ${overflow} px at ${page.viewportSize().width} px wide`);
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  if (!axe) return;
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    throw new Error(`${name}: axe-core found ${bad.length} serious or critical violation(s):\n${bad.map((v) =>
      `  ${v.id} (${v.impact}): ${v.help}\n${v.nodes.slice(0, 3).map((n) => `    ${n.target.join(' ')}`).join('\n')}`).join('\n')}`);
  }
}

// A tiny runner: steps in order, the first failure ends the test.
export async function runSteps(title, steps) {
  let n = 0;
  for (const [name, fn] of steps) {
    const t0 = Date.now();
    try {
      await fn();
      n += 1;
      console.log(`ok ${n} - ${name} (${Date.now() - t0} ms)`);
    } catch (err) {
      console.log(`not ok ${n + 1} - ${name}\n${err.stack || err}`);
      throw err;
    }
  }
  console.log(`${title}: ${n} step(s) passed`);
}

// RFC 6238 codes for a base32 secret (the staff's second factor), at the
// 30-second step `step`.
export function totpCode(secret, step) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/\s/g, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(msg).digest();
  const off = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}
