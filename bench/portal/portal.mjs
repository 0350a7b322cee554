// Web spaces benchmark (issue 12 targets, printed, never asserted):
//   - each page of both spaces ready (the page's data-ready mark, i.e. every
//     API answer in and the page built) over 20 loads, p50 and p95, through
//     the real server on a demo deployment (target: p95 <= 300 ms);
//   - Mes effectifs of a company of 500 workers (target: p95 <= 500 ms);
//   - bytes of JavaScript and CSS on a cold first visit (target: <= 150 KB
//     compressed; Socle serves them uncompressed, so the figure printed is an
//     upper bound of the compressed size, given with its gzip size).
// Usage: node bench/portal/portal.mjs BUILD_DIR   (the release build)
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo, launch, apiAs, readMail, PASSWORD } from '../../tests/browser/lib.mjs';

const build = path.resolve(process.argv[2] || 'build/release');
const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LOADS = Number(process.env.LOADS || 20);
const demo = await startDemo(build, src);
const browser = await launch();
const base = demo.base;

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };

async function signedIn(email) {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`${base}/demo/portal/connexion.html`);
  const f = page.getByRole('form', { name: 'Se connecter avec un mot de passe' });
  await f.getByLabel('Adresse e-mail').fill(email);
  await f.getByLabel('Mot de passe').fill(PASSWORD);
  await f.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/adherent|salarie/);
  return { ctx, page };
}

async function timeLoads(page, url) {
  const ms = [];
  for (let i = 0; i < LOADS; i++) {
    const t0 = performance.now();
    await page.goto(url);
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    ms.push(performance.now() - t0);
  }
  return ms;
}

try {
  // 500 workers for company 2 (CSV import by the service's admin).
  const admin = await apiAs(base, 'admin@demo.example');
  let csv = 'external_ref;last_name;first_name;birth_date;job_title;contract_type;start_date\n';
  for (let i = 0; i < 500; i++) csv += `B-${i};Nom${i};Prénom${i};1980-01-${String((i % 28) + 1).padStart(2, '0')};Opérateur;cdi;2020-01-01\n`;
  const r = await fetch(`${base}/api/v1/demo/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'admin@demo.example', password: PASSWORD }) });
  const { token } = await r.json();
  const imp = await fetch(`${base}/api/v1/demo/membership/companies/2/workers/import`, { method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' }, body: csv });
  if (!imp.ok) throw new Error(`import: ${imp.status} ${await imp.text()}`);
  void admin;

  const rows = [];
  const { ctx: ectx, page: ep } = await signedIn('employeur@demo.example');
  // Cold first visit's JS and CSS, on a new context signed in.
  let bytes = 0;
  let gz = 0;
  const cold = await browser.newContext();
  const cp = await cold.newPage();
  cp.on('response', async (resp) => {
    const type = resp.headers()['content-type'] || '';
    if (/javascript|css/.test(type)) {
      const b = await resp.body().catch(() => Buffer.alloc(0));
      bytes += b.length;
      gz += zlib.gzipSync(b).length;
    }
  });
  await cp.goto(`${base}/demo/portal/connexion.html`);
  await cp.waitForFunction(() => document.documentElement.dataset.ready === '1');
  await cold.close();

  for (const p of ['portal/adherent.html', 'membership/effectifs.html', 'tracking/visites.html', 'membership/facturation.html',
    'tracking/activite.html', 'portal/utilisateurs.html']) {
    rows.push([p, await timeLoads(ep, `${base}/demo/${p}`)]);
  }
  await ectx.close();
  // The 500-worker company: its employer is the admin's view of company 2 through an employer account.
  // The 500-worker company, through an employer account of its own.
  // The service invites an employer user of company 2, who accepts by the mailed link.
  await admin('POST', '/membership/companies/2/users', { email: 'employeur2@demo.example', name: 'Employeur 2',
    roles: ['administrateur', 'declaration', 'convocation', 'facturation'] });
  let mail = null;
  for (let i = 0; i < 100 && !mail; i++) {
    mail = readMail(demo.outbox, 'employeur2@demo.example', /token=/);
    if (!mail) await new Promise((res) => setTimeout(res, 100));
  }
  const invite = /token=([A-Za-z0-9_-]+)/.exec(mail)[1];
  const acc = await fetch(`${base}/api/v1/demo/membership/invitations/accept`, { method: 'POST',
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ token: invite, password: PASSWORD }) });
  if (!acc.ok) throw new Error(`invitation: ${acc.status} ${await acc.text()}`);
  const { ctx: bctx, page: bp } = await signedIn('employeur2@demo.example');
  const big = await timeLoads(bp, `${base}/demo/membership/effectifs.html`);
  const heading = await bp.locator('#list').textContent();
  const shown = Number(/\((\d+)\)/.exec(heading)[1]);
  if (shown < 500) throw new Error(`Mes effectifs shows ${shown} workers, not the 500 imported: ${(await bp.textContent('main')).slice(0, 300)}`);
  await bctx.close();
  const { ctx: sctx, page: sp } = await signedIn('salarie@demo.example');
  for (const p of ['portal/salarie.html', 'tracking/mes-visites.html', 'tracking/mon-dossier.html']) {
    rows.push([p, await timeLoads(sp, `${base}/demo/${p}`)]);
  }
  await sctx.close();

  console.log(`Pages ready (${LOADS} loads each, ms)        p50     p95   target p95`);
  for (const [p, ms] of rows) console.log(`  ${p.padEnd(36)} ${pct(ms, 50).toFixed(0).padStart(6)} ${pct(ms, 95).toFixed(0).padStart(7)}   300`);
  console.log(`Cold visit, JS + CSS: ${(bytes / 1024).toFixed(1)} KB as served, ${(gz / 1024).toFixed(1)} KB gzip (target 150 KB compressed)`);
  console.log(`Mes effectifs, company of ${shown} workers: p50 ${pct(big, 50).toFixed(0)} ms, p95 ${pct(big, 95).toFixed(0)} ms (target p95 500 ms)`);
} finally {
  await browser.close();
  await demo.stop();
}
