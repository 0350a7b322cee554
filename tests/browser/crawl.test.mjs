// From `/`, every page of both spaces reached by following visible links and
// buttons (issue 12, acceptance 2): once at 360 px wide with the mouse, once
// with the keyboard alone (Tab to the link, Enter). On every page: no
// horizontal scroll, no request to another host, no CSP violation, no script
// error, axe-core at 0 serious or critical violations.
// Usage: node crawl.test.mjs BUILD_DIR SOURCE_DIR
import assert from 'node:assert/strict';
import { startDemo, launch, watchedContext, checkPage, runSteps, SHOTS, PASSWORD } from './lib.mjs';

const [build, src] = process.argv.slice(2);
process.env.SOCLE_BUILD = build;
const demo = await startDemo(build, src);
const browser = await launch();
const base = demo.base;
let exitCode = 0;

const SPACES = {
  employer: {
    email: 'employeur@demo.example', signIn: 'Se connecter à l\'espace adhérent',
    pages: ['portal/adherent.html', 'membership/effectifs.html', 'membership/facturation.html', 'tracking/visites.html',
      'tracking/activite.html', 'portal/utilisateurs.html', 'portal/compte.html', 'retention/propositions.html',
      'awareness/ateliers.html'],
  },
  medecin: {
    email: 'medecin@demo.example', signIn: 'Se connecter à l\'espace de l\'équipe',
    pages: ['portal/equipe.html', 'tracking/agenda.html', 'tracking/planning.html', 'portal/compte.html',
      'awareness/sessions.html', 'awareness/cibles.html'],
  },
  admin: {
    email: 'admin@demo.example', signIn: 'Se connecter à l\'espace de l\'équipe',
    pages: ['portal/equipe.html', 'tracking/planning.html', 'membership/adhesions.html', 'portal/compte.html',
      'awareness/sessions.html', 'awareness/cibles.html'],
  },
  employee: {
    email: 'salarie@demo.example', signIn: 'Se connecter à l\'espace salarié',
    pages: ['portal/salarie.html', 'tracking/mes-visites.html', 'tracking/mon-dossier.html', 'portal/compte.html',
      'retention/accompagnement.html', 'awareness/mes-sensibilisations.html'],
  },
};
const PUBLIC = ['portal/', 'portal/connexion.html', 'portal/mot-de-passe.html', 'portal/activation.html'];

const pageKey = (u) => {
  const p = new URL(u).pathname.replace(/^\/demo\//, '');
  return p;
};

// Focus the link or button named `name` by pressing Tab, then press Enter.
async function keyboardActivate(page, name) {
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.focus(); });
  await page.keyboard.press('Tab');
  for (let i = 0; i < 300; i++) {
    const label = await page.evaluate(() => {
      const el = document.activeElement;
      return el ? (el.getAttribute('aria-label') || el.textContent || el.value || '').trim() : '';
    });
    if (label === name) {
      await page.keyboard.press('Enter');
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`${page.url()}: "${name}" never got the keyboard focus`);
}

// Tab until the focused element matches `test` (run in the page).
async function tabTo(page, test, what) {
  for (let i = 0; i < 100; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(test)) return;
  }
  throw new Error(`${page.url()}: ${what} never got the keyboard focus`);
}

