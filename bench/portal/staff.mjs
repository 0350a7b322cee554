// Staff space benchmark (issue 15 target, printed, never asserted): the
// médecin's agenda and visit pages ready (the page's data-ready mark: every
// API answer in and the page built) on a service of 500,000 workers, p50 and
// p95 over LOADS loads each (target: p95 <= 300 ms).
//
// Run by bench/tracking/run.sh once its service is generated (50,000
// companies, 500,000 workers, 3,000,000 visits held) and its 10,000 requests
// assigned, against that running server:
//   node bench/portal/staff.mjs ORIGIN SERVICE EMAIL PASSWORD
// The account is a médecin whose agenda holds the assignment's visits; the
// visit pages measured are those of the visits of his agenda's first week
// (each a different worker, with his history of visits held).
import { launch } from '../../tests/browser/lib.mjs';

const [origin, service, email, password] = process.argv.slice(2);
if (!password) {
  console.error('usage: node bench/portal/staff.mjs ORIGIN SERVICE EMAIL PASSWORD');
  process.exit(2);
}
const LOADS = Number(process.env.LOADS || 20);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };

const browser = await launch();
try {
  const ctx = await browser.newContext({ locale: 'fr-FR', timezoneId: 'Europe/Paris' });
  const page = await ctx.newPage();
  await page.goto(`${origin}/${service}/portal/connexion.html`);
  const f = page.getByRole('form', { name: 'Se connecter avec un mot de passe' });
  await f.getByLabel('Adresse e-mail').fill(email);
  await f.getByLabel('Mot de passe').fill(password);
  await f.getByRole('button', { name: 'Se connecter' }).click();
  await page.waitForURL(/equipe/);

  const ready = async (url) => {
    const t0 = performance.now();
    await page.goto(url);
    await page.waitForFunction(() => document.documentElement.dataset.ready === '1');
    return performance.now() - t0;
  };
  // The agenda of the coming week (the bench's slots start tomorrow).
  const agendaUrl = `${origin}/${service}/tracking/agenda.html`;
  const agenda = [];
  for (let i = 0; i < LOADS; i++) agenda.push(await ready(agendaUrl));
  const links = await page.locator('main a[href*="visite.html?id="]').evaluateAll((as) => as.map((a) => a.href));
  if (links.length === 0) throw new Error(`the agenda shows no visit: ${(await page.textContent('main')).slice(0, 300)}`);
  const visit = [];
  for (let i = 0; i < LOADS; i++) visit.push(await ready(links[i % links.length]));
  const shown = await page.locator('main').textContent();
  if (!/Dossier médical|DMST/i.test(shown)) throw new Error(`the visit page shows no DMST: ${shown.slice(0, 300)}`);

  console.log(`Staff pages ready on the bench service (${LOADS} loads each, ms)   p50     p95   target p95`);
  console.log(`  agenda (${String(links.length).padStart(3)} visits this week)               ${pct(agenda, 50).toFixed(0).padStart(6)} ${pct(agenda, 95).toFixed(0).padStart(7)}   300`);
  console.log(`  visit page (${Math.min(LOADS, links.length)} different visits)               ${pct(visit, 50).toFixed(0).padStart(6)} ${pct(visit, 95).toFixed(0).padStart(7)}   300`);
} finally {
  await browser.close();
}
