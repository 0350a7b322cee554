// The staff workspace in a real browser (issue 15, the parts built): the
// médecin's agenda and visit (DMST entry, outcome with an adjustment and an
// ordonnance, documents, no-show), the assistante's planning (unplaced
// request, a series of slots, placing it by hand), the admin's review of
// applications (the applicant receives the reason), an IPRP who sees no
// medical content, an infirmier shut out by the worker's opposition, the
// médecin's reads and writes of the pages found in the audit log, the
// inactivity warning then the end of the session (the browser's clock moved
// by the test). axe-core on every page, no other host, no CSP violation, no
// script error.
// Usage: node staff.test.mjs BUILD_DIR SOURCE_DIR
import assert from 'node:assert/strict';
import { totpCode, startDemo, apiAs, readMail, launch, watchedContext, checkPage, runSteps, SHOTS, PASSWORD } from './lib.mjs';

const [build, src] = process.argv.slice(2);
process.env.SOCLE_BUILD = build;
const demo = await startDemo(build, src);
const browser = await launch();
const base = demo.base;
let exitCode = 0;

// A section, from the menu.
const menu = (p, name) => p.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name }).click();

// The second factors enrolled by the test: email -> {secret, last step used}.
const secondFactors = new Map();

// The application's next code: a step within one of the server's frozen
// time, never one already spent (the server refuses a code twice).
function nextCode(email) {
  const t = secondFactors.get(email);
  const now = Math.floor(demo.clockMs / 30000);
  const step = Math.max(now - 1, t.last + 1);
  assert.ok(step <= now + 1, 'no unused code left at this frozen time');
  t.last = step;
  return totpCode(t.secret, step);
}

async function signIn(ctx, email, space = { link: 'Se connecter à l\'espace de l\'équipe', home: /portal\/equipe\.html/ }) {
  const p = await ctx.newPage();
  await p.goto(`${demo.base}/demo/portal/`);
  await p.getByRole('link', { name: space.link }).click();
  const f = p.getByRole('form', { name: 'Se connecter avec un mot de passe' });
  await f.getByLabel('Adresse e-mail').fill(email);
  await f.getByLabel('Mot de passe').fill(PASSWORD);
  await f.getByRole('button', { name: 'Se connecter' }).click();
  if (secondFactors.has(email)) {
    await f.getByLabel('Code de votre application d\'authentification').fill(nextCode(email));
    await f.getByRole('button', { name: 'Se connecter' }).click();
  }
  await p.waitForURL(space.home);
  await checkPage(p, `equipe-${email.split('@')[0]}-accueil`);
  p.on('dialog', (d) => d.accept());
  return p;
}