async function crawl(who, mode) {
  const space = SPACES[who];
  const opts = mode === 'mouse' ? { viewport: { width: 360, height: 740 }, isMobile: false } : {};
  const ctx = await watchedContext(browser, base, opts);
  const page = await ctx.newPage();
  const go = async (name) => {
    const before = page.url();
    if (mode === 'mouse') await page.getByRole('link', { name, exact: true }).or(page.getByRole('button', { name, exact: true })).first().click();
    else await keyboardActivate(page, name);
    await page.waitForURL((u) => u.toString() !== before);
    await page.waitForLoadState('load');
  };
  const seen = new Set();
  const check = async () => {
    const key = pageKey(page.url());
    if (seen.has(key)) return;
    seen.add(key);
    await checkPage(page, `parcours-${who}-${mode}-${key.replace(/[/.]/g, '_')}`);
  };

  await page.goto(`${base}/`);
  await checkPage(page, `parcours-${who}-${mode}-racine`);
  await go('SPSTI de démonstration');
  await check();
  // The public pages, by their links.
  await go('Se connecter à l\'espace adhérent');
  await check();
  await go('Mot de passe oublié');
  await check();
  await page.goBack();
  await page.goBack();
  await go('Activer mon espace salarié');
  await check();
  await page.goBack();
  await go(space.signIn);
  await check();
  if (mode === 'mouse') {
    const f = page.getByRole('form', { name: 'Se connecter avec un mot de passe' });
    await f.getByLabel('Adresse e-mail').fill(space.email);
    await f.getByLabel('Mot de passe').fill(PASSWORD);
    await f.getByRole('button', { name: 'Se connecter' }).click();
  } else {
    // The code form comes first: Tab past it to the password form's e-mail field.
    await tabTo(page, () => document.activeElement.type === 'email'
      && document.activeElement.closest('form').getAttribute('aria-label') === 'Se connecter avec un mot de passe',
    'the password form');
    await page.keyboard.type(space.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
  }
  await page.waitForURL(new RegExp(space.pages[0].replace('.', '\\.')));
  await check();
  // The skip link is the first stop of the keyboard.
  if (mode === 'keyboard') {
    await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.focus(); });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Aller au contenu');
  }
  // Breadth first over the menu's links, each clicked (or keyed) from a page reached so.
  const queue = [page.url()];
  const reached = new Set([pageKey(page.url())]);
  while (queue.length) {
    const from = queue.shift();
    const links = await (async () => {
      if (page.url() !== from) await page.goto(from);
      await checkPage(page, `parcours-${who}-${mode}-${pageKey(from).replace(/[/.]/g, '_')}`, { axe: false });
      return page.$$eval('nav.site-nav a, main a', (as) => as.filter((a) => a.offsetParent !== null)
        .map((a) => ({ text: a.textContent.trim(), href: a.href })));
    })();
    for (const l of links) {
      const u = new URL(l.href);
      if (u.host !== new URL(base).host || !u.pathname.startsWith('/demo/') || u.pathname.startsWith('/api/')) continue;
      const key = pageKey(l.href);
      if (reached.has(key)) continue;
      if (page.url() !== from) await page.goto(from);
      await go(l.text);
      assert.equal(pageKey(page.url()), key, `"${l.text}" leads to ${key}`);
      reached.add(key);
      await check();
      queue.push(page.url());
    }
  }
  for (const p of [...space.pages, ...PUBLIC]) assert.ok(seen.has(p) || reached.has(p), `${who} (${mode}) reached ${p}`);
  assert.deepEqual(ctx.problems, []);
  await ctx.close();
}

try {
  await runSteps('crawl', [
    ['employer, mouse, 360 px wide', () => crawl('employer', 'mouse')],
    ['employee, mouse, 360 px wide', () => crawl('employee', 'mouse')],
    ['employer, keyboard alone', () => crawl('employer', 'keyboard')],
    ['employee, keyboard alone', () => crawl('employee', 'keyboard')],
    ['médecin, mouse, 360 px wide', () => crawl('medecin', 'mouse')],
    ['médecin, keyboard alone', () => crawl('medecin', 'keyboard')],
    ['administration, mouse, 360 px wide', () => crawl('admin', 'mouse')],
    ['administration, keyboard alone', () => crawl('admin', 'keyboard')],
  ]);
} catch (err) {
  exitCode = 1;
  console.error(err);
  for (const ctx of browser.contexts()) {
    for (const [i, pg] of ctx.pages().entries()) {
      await pg.screenshot({ path: `${SHOTS}/ECHEC-parcours-${i}.png`, fullPage: true }).catch(() => {});
      console.error(`--- page ${pg.url()}`);
    }
  }
  console.error('--- server log (tail)\n' + demo.log().split('\n').slice(-20).join('\n'));
} finally {
  await browser.close();
  await demo.stop();
}
process.exit(exitCode);