try {
  let planner = await apiAs(base, 'assistante@demo.example');
  let employer = await apiAs(base, 'employeur@demo.example');
  const pro = await planner('POST', '/tracking/professionals', { email: 'medecin@demo.example', site: 'Lyon' });
  // Two visits today for the médecin: worker 2 (held), worker 3 (no-show).
  const slots = await planner('POST', '/tracking/slots', { professional_id: pro.user_id, starts_at: '2026-03-10T14:00', duration_min: 30, site: 'Lyon', count: 2 });
  const held = await employer('POST', '/tracking/visit-requests', { worker_id: 2, company_id: 1, type: 'vip_initiale' });
  const missed = await employer('POST', '/tracking/visit-requests', { worker_id: 3, company_id: 1, type: 'vip_initiale' });
  await planner('POST', `/tracking/visit-requests/${held.id}/book`, { slot_id: slots.items[0].id });
  await planner('POST', `/tracking/visit-requests/${missed.id}/book`, { slot_id: slots.items[1].id });

  const ctx = await watchedContext(browser, base);
  await runSteps('médecin', [
    ['enrols a second factor, then signs in with the password and a code', async () => {
      const p = await signIn(ctx, 'medecin@demo.example');
      await menu(p, 'Mon compte');
      await p.getByRole('button', { name: 'Activer la double authentification' }).click();
      const secret = (await p.locator('#totp-secret').innerText()).trim();
      secondFactors.set('medecin@demo.example', { secret, last: 0 });
      await p.getByLabel('Code à 6 chiffres affiché par l\'application').fill(nextCode('medecin@demo.example'));
      await p.getByRole('button', { name: 'Activer la double authentification' }).click();
      await p.getByRole('list', { name: 'Codes de secours' }).waitFor();
      assert.equal(await p.getByRole('list', { name: 'Codes de secours' }).locator('li').count(), 10);
      assert.equal(await p.getByText('Recommandée : un code').count(), 0, 'the advice goes once it is active');
      await checkPage(p, 'equipe-medecin-double-authentification');
      await p.getByRole('button', { name: 'Se déconnecter' }).click();
      await p.close();
      // The password alone is not enough any more.
      const q = await ctx.newPage();
      await q.goto(`${demo.base}/demo/portal/connexion.html?espace=equipe`);
      const f = q.getByRole('form', { name: 'Se connecter avec un mot de passe' });
      await f.getByLabel('Adresse e-mail').fill('medecin@demo.example');
      await f.getByLabel('Mot de passe').fill(PASSWORD);
      await f.getByRole('button', { name: 'Se connecter' }).click();
      await f.getByLabel('Code de votre application d\'authentification').waitFor();
      await checkPage(q, 'equipe-medecin-code-demande');
      await f.getByLabel('Code de votre application d\'authentification').fill(nextCode('medecin@demo.example'));
      await f.getByRole('button', { name: 'Se connecter' }).click();
      await q.waitForURL(/portal\/equipe\.html/);
      await q.close();
    }],
    ['the agenda lists the day\'s visits with why they are due', async () => {
      const p = await signIn(ctx, 'medecin@demo.example');
      await menu(p, 'Mon agenda');
      await checkPage(p, 'equipe-medecin-agenda');
      const t = p.getByRole('table', { name: /Agenda du 10 mars 2026/ });
      assert.match(await t.textContent(), /Visite d'information et de prévention initiale/);
      assert.match(await t.textContent(), /R4624-10/);
      // The next week and back, from the keyboard's links.
      await p.getByRole('navigation', { name: 'Semaines' }).getByRole('link', { name: 'Semaine suivante' }).click();
      await p.getByText(/^Du 17 mars 2026 au /).waitFor();
      await p.getByRole('link', { name: 'Semaine précédente' }).click();
      await p.getByRole('table', { name: /Agenda du 10 mars 2026/ }).waitFor();
    }],
  ]);

  // 14:10: the first visit has begun (its outcome is recorded only then);
  // the morning's sessions have ended.
  await demo.restartAt('2026-03-10T13:10:00Z');
  planner = await apiAs(base, 'assistante@demo.example');
  employer = await apiAs(base, 'employeur@demo.example');
  await runSteps('médecin, at the visit', [
    ['holds a visit: DMST entry, outcome with an adjustment and an ordonnance, documents', async () => {
      const p = await signIn(ctx, 'medecin@demo.example');
      ctx.medecin = p;
      await menu(p, 'Mon agenda');
      await p.getByRole('row', { name: /14 h 00/ }).getByRole('link').click();
      await checkPage(p, 'equipe-medecin-visite');
      await p.getByText('Pas encore de dossier').waitFor();
      const e = p.getByRole('form', { name: 'Ajouter une entrée au dossier' });
      await e.getByLabel(/^Texte/).fill('Douleurs lombaires à l\'effort, examen normal.');
      // Ctrl + Entrée sends it from the text itself.
      await e.getByLabel(/^Texte/).press('Control+Enter');
      await p.getByRole('table', { name: 'Entrées du dossier' }).getByText('Douleurs lombaires').waitFor();
      const o = p.getByRole('form', { name: 'Conclusions de la visite' });
      await o.getByLabel(/^Aménagement proposé/).selectOption('materiel');
      await o.getByLabel(/^Description de l'aménagement/).fill('Transpalette électrique pour les charges de plus de 15 kg.');
      await o.getByLabel(/risques \(un par ligne\)/).fill('Port de charges');
      await o.getByLabel(/conseils \(un par ligne\)/).fill('Utiliser le transpalette\nPauses régulières');
      await o.getByRole('button', { name: 'Enregistrer les conclusions' }).click();
      await p.getByText('Conclusions enregistrées').waitFor();
      await checkPage(p, 'equipe-medecin-visite-faite');
      await p.getByRole('link', { name: /Ordonnance de prévention/ }).click();
      assert.match(await p.textContent('body'), /Utiliser le transpalette/);
      await checkPage(p, 'equipe-medecin-ordonnance');
      await p.goBack();
    }],
    ['every medical read and write of those pages is in the audit log, as through the API', async () => {
      const admin = await apiAs(base, 'admin@demo.example');
      const log = (await admin('GET', `/audit?user_id=${pro.user_id}&outcome=ok&limit=200`)).items;
      const traced = (action) => log.some((e) => e.action === action && String(e.object_id) === '2');
      for (const action of ['dmst.read', 'dmst.write', 'dmst.document.read']) {
        assert.ok(traced(action), `${action} of worker 2 by the médecin in the audit log: ${JSON.stringify(log.map((e) => [e.action, e.object_type, e.object_id]))}`);
      }
    }],
  ]);

  await runSteps('fiches d\'entreprise', [
    ['the IPRP drafts the fiche of a company whose fiche is due, pre-filled from the API', async () => {
      const due = await planner('GET', '/riskeval/fiches/due?within_days=90');
      const target = due.items.find((c) => !c.has_draft && !c.establishment);
      assert.ok(target, `a member company whose fiche is due: ${JSON.stringify(due)}`);
      target.next = (target.last_version || 0) + 1;
      ctx.fiche = target;
      const c6 = await watchedContext(browser, demo.base);
      const p = await signIn(c6, 'iprp@demo.example');
      await menu(p, 'Fiches d\'entreprise');
      await checkPage(p, 'equipe-iprp-fiches');
      const list = p.getByRole('table', { name: 'Entreprises dont la fiche est à établir ou à mettre à jour' });
      assert.match(await list.getByRole('row', { name: new RegExp(target.legal_name) }).innerText(), /R4624-47/);
      await list.getByRole('link', { name: target.legal_name, exact: true }).click();
      await p.getByRole('button', { name: 'Ouvrir un brouillon' }).click();
      await p.getByText('Brouillon ouvert').waitFor();
      const f = p.getByRole('form', { name: 'Rédiger la fiche' });
      assert.equal(await f.getByLabel(/^Raison sociale/).inputValue(), target.legal_name);
      await p.getByRole('heading', { name: 'Auto-évaluation de l\'entreprise', level: 2 }).waitFor();
      await p.getByRole('heading', { name: 'Les risques professionnels', level: 3 }).waitFor();
      await f.getByLabel(/^Activité/).fill('Atelier de menuiserie, découpe et assemblage.');
      await f.getByLabel(/^Sauveteurs secouristes/).fill('deux');
      await f.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
      // A count typed in words: the French error beside the field, nothing saved.
      await f.locator('.field-error').waitFor();
      await checkPage(p, 'equipe-iprp-fiche-erreur');
      assert.notEqual((await planner('GET', `/riskeval/companies/${target.company_id}/fiche/draft`)).content.identification.activite,
        'Atelier de menuiserie, découpe et assemblage.');
      await f.getByLabel(/^Sauveteurs secouristes/).fill('2');
      await f.getByRole('button', { name: 'Enregistrer le brouillon' }).click();
      await p.getByText('Brouillon enregistré.').waitFor();
      assert.equal(await f.locator('.error-summary, .field-error').count(), 0, 'the old errors are gone');
      await checkPage(p, 'equipe-iprp-fiche-brouillon');
      const draft = await planner('GET', `/riskeval/companies/${target.company_id}/fiche/draft`);
      assert.equal(draft.content.identification.activite, 'Atelier de menuiserie, découpe et assemblage.');
      assert.equal(draft.content.personnel_prevention.secouristes, 2);
      assert.equal(await p.getByRole('button', { name: 'Valider le brouillon' }).count(), 0);
      assert.deepEqual(c6.problems, []);
    }],
    ['a company with two depots: one fiche per establishment, each pre-filled with its own SIRET', async () => {
      const due = await planner('GET', '/riskeval/fiches/due?within_days=90');
      const depot = due.items.find((c) => c.establishment_id > 0 && !c.has_draft);
      assert.ok(depot, `an establishment whose fiche is due: ${JSON.stringify(due.items.slice(0, 3))}`);
      const c7 = await watchedContext(browser, demo.base);
      const p = await signIn(c7, 'iprp@demo.example');
      await menu(p, 'Fiches d\'entreprise');
      const label = `${depot.legal_name}, ${depot.establishment.name} (${depot.establishment.city})`;
      await p.getByRole('table', { name: 'Entreprises dont la fiche est à établir ou à mettre à jour' })
        .getByRole('link', { name: label, exact: true }).click();
      await p.getByRole('heading', { level: 1, name: new RegExp(depot.establishment.name) }).waitFor();
      // The other sites are one link away; this one is marked as the current page.
      const nav = p.getByRole('navigation', { name: 'Établissements de l\'entreprise' });
      assert.equal(await nav.getByRole('link').count(), 3);
      assert.match(await nav.locator('[aria-current="page"]').innerText(), new RegExp(depot.establishment.siret));
      await p.getByRole('button', { name: 'Ouvrir un brouillon' }).click();
      await p.getByText('Brouillon ouvert').waitFor();
      const f = p.getByRole('form', { name: 'Rédiger la fiche' });
      assert.equal(await f.getByLabel(/^SIRET/).inputValue(), depot.establishment.siret);
      assert.match(await f.getByLabel(/^Établissement/).inputValue(), new RegExp(depot.establishment.name));
      await checkPage(p, 'equipe-iprp-fiche-etablissement');
      const draft = await planner('GET', `/riskeval/companies/${depot.company_id}/fiche/draft?establishment=${depot.establishment_id}`);
      assert.equal(draft.establishment_id, depot.establishment_id);
      assert.deepEqual(c7.problems, []);
      await c7.close();
    }],
    ['the médecin validates and transmits it', async () => {
      const p = ctx.medecin;
      const target = ctx.fiche;
      await menu(p, 'Fiches d\'entreprise');
      await p.getByRole('link', { name: target.legal_name, exact: true }).click();
      await p.getByRole('button', { name: 'Valider le brouillon' }).click();
      const n = target.next;
      await p.getByText(`Version ${n} validée.`).waitFor();
      await p.getByRole('button', { name: `Transmettre la version ${n}` }).click();
      await p.getByText(`Version ${n} transmise à l'employeur.`).waitFor();
      await p.getByRole('button', { name: `Lire la version ${n}` }).click();
      await p.getByText('Atelier de menuiserie, découpe et assemblage.').waitFor();
      await checkPage(p, 'equipe-medecin-fiche-transmise');
      const v = (await planner('GET', `/riskeval/companies/${target.company_id}/fiche/versions`)).versions;
      assert.equal(v.length, n);
      assert.ok(v[n - 1].transmitted_on);
    }],
  ]);

  await runSteps('assistante', [
    ['finds a worker and a company as she types', async () => {
      const p = await signIn(ctx, 'assistante@demo.example');
      await menu(p, 'Rechercher');
      await checkPage(p, 'equipe-assistante-recherche');
      await p.getByLabel(/^Nom, date de naissance/).fill('benali');
      const t = p.getByRole('table', { name: /^Salariés/ });
      await t.getByText('Benali Sébastien').waitFor();
      await p.getByLabel(/^Nom, date de naissance/).fill('boulangerie');
      await p.getByRole('table', { name: /^Entreprises/ }).getByText(/Boulangerie/).first().waitFor();
      await p.getByLabel(/^Nom, date de naissance/).fill('zzzz');
      await p.getByText('Aucun résultat pour « zzzz ».').waitFor();
      await checkPage(p, 'equipe-assistante-recherche-vide');
    }],
    ['an unplaced request, a series of slots, placed by hand', async () => {
      const queued = await employer('POST', '/tracking/visit-requests', { worker_id: 4, company_id: 1, type: 'vip_initiale' });
      const p = await signIn(ctx, 'assistante@demo.example');
      await menu(p, 'Planning');
      await checkPage(p, 'equipe-assistante-planning');
      await p.getByRole('button', { name: 'Lancer l\'affectation' }).click();
      await p.getByText('Affectation terminée').waitFor();
      await p.getByRole('table', { name: /n'a pas placées/ }).getByText(`n° ${queued.id}`).waitFor();
      const f = p.getByRole('form', { name: 'Ouvrir des créneaux' });
      await f.getByLabel(/^Premier créneau/).fill('2026-03-13T09:00');
      await f.getByLabel(/^Nombre de créneaux/).fill('3');
      await f.getByRole('button', { name: 'Ouvrir les créneaux' }).click();
      await p.getByText('3 créneau(x) ouvert(s)').waitFor();
      await p.getByRole('button', { name: `Placer la demande n° ${queued.id}` }).click();
      await p.getByText(`Demande n° ${queued.id} placée`).waitFor();
      await checkPage(p, 'equipe-assistante-place');
      const r = await planner('GET', `/tracking/visit-requests/${queued.id}`);
      assert.equal((r.request || r).status, 'scheduled');
    }],
  ]);

  await runSteps('administration', [
    ['approves one application and rejects another; the applicant receives the reason', async () => {
      const app = (siret, name, email) => fetch(`${base}/api/v1/demo/membership/applications`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ siret, legal_name: name, naf_code: '47.11B', naf_version: 'NAFrev2',
          address: { line: '1 rue du Port', postcode: '69002', city: 'Lyon' }, headcount: 3,
          contact: { name: 'Contact', email, phone: '0478000000' }, exposures: [],
          prevention_answers: { duerp: true, duerp_with_workers: false, action_plan: false, action_plan_reviewed: false, staff_representation: false, onboarding: true },
          payment: { mode: 'transfer' } }) }).then(async (r) => { assert.equal(r.status, 201, await r.text()); });
      await app('73282932000074', 'Épicerie Lumière', 'contact@epicerie.example');
      await app('44306184100047', 'Garage Soleil', 'contact@garage.example');
      const p = await signIn(ctx, 'admin@demo.example');
      await menu(p, 'Demandes d\'adhésion');
      await checkPage(p, 'equipe-admin-adhesions');
      // A slow list must not let the confirmation come first: whoever starts typing the next
      // refusal as soon as he reads it would lose his text when the list is redrawn.
      const slowList = async (route) => { await new Promise((r) => setTimeout(r, 1500)); await route.continue(); };
      await p.route('**/membership/applications?limit=100', slowList);
      await p.getByRole('button', { name: 'Accepter Épicerie Lumière' }).click();
      await p.getByText('Épicerie Lumière est adhérente').waitFor();
      assert.equal(await p.getByRole('button', { name: 'Accepter Épicerie Lumière' }).count(), 0,
        'the confirmation is shown once the list no longer offers the approved application');
      await p.unroute('**/membership/applications?limit=100', slowList);
      await p.getByLabel('Motif du refus pour Garage Soleil').fill('Votre établissement relève du service interentreprises du département voisin.');
      await p.getByRole('button', { name: 'Refuser Garage Soleil' }).click();
      await p.getByText('Demande de Garage Soleil refusée').waitFor();
      let mail = null;
      for (let i = 0; i < 50 && !mail; i++) {
        mail = readMail(demo.outbox, 'contact@garage.example', /département voisin/);
        if (!mail) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(mail, 'the applicant receives the reason');
    }],
  ]);

  // Awareness (issue 16): an IPRP programs a workshop session of two places,
  // sees its registrations and the waiting list; the companies an action
  // should reach. The afternoon: the attendance sheet, then the employer
  // answers the questionnaire for one participant and asks for a CSE
  // expertise, and the other participant (the demo employee) answers his own.
  const awareness = {};
  await runSteps('sensibilisation', [
    ['an IPRP programs a session and sees who registered, the waiting list too', async () => {
      const p = await signIn(ctx, 'iprp@demo.example');
      await menu(p, 'Sessions de sensibilisation');
      await checkPage(p, 'equipe-iprp-sessions');
      const f = p.getByRole('form', { name: 'Programmer une session' });
      const atelier = (await planner('GET', '/awareness/actions?kind=atelier&limit=50')).items.find((a) => a.kind === 'atelier');
      await f.getByLabel(/^Atelier ou webinaire/).selectOption(String(atelier.id));
      await f.getByLabel(/^Début/).fill('2026-03-10T14:30');
      await f.getByLabel(/^Lieu$/).fill('Salle Pasteur, au service');
      await f.getByLabel(/^Nombre de places/).fill('2');
      await f.getByLabel(/^Intervenant/).fill('Nadia Roux');
      await f.getByRole('button', { name: 'Programmer' }).click();
      await p.getByText('Session programmée').waitFor();
      const s = (await planner('GET', '/awareness/sessions?limit=100')).items.find((x) => x.starts_at === '2026-03-10T14:30');
      assert.ok(s, 'the session is programmed');
      const own = await employer('POST', `/awareness/sessions/${s.id}/registrations`, { company_id: 1, worker_id: 1 });
      const r1 = await employer('POST', `/awareness/sessions/${s.id}/registrations`, { company_id: 1, worker_id: 2 });
      const r2 = await employer('POST', `/awareness/sessions/${s.id}/registrations`, { company_id: 1, worker_id: 3 });
      assert.equal(own.status, 'confirmed');
      assert.equal(r1.status, 'confirmed');
      assert.equal(r2.status, 'waiting');
      Object.assign(awareness, { session: s, own, first: r1, second: r2, label: `${s.title}, 10 mars 2026 à 14 h 30` });
      await p.reload();
      await p.getByRole('button', { name: `Voir les inscrits de la session ${awareness.label}` }).click();
      const t = p.getByRole('table', { name: `Inscrits à la session ${awareness.label}` });
      await t.getByText('liste d\'attente (rang 1)').waitFor();
      assert.match(await t.textContent(), new RegExp(r1.name));
      await checkPage(p, 'equipe-iprp-session-inscrits');
      awareness.page = p;
    }],
    ['the companies an action should reach and has not', async () => {
      const p = awareness.page;
      await menu(p, 'Entreprises à toucher');
      await checkPage(p, 'equipe-iprp-cibles');
      await p.getByRole('button', { name: 'Voir les entreprises à toucher' }).click();
      await p.getByRole('heading', { name: /^Entreprises à toucher : / }).waitFor();
      await checkPage(p, 'equipe-iprp-cibles-resultat');
    }],
    ['an IPRP cancels a session to come, with its reason', async () => {
      const p = awareness.page;
      await menu(p, 'Sessions de sensibilisation');
      const f = p.getByRole('form', { name: 'Programmer une session' });
      await f.getByLabel(/^Atelier ou webinaire/).selectOption(String(awareness.session.action_id));
      await f.getByLabel(/^Début/).fill('2026-03-12T09:00');
      await f.getByLabel(/^Lieu$/).fill('Salle Curie, au service');
      await f.getByLabel(/^Nombre de places/).fill('8');
      await f.getByRole('button', { name: 'Programmer' }).click();
      await p.getByText('Session programmée').waitFor();
      const s = (await planner('GET', '/awareness/sessions?limit=100')).items.find((x) => x.starts_at === '2026-03-12T09:00');
      assert.ok(s, 'the second session is programmed');
      await employer('POST', `/awareness/sessions/${s.id}/registrations`, { company_id: 1, worker_id: 1 });
      await p.reload();
      const lab = `${s.title}, 12 mars 2026 à 9 h 00`;
      await p.getByRole('button', { name: `Voir les inscrits de la session ${lab}` }).click();
      const c = p.getByRole('form', { name: `Annuler la session ${lab}` });
      await c.getByLabel(/^Motif de l'annulation/).fill('L\'intervenante est souffrante.');
      await checkPage(p, 'equipe-iprp-session-annuler');
      await c.getByRole('button', { name: 'Annuler la session' }).click();
      await p.getByText(/annulée : 1 inscription\(s\) annulée\(s\)/).waitFor();
      const after = await planner('GET', `/awareness/sessions/${s.id}`);
      assert.equal(after.status, 'cancelled');
    }],
  ]);

  await runSteps('secrecy', [
    ['an IPRP opening the visit page sees no medical content', async () => {
      const p = await signIn(ctx, 'iprp@demo.example');
      await p.goto(`${base}/demo/tracking/visite.html?id=${held.id}`);
      await p.getByText('Votre rôle ne donne pas accès').waitFor();
      const text = await p.textContent('main');
      assert.doesNotMatch(text, /lombaires|transpalette|Port de charges/);
      await checkPage(p, 'equipe-iprp-visite');
    }],
    ['the worker opposed: the médecin is served, the infirmier is not', async () => {
      const worker = await apiAs(base, 'salarie@demo.example');
      const doctor = await apiAs(base, 'medecin@demo.example', 'demo', nextCode('medecin@demo.example'));
      await doctor('POST', '/tracking/dmst/1/entries', { kind: 'observation', date: '2026-03-10', text: 'Antécédent noté.' });
      await worker('PUT', '/tracking/workers/1/oppositions', { opposition_other_professionals: true });
      const r1 = await employer('POST', '/tracking/visit-requests', { worker_id: 1, company_id: 1, type: 'visite_a_la_demande' });
      const nurse = await watchedContext(browser, base);
      const p = await signIn(nurse, 'infirmier@demo.example');
      await p.goto(`${base}/demo/tracking/visite.html?id=${r1.id}`);
      await p.getByText('L4624-8').waitFor();
      assert.doesNotMatch(await p.textContent('main'), /Antécédent noté/);
      assert.equal(await p.getByRole('form', { name: 'Ajouter une entrée au dossier' }).count(), 0);
      await checkPage(p, 'equipe-infirmier-opposition');
      assert.deepEqual(nurse.problems, []);
      await nurse.close();
      const doc = await watchedContext(browser, base);
      ctx.medecin = await signIn(doc, 'medecin@demo.example');
      await ctx.medecin.goto(`${base}/demo/tracking/visite.html?id=${r1.id}`);
      await ctx.medecin.getByText('Antécédent noté.').waitFor();
      await ctx.medecin.getByText('Le salarié s\'oppose').waitFor();
    }],
    ['no page asked another host, broke the CSP or threw', async () => {
      assert.deepEqual(ctx.problems, []);
    }],
  ]);

  // The afternoon: the 14 h 30 visit has passed without the worker.
  let afternoon = null;
  await demo.restartAt('2026-03-10T15:00:00Z');
  await runSteps('médecin, the afternoon', [
    ['marks a no-show with one action', async () => {
      const c2 = await watchedContext(browser, demo.base);
      const p = await signIn(c2, 'medecin@demo.example');
      await p.goto(`${demo.base}/demo/tracking/visite.html?id=${missed.id}`);
      await checkPage(p, 'equipe-medecin-absent-avant');
      await p.getByRole('button', { name: 'Salarié absent' }).click();
      await p.waitForURL((u) => u.toString().includes(`id=${missed.id}`) && !u.toString().includes('fait'));
      await p.getByText('État').waitFor();
      const planner2 = await apiAs(demo.base, 'assistante@demo.example');
      const r = await planner2('GET', `/tracking/visit-requests/${missed.id}`);
      assert.equal((r.request || r).status, 'missed');
      assert.deepEqual(c2.problems, []);
      afternoon = p;
    }],
    ['the médecin opens a case of the cell and writes in its journal', async () => {
      const p = afternoon; // signed in for the no-show (each sign-in spends a code)
      await p.goto(`${demo.base}/demo/portal/equipe.html`);
      await menu(p, 'Cellule de maintien en emploi');
      await checkPage(p, 'equipe-medecin-cellule');
      await p.getByRole('table', { name: 'Dossiers de maintien en emploi' }).getByRole('link').first().click();
      await p.getByRole('heading', { name: /^Dossier de maintien en emploi n° / }).waitFor();
      // A case a signal proposed: the médecin opens it first.
      if (await p.getByRole('button', { name: 'Ouvrir le dossier' }).count()) {
        await p.getByRole('button', { name: 'Ouvrir le dossier' }).click();
        await p.getByText('ouvert', { exact: true }).waitFor();
      }
      const f = p.getByRole('form', { name: 'Ajouter une étape au journal' });
      await f.getByLabel(/^Ce qui a été fait/).fill('Entretien téléphonique avec le salarié');
      await f.getByLabel(/^Qui peut la lire/).selectOption('general');
      await f.getByRole('button', { name: 'Ajouter l\'étape' }).click();
      await p.getByText('Étape ajoutée au journal.').waitFor();
      await p.getByRole('region', { name: 'Journal du dossier' }).getByText(/Entretien téléphonique avec le salarié/).waitFor();
      await checkPage(p, 'equipe-medecin-cellule-dossier');
    }],

  ]);

  await runSteps('sensibilisation, the afternoon', [
    ['the IPRP records who came on the attendance sheet', async () => {
      const c3 = await watchedContext(browser, demo.base);
      const p = await signIn(c3, 'iprp@demo.example');
      await menu(p, 'Sessions de sensibilisation');
      await p.getByRole('button', { name: `Émarger la session ${awareness.label}` }).click();
      const sheet = p.getByRole('form', { name: `Feuille de présence de la session ${awareness.label}` });
      await sheet.getByLabel(new RegExp(`^Présent : ${awareness.first.name}`)).check();
      await sheet.getByLabel(new RegExp(`^Présent : ${awareness.own.name}`)).check();
      await checkPage(p, 'equipe-iprp-emargement');
      await sheet.getByRole('button', { name: 'Enregistrer les présences' }).click();
      await p.getByRole('status').getByText('Présences enregistrées pour la session').waitFor();
      const iprp = await apiAs(demo.base, 'iprp@demo.example');
      const regs = (await iprp('GET', `/awareness/sessions/${awareness.session.id}/registrations`)).items;
      assert.equal(regs.find((r) => r.id === awareness.first.id).attended, 1);
      assert.equal(regs.find((r) => r.id === awareness.own.id).attended, 1);
      assert.deepEqual(c3.problems, []);
    }],
    ['the employer answers the questionnaire and asks for a CSE expertise', async () => {
      const c4 = await watchedContext(browser, demo.base);
      const p = await signIn(c4, 'employeur@demo.example', { link: 'Se connecter à l\'espace adhérent', home: /portal\/adherent\.html/ });
      await menu(p, 'Sensibilisation');
      // Each recommendation says how to benefit from it: a session to come, or its link.
      const reco = p.getByRole('table', { name: 'Actions recommandées et pourquoi' });
      await reco.getByRole('columnheader', { name: 'Comment en bénéficier' }).waitFor();
      assert.match(await reco.textContent(), /Prochaine session|Ouvrir « |Pas de session ouverte/);
      await p.getByRole('button', { name: `Donner l'avis de ${awareness.first.name}` }).click();
      const f = p.getByRole('form', { name: new RegExp(`^Avis de ${awareness.first.name}`) });
      await f.getByLabel(/^Satisfaction/).selectOption('5');
      await f.getByLabel(/^Utilité/).selectOption('4');
      await f.getByLabel(/^Commentaire/).fill('Des exemples concrets, merci.');
      await checkPage(p, 'employeur-sensibilisation-avis');
      await f.getByRole('button', { name: 'Envoyer l\'avis' }).click();
      await p.getByText(`Merci : l'avis de ${awareness.first.name} est enregistré.`).waitFor();
      const c = p.getByRole('form', { name: 'Demander un intervenant pour votre CSE' });
      await c.getByLabel(/^Date de la réunion/).fill('2026-04-02');
      await c.getByLabel(/^Points de l'ordre du jour/).fill('Bilan des accidents du travail\nPrévention du bruit');
      await c.getByRole('button', { name: 'Envoyer la demande' }).click();
      await p.getByText('Demande envoyée').waitFor();
      await p.getByRole('table', { name: 'Vos demandes d\'intervention au CSE' }).getByText('Prévention du bruit').waitFor();
      await checkPage(p, 'employeur-sensibilisation-cse');
      const boss = await apiAs(demo.base, 'employeur@demo.example');
      const regs = (await boss('GET', '/awareness/companies/1/registrations?limit=100')).items;
      assert.equal(regs.find((r) => r.id === awareness.first.id).answered, 1);
      assert.deepEqual(c4.problems, []);
    }],
    ['the employee answers the questionnaire in the espace salarié', async () => {
      const c5 = await watchedContext(browser, demo.base);
      const p = await signIn(c5, 'salarie@demo.example', { link: 'Se connecter à l\'espace salarié', home: /portal\/salarie\.html/ });
      await menu(p, 'Mes sensibilisations');
      const title = awareness.session.title;
      await p.getByRole('table', { name: 'Mes inscriptions' }).getByText('présent(e)').waitFor();
      await p.getByRole('button', { name: `Donner mon avis sur ${title}` }).click();
      const f = p.getByRole('form', { name: `Votre avis sur ${title}` });
      await f.getByLabel(/^Satisfaction/).selectOption('4');
      await f.getByLabel(/^Utilité/).selectOption('5');
      await checkPage(p, 'salarie-sensibilisation-avis');
      await f.getByRole('button', { name: 'Envoyer mon avis' }).click();
      await p.getByText('Merci : votre avis est enregistré.').waitFor();
      await p.getByRole('table', { name: 'Mes inscriptions' }).getByText('avis donné').waitFor();
      const boss = await apiAs(demo.base, 'employeur@demo.example');
      const regs = (await boss('GET', '/awareness/companies/1/registrations?limit=100')).items;
      assert.equal(regs.find((r) => r.id === awareness.own.id).answered, 1);
      assert.deepEqual(c5.problems, []);
    }],
  ]);

  // The team's awareness desk (issue 16): results and indicators, the CSE
  // requests, the catalogue and its mailings, without curl.
  await runSteps('sensibilisation, the team\'s desk', [
    ['the IPRP reads a session\'s results, enters a quiz, computes the indicators', async () => {
      const c8 = await watchedContext(browser, demo.base);
      const p = await signIn(c8, 'iprp@demo.example');
      awareness.desk = { ctx: c8, page: p };
      await menu(p, 'Résultats de la sensibilisation');
      await checkPage(p, 'equipe-iprp-resultats');
      await p.getByRole('button', { name: `Résultats de la session ${awareness.label}` }).click();
      const results = p.getByRole('region', { name: `Participants présents à ${awareness.label}` });
      await results.waitFor();
      assert.match(await p.locator('main').textContent(), /2 présent\(s\), 2 questionnaire\(s\) : satisfaction 100 %, utilité 100 %/);
      if (awareness.session.has_quiz) {
        const q = p.getByRole('form', { name: `Saisir un quiz de ${awareness.label}` });
        await q.getByLabel(/^Participant/).selectOption({ label: awareness.first.name });
        await q.getByLabel(/^Score avant/).fill('40');
        await q.getByLabel(/^Score après/).fill('150');
        await q.getByRole('button', { name: 'Enregistrer le quiz' }).click();
        await q.locator('.field-error').first().waitFor(); // out of 100: said beside the field
        await q.getByLabel(/^Score après/).fill('75');
        await q.getByRole('button', { name: 'Enregistrer le quiz' }).click();
        await p.getByText(`Quiz de ${awareness.first.name} enregistré.`).waitFor();
        await results.getByText('75', { exact: true }).waitFor();
        await checkPage(p, 'equipe-iprp-resultats-quiz');
      }
      const f = p.getByRole('form', { name: 'Indicateurs' });
      await f.getByLabel(/^Entreprise/).fill('zzz-aucune');
      await f.getByRole('button', { name: 'Calculer' }).click();
      await f.getByText('aucune entreprise adhérente ne correspond').first().waitFor();
      await f.getByLabel(/^Entreprise/).fill('Boulangerie Durand');
      await f.getByRole('button', { name: 'Calculer' }).click();
      await p.getByRole('heading', { name: /^Indicateurs du .*, Boulangerie Durand$/ }).waitFor();
      const t = p.getByRole('region', { name: 'Indicateurs de sensibilisation et de conseil' });
      assert.match(await t.textContent(), /Salariés ayant bénéficié d'une sensibilisation\d+(,\d)? % \(2 sur \d+\)/);
      await checkPage(p, 'equipe-iprp-indicateurs');
    }],
    ['the desk sends the IPRP to the CSE meeting the employer asked for', async () => {
      const p = awareness.desk.page;
      await menu(p, 'Demandes d\'intervention au CSE');
      await checkPage(p, 'equipe-iprp-cse');
      await p.getByRole('button', { name: 'Ouvrir la demande de Boulangerie Durand, réunion du 2 avril 2026' }).click();
      await p.getByRole('heading', { name: 'Demande de Boulangerie Durand, réunion du 2 avril 2026' }).waitFor();
      assert.match(await p.locator('main').textContent(), /Prévention du bruit/);
      const f = p.getByRole('form', { name: 'Désigner l\'intervenant pour Boulangerie Durand, réunion du 2 avril 2026' });
      await f.getByLabel(/^Intervenant/).selectOption({ label: 'Nadia Roux, intervenant(e) en prévention des risques professionnels (IPRP)' });
      await f.getByRole('button', { name: 'Désigner' }).click();
      await p.getByText('Nadia Roux interviendra au CSE de Boulangerie Durand le 2 avril 2026').waitFor();
      // The meeting is ahead (the demo's day is 10 March): its report is written from that day.
      await p.getByText('se note à partir du jour de la réunion, le 2 avril 2026').waitFor();
      assert.equal(await p.getByRole('form', { name: /^Compte rendu de la réunion/ }).count(), 0);
      await checkPage(p, 'equipe-iprp-cse-demande');
      const iprp = await apiAs(demo.base, 'iprp@demo.example');
      const queue = (await iprp('GET', '/awareness/cse-requests?status=assigned')).items;
      assert.ok(queue.find((q) => q.professional_name === 'Nadia Roux'), 'the request is assigned');
    }],
    ['the network: a branch relay and a training body, each added after a field error', async () => {
      const p = awareness.desk.page;
      await menu(p, 'Relais et organismes de formation');
      await checkPage(p, 'equipe-iprp-reseau');
      const r = p.getByRole('form', { name: 'Ajouter un relais de branche' });
      await r.getByLabel(/^Division NAF/).fill('5');
      await r.getByLabel(/^Nom/).fill('Relais de la restauration');
      await r.getByLabel(/^Adresse e-mail/).fill('relais.restauration@branche.example');
      await r.getByRole('button', { name: 'Ajouter le relais' }).click();
      await r.locator('.field-error').first().waitFor(); // one digit: said beside the field
      await r.getByLabel(/^Division NAF/).fill('56');
      await r.getByRole('button', { name: 'Ajouter le relais' }).click();
      await p.getByText('Relais de la restauration recevra les envois destinés à la division 56.').waitFor();
      await p.getByRole('region', { name: 'Relais des branches' }).getByText('relais.restauration@branche.example').waitFor();
      const b = p.getByRole('form', { name: 'Ajouter un organisme' });
      await b.getByLabel(/^Nom de l'organisme/).fill('Prévention Formation Lyon');
      await b.getByRole('button', { name: 'Ajouter à l\'annuaire' }).click();
      await b.locator('.field-error').first().waitFor(); // no accreditation
      await b.getByLabel(/^Habilitation/).fill('Organisme certifié Qualiopi');
      await b.getByLabel(/^Ville/).fill('Lyon');
      await b.getByRole('button', { name: 'Ajouter à l\'annuaire' }).click();
      await p.getByText('Prévention Formation Lyon est dans l\'annuaire.').waitFor();
      await p.getByRole('region', { name: 'Annuaire des organismes de formation' }).getByText('Prévention Formation Lyon').waitFor();
      await checkPage(p, 'equipe-iprp-reseau-ajouts');
    }],
    ['the catalogue: an action added after a field error, mailed to a branch, its clicks counted', async () => {
      const p = awareness.desk.page;
      await menu(p, 'Catalogue de sensibilisation');
      await checkPage(p, 'equipe-iprp-catalogue');
      const f = p.getByRole('form', { name: 'Ajouter une action' });
      await f.getByLabel(/^Type/).selectOption('document');
      await f.getByLabel(/^Titre/).fill('Le froid au travail');
      await f.getByLabel(/^Objectifs/).fill('Se protéger du froid en chambre froide.');
      await f.getByRole('button', { name: 'Ajouter au catalogue' }).click();
      await f.locator('.field-error').first().waitFor(); // no audience chosen
      await f.getByLabel('Salariés', { exact: true }).check();
      await f.getByRole('button', { name: 'Ajouter au catalogue' }).click();
      await p.getByText('« Le froid au travail » est au catalogue.').waitFor();
      // No link: the service keeps the document's file itself.
      await p.getByRole('button', { name: 'Déposer le fichier : « Le froid au travail »' }).click();
      const d = p.getByRole('form', { name: 'Déposer le fichier de « Le froid au travail »' });
      const pdf = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n';
      awareness.pdf = pdf;
      await checkPage(p, 'equipe-iprp-catalogue-fichier'); // before filling: its full-page shot resizes the window
      await d.getByLabel(/^Fichier/).setInputFiles({ name: 'froid.pdf', mimeType: 'application/pdf', buffer: Buffer.from(pdf) });
      await d.getByRole('button', { name: 'Déposer le fichier' }).click();
      await p.getByText('Le fichier de « Le froid au travail » est déposé').waitFor();
      await p.getByRole('button', { name: 'Envois de « Le froid au travail »' }).click();
      const m = p.getByRole('form', { name: 'Envoyer « Le froid au travail » par courriel' });
      await m.getByLabel(/^Les \d+ entreprise/).uncheck();
      await m.getByRole('button', { name: 'Envoyer' }).click(); // nobody chosen: said beside the box
      await m.locator('.field-error').first().waitFor();
      assert.doesNotMatch(await m.locator('.error-summary').textContent(), /company_ids/);
      await m.getByLabel(/^Relais des branches/).fill('56');
      await m.getByRole('button', { name: 'Envoyer' }).click();
      await p.getByText(/« Le froid au travail » envoyé : 1 courriel/).waitFor();
      let mail = null;
      for (let i = 0; i < 50 && !mail; i++) {
        mail = readMail(demo.outbox, 'relais.restauration@branche.example', /awareness\/links\//);
        if (!mail) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(mail, 'the branch relay received the document\'s link');
      const link = /https?:\/\/\S+\/awareness\/links\/[0-9a-f]+/.exec(mail)[0].replace(/^https?:\/\/[^/]+/, demo.base);
      for (let i = 0; i < 2; i++) {
        const hop = await fetch(link, { redirect: 'manual' });
        assert.equal(hop.status, 302);
        const file = await fetch(hop.headers.get('location').replace(/^https?:\/\/[^/]+/, demo.base));
        assert.equal(file.headers.get('content-type'), 'application/pdf');
        assert.equal(await file.text(), awareness.pdf);
      }
      await p.getByRole('button', { name: 'Envois de « Le froid au travail »' }).click();
      const sent = p.getByRole('region', { name: 'Envois de « Le froid au travail » et ouvertures du lien' });
      await sent.getByRole('cell', { name: '200 %' }).waitFor(); // the list drawn again
      // No company (a branch's relay only), one mail, its link followed twice.
      assert.deepEqual(await sent.locator('tbody tr').first().locator('td').allTextContents(), ['0', '1', '2', '200 %']);
      await checkPage(p, 'equipe-iprp-catalogue-envois');
      assert.deepEqual(awareness.desk.ctx.problems, []);
    }],
  ]);

  // Design.md: the session ends after 30 minutes without activity, with a
  // warning five minutes before. The browser's clock is the test's (no sleep).
  await runSteps('session', [
    ['warns before the session ends for inactivity, keeps it on request, then asks to sign in again', async () => {
      const c7 = await watchedContext(browser, demo.base);
      await c7.clock.install();
      const p = await signIn(c7, 'assistante@demo.example');
      const warning = p.getByRole('alert').filter({ hasText: 'Votre session se fermera' });
      assert.equal(await warning.count(), 0);
      await c7.clock.runFor('26:00');
      await warning.waitFor();
      assert.match(await warning.innerText(), /dans [45] minutes sans activité/);
      await checkPage(p, 'equipe-session-avertissement');
      await warning.getByRole('button', { name: 'Rester connecté' }).click();
      await warning.waitFor({ state: 'hidden' });
      await c7.clock.runFor('31:00');
      await p.waitForURL(/connexion\.html\?retour=/);
      assert.deepEqual(c7.problems, []);
      await c7.close();
    }],
  ]);
} catch (err) {
  exitCode = 1;
  console.error(err);
  for (const c of browser.contexts()) {
    for (const [i, pg] of c.pages().entries()) {
      await pg.screenshot({ path: `${SHOTS}/ECHEC-equipe-${i}.png`, fullPage: true }).catch(() => {});
      console.error(`--- page ${pg.url()}\n${(await pg.textContent('main').catch(() => '')).slice(0, 1200)}`);
    }
  }
  console.error('--- server log (tail)\n' + demo.log().split('\n').slice(-20).join('\n'));
} finally {
  await browser.close();
  await demo.stop();
}
process.exit(exitCode);
