// The employer's and the employee's journeys in a real browser, and the
// refusals (issue 12, acceptance 1). Every page met is checked by axe-core
// (0 serious or critical violations), for horizontal scroll, other hosts and
// CSP violations, and photographed into <build>/browser-screenshots/.
// Usage: node journeys.test.mjs BUILD_DIR SOURCE_DIR
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startDemo, apiAs, readMail, launch, watchedContext, checkPage, runSteps, SHOTS, PASSWORD } from './lib.mjs';

const [build, src] = process.argv.slice(2);
process.env.SOCLE_BUILD = build;
const demo = await startDemo(build, src);
const browser = await launch();
const base = demo.base;
const API = `${base}/api/v1/demo`;
let exitCode = 0;

const CSV_BAD = 'external_ref;last_name;first_name;birth_date;job_title;contract_type;start_date\n'
  + 'T-101;Martin;Léa;1992-04-02;Vendeuse;cdi;2026-02-01\n'
  + 'T-102;Petit;Hugo;1991-13-45;Livreur;cdi;2026-02-15\n';
const CSV_GOOD = CSV_BAD.replace('1991-13-45', '1991-11-05');

try {
  let planner = await apiAs(base, 'assistante@demo.example');
  let doctor = await apiAs(base, 'medecin@demo.example');
  let infirmier = await apiAs(base, 'infirmier@demo.example');
  // The service opens two offered slots this afternoon (the clock is frozen at 08:00 in Paris).
  const pro = await planner('POST', '/tracking/professionals', { email: 'medecin@demo.example', site: 'Lyon' });
  for (const t of ['14:00', '15:00']) {
    await planner('POST', '/tracking/slots', { professional_id: pro.user_id, starts_at: `2026-03-10T${t}`, duration_min: 30, site: 'Lyon', offered: true });
  }

  const employer = await watchedContext(browser, base);
  const ep = await employer.newPage();
  let workerId = 0;
  let requestId = 0;

  await runSteps('employer', [
    ['sign in with a code read from the mail outbox', async () => {
      await ep.goto(`${base}/`);
      await checkPage(ep, 'employeur-01-accueil-deploiement');
      await ep.getByRole('link', { name: 'SPSTI de démonstration', exact: true }).click();
      await checkPage(ep, 'employeur-02-accueil-service');
      await ep.getByRole('link', { name: 'Se connecter à l\'espace adhérent' }).click();
      await checkPage(ep, 'employeur-03-connexion');
      // A wrong password is said on the form: the page stays (it used to take
      // any 401 for an ended session and reload itself).
      const pwForm = ep.getByRole('form', { name: 'Se connecter avec un mot de passe' });
      await pwForm.getByLabel('Adresse e-mail').fill('employeur@demo.example');
      await pwForm.getByLabel('Mot de passe').fill('pas-le-bon-mot-de-passe');
      await pwForm.getByRole('button', { name: 'Se connecter' }).click();
      await pwForm.locator('.error-summary').waitFor();
      assert.match(await pwForm.locator('.error-summary').innerText(), /incorrect/);
      assert.doesNotMatch(ep.url(), /retour=/);
      await ep.getByRole('form', { name: 'Recevoir un code par courriel' }).getByLabel('Adresse e-mail').fill('employeur@demo.example');
      await ep.getByRole('button', { name: 'Recevoir un code' }).click();
      await ep.getByLabel('Code reçu par courriel (6 chiffres)').waitFor();
      let mail = null;
      for (let i = 0; i < 50 && !mail; i++) {
        mail = readMail(demo.outbox, 'employeur@demo.example', /code de connexion/);
        if (!mail) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(mail, 'the code mail reached the outbox');
      const code = /^\s+(\d{6})\s*$/m.exec(mail)[1];
      await ep.getByLabel('Code reçu par courriel (6 chiffres)').fill(code);
      await ep.getByRole('button', { name: 'Se connecter', exact: true }).first().click();
      await ep.waitForURL(/portal\/adherent\.html/);
      await checkPage(ep, 'employeur-04-accueil-adherent');
      await ep.getByText('Score de culture de prévention').waitFor();
    }],
    ['declare a worker', async () => {
      await ep.getByRole('link', { name: 'Mes effectifs' }).click();
      await checkPage(ep, 'employeur-05-effectifs');
      const f = ep.getByRole('form', { name: 'Déclarer un salarié' });
      await f.getByLabel(/^Nom /).fill('Testeur');
      await f.getByLabel('Prénom').fill('Camille');
      await f.getByLabel('Date de naissance').fill('1990-01-15');
      await f.getByLabel('Matricule').fill('T-001');
      await f.getByLabel('Poste occupé').fill('Cariste');
      await f.getByLabel('Date d\'embauche').fill('2026-03-09');
      await f.getByLabel('Travailleur de nuit').check();
      await f.getByRole('button', { name: 'Déclarer le salarié' }).click();
      await ep.getByText('Camille Testeur est déclaré(e)').waitFor();
      await checkPage(ep, 'employeur-06-salarie-declare');
    }],
    ['a form error is shown beside its field', async () => {
      const f = ep.getByRole('form', { name: 'Déclarer un salarié' });
      await f.getByRole('button', { name: 'Déclarer le salarié' }).click();
      await f.locator('.error-summary').waitFor();
      assert.ok(await f.locator('[aria-invalid="true"]').count() > 0, 'fields marked invalid');
      await checkPage(ep, 'employeur-07-erreurs-formulaire');
      // Corrected and sent: the errors of the last try are gone.
      await f.getByLabel(/^Nom /).fill('Correcte');
      await f.getByLabel('Prénom').fill('Inès');
      await f.getByLabel('Date de naissance').fill('1988-06-01');
      await f.getByLabel('Matricule').fill('T-002');
      await f.getByLabel('Poste occupé').fill('Vendeuse');
      await f.getByLabel('Date d\'embauche').fill('2026-03-02');
      await f.getByRole('button', { name: 'Déclarer le salarié' }).click();
      await ep.getByText('Inès Correcte est déclaré(e)').waitFor();
      assert.equal(await f.locator('.error-summary, .field-error, [aria-invalid="true"]').count(), 0);
    }],
    ['upload a CSV with one bad line, see the error in place, fix it', async () => {
      const input = ep.getByLabel('Fichier CSV', { exact: true });
      await input.setInputFiles({ name: 'salaries.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV_BAD) });
      await ep.getByRole('button', { name: 'Envoyer le fichier' }).click();
      const errors = ep.getByRole('table', { name: 'Erreurs du fichier, ligne par ligne' });
      await errors.waitFor();
      assert.match(await errors.textContent(), /ligne 3/);
      assert.match(await errors.textContent(), /birth_date/);
      await checkPage(ep, 'employeur-08-csv-erreur');
      await input.setInputFiles({ name: 'salaries.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV_GOOD) });
      await ep.getByRole('button', { name: 'Envoyer le fichier' }).click();
      await ep.getByText('Fichier accepté').waitFor();
      await ep.getByRole('rowheader', { name: 'Petit Hugo' }).waitFor();
    }],
    ['see the distribution chart and its table', async () => {
      assert.equal(await ep.locator('svg.chart').count(), 1);
      const t = ep.getByRole('table', { name: /Répartition par catégorie/ });
      assert.match(await t.textContent(), /Suivi individuel adapté \(SIA\)/);
      await checkPage(ep, 'employeur-09-repartition');
    }],
    ['download an invoice from the billing page', async () => {
      const admin = await apiAs(base, 'admin@demo.example');
      const inv = await admin('POST', '/membership/companies/1/invoices', { year: 2026 });
      await ep.getByRole('link', { name: 'Cotisation et factures' }).click();
      await checkPage(ep, 'employeur-09b-facturation');
      await ep.getByRole('link', { name: `Facture ${inv.number} à imprimer` }).click();
      await ep.getByRole('heading', { name: `Facture ${inv.number}` }).waitFor();
      assert.match(await ep.textContent('body'), /Boulangerie Durand/);
      await checkPage(ep, 'employeur-09c-facture');
      await ep.goBack();
    }],
    ['ask for a visit and choose a slot', async () => {
      await ep.getByRole('link', { name: 'Mes visites' }).click();
      await checkPage(ep, 'employeur-10-visites');
      const f = ep.getByRole('form', { name: 'Demander une visite' });
      await f.getByLabel('Salarié').selectOption({ label: 'Testeur Camille' });
      await f.getByLabel(/^Visite /).selectOption('vip_initiale');
      await f.getByRole('button', { name: 'Demander la visite' }).click();
      await ep.getByText('Demande enregistrée').waitFor();
      await ep.getByRole('button', { name: /Choisir un créneau/ }).first().click();
      await ep.getByRole('form', { name: /Choisir un créneau/ }).waitFor();
      await checkPage(ep, 'employeur-11-creneaux');
      await ep.getByRole('button', { name: 'Réserver ce créneau' }).click();
      await ep.getByText('Créneau réservé').waitFor();
      await ep.getByRole('table', { name: 'Visites programmées' }).getByText('Testeur Camille').waitFor();
      await checkPage(ep, 'employeur-12-visite-programmee');
      const sched = await (await fetch(`${API}/tracking/companies/1/visits?status=scheduled`, { headers: { Cookie: (await employer.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } })).json();
      const v = sched.items.find((x) => x.worker && x.worker.last_name === 'Testeur');
      assert.ok(v, 'the scheduled visit is listed by the API');
      requestId = v.id;
      workerId = v.worker_id;
    }],
    ['simulate a change of post for one of the company\'s workers', async () => {
      // Inès Correcte, a day saleswoman, would move to nights on 1 June:
      // the engine owes her a VIP before that day (R4624-18); nothing stored.
      const f = ep.getByRole('form', { name: 'Simuler un changement de poste' });
      await f.getByLabel('Salarié').selectOption({ label: 'Correcte Inès' });
      await f.getByLabel('Date du changement').fill('2026-06-01');
      await f.getByLabel('Passage au travail de nuit').check();
      await f.getByRole('button', { name: 'Simuler le changement' }).click();
      await f.getByRole('heading', { name: 'Résultat de la simulation' }).waitFor();
      const text = await f.textContent();
      assert.match(text, /avant l'affectation au poste, prévue le 1er juin 2026/);
      assert.match(text, /R4624-18/);
      await checkPage(ep, 'employeur-12b-simulation-changement');
    }],
    ['name a designated competent employee, refer her to a training body, add and remove a relay, download the passeport', async () => {
      await ep.getByRole('link', { name: 'Salariés désignés et relais' }).click();
      await checkPage(ep, 'employeur-12c-designes');
      const f = ep.getByRole('form', { name: 'Désigner un salarié' });
      await f.getByLabel('Salarié').selectOption({ label: 'Correcte Inès' });
      // The date offered is today by the service's clock (frozen on 10 March 2026), not the browser's.
      assert.equal(await f.getByLabel('Désigné à compter du').inputValue(), '2026-03-10');
      await f.getByLabel('Mission').fill('Document unique et accueil des nouveaux');
      await f.getByRole('button', { name: 'Désigner' }).click();
      await ep.getByText('Inès Correcte est désigné(e) à compter du 10 mars 2026.').waitFor();
      const t = ep.getByRole('table', { name: 'Salariés désignés de l\'entreprise' });
      await t.getByText('en fonction').waitFor();
      // A second designation while hers runs: said on the form, nothing added.
      await f.getByLabel('Salarié').selectOption({ label: 'Correcte Inès' });
      await f.getByRole('button', { name: 'Désigner' }).click();
      await f.locator('.error-summary').getByText('déjà désigné').waitFor();
      assert.equal(await t.locator('tbody tr').count(), 1);
      await ep.getByRole('button', { name: 'Gérer la désignation de Inès Correcte' }).click();
      const o = ep.getByRole('form', { name: 'Orienter Inès Correcte vers un organisme de formation' });
      await o.getByLabel('Organisme').selectOption({ label: 'Formaprev Rhône (Organisme certifié Qualiopi, Lyon)' });
      await o.getByLabel('Formation visée').fill('Évaluation des risques professionnels');
      await o.getByRole('button', { name: 'Orienter' }).click();
      await ep.getByText('Inès Correcte est orienté(e) vers l\'organisme choisi.').waitFor();
      await t.getByText('Évaluation des risques professionnels : Formaprev Rhône, le 10 mars 2026').waitFor();

      const rf = ep.getByRole('form', { name: 'Ajouter un relais' });
      await rf.getByLabel('Nom et prénom').fill('Julie Relais');
      await rf.getByLabel('Adresse e-mail').fill('pas-une-adresse');
      await rf.getByRole('button', { name: 'Ajouter le relais' }).click();
      await rf.locator('.field-error').waitFor();
      await rf.getByLabel('Adresse e-mail').fill('julie.relais@boulangerie.example');
      await rf.getByRole('button', { name: 'Ajouter le relais' }).click();
      await ep.getByText('Julie Relais recevra les informations de prévention du service.').waitFor();
      const rt = ep.getByRole('table', { name: 'Relais de l\'entreprise' });
      await rt.getByText('reçoit les envois').waitFor();
      await checkPage(ep, 'employeur-12d-designes-relais');
      ep.once('dialog', (d) => d.accept());
      await ep.getByRole('button', { name: 'Retirer Julie Relais' }).click();
      await ep.getByText('Julie Relais n\'est plus relais de l\'entreprise.').waitFor();
      assert.equal(await ep.getByRole('table', { name: 'Relais de l\'entreprise' }).count(), 0);

      // A relay kept: the service mails him a document; his mail's own link opens a page
      // that asks (a mail scanner following it decides nothing), its button unsubscribes.
      await rf.getByLabel('Nom et prénom').fill('Paul Relais');
      await rf.getByLabel('Adresse e-mail').fill('paul.relais@boulangerie.example');
      await rf.getByRole('button', { name: 'Ajouter le relais' }).click();
      await ep.getByText('Paul Relais recevra les informations de prévention du service.').waitFor();
      const admin = await apiAs(base, 'admin@demo.example');
      const doc = (await admin('GET', '/awareness/actions?kind=document&limit=50')).items[0];
      await admin('POST', `/awareness/actions/${doc.id}/mailings`, { company_ids: [1] });
      let relayMail = null;
      for (let i = 0; i < 50 && !relayMail; i++) {
        relayMail = readMail(demo.outbox, 'paul.relais@boulangerie.example', /relays\/unsubscribe\//);
        if (!relayMail) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(relayMail, 'the relay received the mailing with his own link');
      const unsubscribe = /https?:\/\/\S+\/relays\/unsubscribe\/[0-9a-f]{32}/.exec(relayMail)[0];
      const rp = await employer.newPage();
      await rp.goto(unsubscribe.replace(/^https?:\/\/[^/]+/, base));
      await rp.getByRole('heading', { name: 'Envois d\'information du service' }).waitFor();
      await checkPage(rp, 'relais-01-desinscription');
      await rp.reload(); // followed twice: still only asked
      await rp.getByRole('button', { name: 'Me désinscrire' }).click();
      await rp.getByRole('heading', { name: 'Vous êtes désinscrit(e)' }).waitFor();
      await checkPage(rp, 'relais-02-desinscrit');
      await rp.getByRole('button', { name: 'Me réinscrire' }).click();
      await rp.getByRole('heading', { name: 'Vous recevez à nouveau les envois' }).waitFor();
      await rp.close();

      const [download] = await Promise.all([ep.waitForEvent('download'),
        ep.getByRole('link', { name: 'Télécharger l\'export du passeport de prévention (CSV)' }).click()]);
      const csv = readFileSync(await download.path(), 'utf8');
      assert.match(csv, /^nom;prenom;date_naissance;salarie_designe;/);
    }],
  ]);

  // A colleague invited with one role: the link of the mail, then a menu cut to that role.
  await runSteps('colleague', [
    ['the administrator invites a colleague with the role Déclaration', async () => {
      await ep.goto(`${base}/demo/portal/adherent.html`);
      await ep.getByRole('link', { name: 'Utilisateurs' }).click();
      await checkPage(ep, 'employeur-16-utilisateurs');
      const f = ep.getByRole('form', { name: 'Inviter un collègue' });
      await f.getByLabel('Nom et prénom').fill('Julie Comptable');
      await f.getByLabel('Adresse e-mail').fill('julie@boulangerie.example');
      await f.getByLabel(/^Déclaration/).check();
      await f.getByRole('button', { name: 'Envoyer l\'invitation' }).click();
      await ep.getByText('Invitation envoyée à julie@boulangerie.example').waitFor();
    }],
    ['the colleague follows the mail\'s link, chooses a password, sees only what the role allows', async () => {
      let mail = null;
      for (let i = 0; i < 50 && !mail; i++) {
        mail = readMail(demo.outbox, 'julie@boulangerie.example', /invitation\.html\?token=/);
        if (!mail) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(mail, 'the invitation reached the outbox');
      // The mail carries the service's public address; the test server has its own port.
      const link = new URL(/(https?:\/\/\S+invitation\.html\?token=[A-Za-z0-9_-]+)/.exec(mail)[1]);
      assert.equal(link.pathname, '/demo/portal/invitation.html');
      const colleague = await watchedContext(browser, base);
      const cp = await colleague.newPage();
      await cp.goto(`${base}${link.pathname}${link.search}`);
      await checkPage(cp, 'collegue-01-invitation');
      assert.equal(new URL(cp.url()).search, '', 'the token leaves the address bar');
      await cp.getByLabel(/^Mot de passe/).fill('la phrase de passe de Julie');
      await cp.getByRole('button', { name: 'Activer mon compte' }).click();
      await cp.getByRole('link', { name: 'Se connecter à l\'espace adhérent' }).click();
      const pw = cp.getByRole('form', { name: 'Se connecter avec un mot de passe' });
      await pw.getByLabel('Adresse e-mail').fill('julie@boulangerie.example');
      await pw.getByLabel('Mot de passe').fill('la phrase de passe de Julie');
      await pw.getByRole('button', { name: 'Se connecter' }).click();
      await cp.waitForURL(/portal\/adherent\.html/);
      await checkPage(cp, 'collegue-02-accueil');
      const menu = await cp.getByRole('navigation', { name: 'Menu principal' }).textContent();
      assert.match(menu, /Mes effectifs/);
      assert.doesNotMatch(menu, /Utilisateurs|Cotisation/);
      await cp.goto(`${base}/demo/membership/facturation.html`);
      await cp.getByText('ne comprend pas la facturation').waitFor();
      assert.deepEqual(colleague.problems, []);
      await colleague.close();
    }],
  ]);

  // The employee: a code from the service, the account activated by the worker.
  const code = (await planner('POST', `/portal/workers/${workerId}/activation-code`)).code;
  const employee = await watchedContext(browser, base);
  const wp = await employee.newPage();
  await runSteps('employee, before the visit', [
    ['activate the account with the code handed by the service', async () => {
      await wp.goto(`${base}/demo/portal/`);
      await wp.getByRole('link', { name: 'Activer mon espace salarié' }).click();
      await checkPage(wp, 'salarie-01-activation');
      await wp.getByLabel('Code d\'activation').fill(code.toLowerCase());
      await wp.getByLabel('Date de naissance').fill('1990-01-15');
      await wp.getByLabel('Votre adresse e-mail').fill('camille.testeur@perso.example');
      await wp.getByLabel('Mot de passe').fill('un mot de passe assez long');
      await wp.getByRole('button', { name: 'Activer mon espace' }).click();
      // Signed in at once: the worker just proved who he is.
      await wp.waitForURL(/portal\/salarie\.html/);
    }],
    ['see the next visit and why', async () => {
      await wp.getByText('10 mars 2026 à 14 h 00').waitFor();
      await wp.getByText('Pourquoi et quand mes prochaines visites ?').waitFor();
      // Each visit named in words, never by its code (suivi_adapte...).
      for (const t of await wp.locator('main h3').allInnerTexts()) assert.doesNotMatch(t, /^[a-z_]+$/);
      await checkPage(wp, 'salarie-02-accueil');
    }],
  ]);

  // 14:10: the visit has begun (an outcome is recorded only then). The
  // médecin holds it (API), with an ordonnance and medical notes.
  await demo.restartAt('2026-03-10T13:10:00Z');
  doctor = await apiAs(base, 'medecin@demo.example');
  planner = await apiAs(base, 'assistante@demo.example');
  infirmier = await apiAs(base, 'infirmier@demo.example');
  await doctor('POST', `/tracking/visits/${requestId}/outcome`, {
    held_on: '2026-03-10', document: 'attestation', remarks: 'Pas de contre-indication au poste.',
    ordonnance: { risks: ['Port de charges'], advice: ['Utiliser le transpalette électrique'] },
    notes: [{ kind: 'observation', text: 'MARQUEUR-MEDICAL-7731' }],
  });

  await runSteps('employer, after the visit', [
    ['back in the afternoon: the session has ended, signing in again returns to the page', async () => {
      await ep.getByRole('link', { name: 'Mes visites' }).click();
      await ep.waitForURL(/connexion\.html\?retour=/);
      await ep.getByText('Votre session est terminée').waitFor();
      const pw = ep.getByRole('form', { name: 'Se connecter avec un mot de passe' });
      await pw.getByLabel('Adresse e-mail').fill('employeur@demo.example');
      await pw.getByLabel('Mot de passe').fill(PASSWORD);
      await pw.getByRole('button', { name: 'Se connecter' }).click();
      await ep.waitForURL(/tracking\/visites\.html/);
    }],
    ['download the attestation', async () => {
      const link = ep.getByRole('link', { name: 'Attestation de suivi de Camille Testeur' });
      await link.waitFor();
      await checkPage(ep, 'employeur-13-visites-realisees');
      await link.click();
      await ep.waitForLoadState();
      const text = await ep.textContent('body');
      assert.match(text, /[Aa]ttestation de suivi/);
      assert.doesNotMatch(text, /MARQUEUR-MEDICAL-7731|transpalette/);
      await checkPage(ep, 'employeur-14-attestation');
      await ep.goBack();
    }],
  ]);

  await runSteps('employee, after the visit', [
    ['read the ordonnance', async () => {
      await wp.goto(`${base}/demo/portal/connexion.html?espace=salarie`);
      const pw = wp.getByRole('form', { name: 'Se connecter avec un mot de passe' });
      await pw.getByLabel('Adresse e-mail').fill('camille.testeur@perso.example');
      await pw.getByLabel('Mot de passe').fill('un mot de passe assez long');
      await pw.getByRole('button', { name: 'Se connecter' }).click();
      await wp.waitForURL(/portal\/salarie\.html/);
      await wp.getByRole('link', { name: 'Mes visites et documents' }).click();
      await checkPage(wp, 'salarie-03-visites');
      await wp.getByRole('link', { name: /Ordonnance de prévention/ }).click();
      await wp.waitForLoadState();
      assert.match(await wp.textContent('body'), /transpalette/);
      await checkPage(wp, 'salarie-04-ordonnance');
      await wp.goBack();
    }],
    ['see the access list and oppose access', async () => {
      await wp.getByRole('link', { name: 'Mon dossier : accès et oppositions' }).click();
      const table = wp.getByRole('table', { name: 'Consultations de mon dossier' });
      await table.waitFor();
      assert.match(await table.textContent(), /médecin du travail/);
      await checkPage(wp, 'salarie-05-dossier');
      await wp.getByLabel('Je m\'oppose à l\'accès des autres professionnels de santé que le médecin du travail').check();
      await wp.getByRole('button', { name: 'Enregistrer mes choix' }).click();
      await wp.getByText('Vos choix sont enregistrés').waitFor();
      await checkPage(wp, 'salarie-06-opposition');
      // The infirmier is now shut out of the file; the médecin is told by mail.
      await infirmier('GET', `/tracking/dmst/${workerId}`, undefined, [403]);
      assert.ok(readMail(demo.outbox, 'medecin@demo.example', /modifié lui-même ses choix/), 'the médecin is told');
    }],
  ]);

  await runSteps('job retention (the plugin\'s sections)', [
    ['the employee asks for support to stay in employment', async () => {
      await wp.getByRole('link', { name: 'Mon accompagnement' }).click();
      await checkPage(wp, 'salarie-08-accompagnement');
      await wp.getByLabel(/^Ce qui vous amène/).fill('Mon dos me fait souffrir au poste de cariste.');
      await wp.getByRole('button', { name: 'Envoyer ma demande' }).click();
      await wp.getByText('Votre demande est transmise').waitFor();
    }],
    ['the employer reports a serious event', async () => {
      await ep.goto(`${base}/demo/portal/adherent.html`);
      await ep.getByRole('link', { name: 'Maintien en emploi' }).click();
      await checkPage(ep, 'employeur-17-maintien');
      const f = ep.getByRole('form', { name: 'Signaler un événement grave' });
      await f.getByLabel(/^Événement/).selectOption('agression');
      await f.getByLabel(/^Date/).fill('2026-03-09');
      await f.getByLabel(/^Ce qui s'est passé/).fill('Une vendeuse agressée par un client au comptoir.');
      await f.getByRole('button', { name: 'Signaler' }).click();
      await ep.getByText('Signalement reçu').waitFor();
    }],
  ]);

  await runSteps('risk prevention (the riskeval plugin\'s section)', [
    ['the employer reads the fiche, answers the proposed action, uploads a DUERP', async () => {
      // The team proposes a primary prevention action (the demo company has a fiche and a DUERP).
      const proposed = await doctor('POST', '/riskeval/companies/1/prevention-actions', { note: 'Proposée au test' });
      await ep.goto(`${base}/demo/portal/adherent.html`);
      await ep.getByRole('link', { name: 'Prévention des risques' }).click();
      await checkPage(ep, 'employeur-18-prevention');
      await ep.getByText('Pourquoi cette date ?').first().waitFor();
      const versions = ep.getByRole('table', { name: 'Versions de la fiche transmises à l\'entreprise' });
      await versions.getByRole('link', { name: 'Lire la version 1' }).click();
      await ep.getByRole('heading', { name: 'Fiche d\'entreprise, version 1', level: 1 }).waitFor();
      await ep.getByRole('heading', { name: /^Page 4 : expositions et actions/ }).waitFor();
      await checkPage(ep, 'employeur-19-fiche-version');
      await ep.getByRole('link', { name: 'Retour à la prévention des risques' }).click();

      const answer = ep.getByRole('form', { name: /^Répondre à la proposition du/ });
      await answer.getByLabel(/^Votre réponse/).selectOption('acceptee');
      await answer.getByRole('button', { name: 'Envoyer la réponse' }).click();
      await ep.getByText('Proposition acceptée').waitFor();
      const actions = await doctor('GET', '/riskeval/companies/1/prevention-actions');
      assert.equal(actions.items.find((a) => a.id === proposed.id).status, 'acceptee');

      const f = ep.getByRole('form', { name: 'Déposer une version du DUERP' });
      // Bytes that are not a PDF under a .pdf name: the French error beside the field.
      await f.getByLabel(/^Date de la version/).fill('2026-03-09');
      await f.getByLabel(/^Fichier/).setInputFiles({ name: 'duerp-faux.pdf', mimeType: 'application/pdf', buffer: Buffer.from('ceci n\'est pas un PDF') });
      await f.getByRole('button', { name: 'Déposer' }).click();
      await f.locator('.field-error').waitFor();
      assert.match(await f.locator('.field-error').innerText(), /PDF/);
      assert.equal(await f.getByLabel(/^Fichier/).getAttribute('aria-invalid'), 'true');
      await checkPage(ep, 'employeur-20-duerp-erreur');
      const before = (await doctor('GET', '/riskeval/companies/1/duerp')).versions;
      // A small valid PDF, made here.
      const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
      await f.getByLabel(/^Fichier/).setInputFiles({ name: 'DUERP-2026.pdf', mimeType: 'application/pdf', buffer: pdf });
      await f.getByRole('button', { name: 'Déposer' }).click();
      await ep.getByText('Version déposée : DUERP-2026.pdf.').waitFor();
      const list = ep.getByRole('table', { name: 'Versions du DUERP déposées' });
      await list.getByRole('link', { name: 'Télécharger DUERP-2026.pdf' }).waitFor();
      assert.match(await list.innerText(), /transmis cette année/);
      assert.equal((await doctor('GET', '/riskeval/companies/1/duerp')).versions, before + 1);
      await checkPage(ep, 'employeur-21-duerp-depose');
    }],
    ['the employer answers the self-assessment drawers', async () => {
      const org = ep.getByRole('form', { name: 'Organisation de l\'entreprise' });
      await org.getByLabel(/^Un comité social et économique/).selectOption('true');
      await org.getByLabel(/^Salarié désigné/).fill('Marc Durand, gérant');
      await org.getByRole('button', { name: /^Enregistrer/ }).click();
      await ep.getByText('Organisation de l\'entreprise : réponses enregistrées.', { exact: false }).waitFor();
      const prev = ep.getByRole('form', { name: 'La prévention dans l\'entreprise' });
      await prev.getByLabel(/^Nombre de sauveteurs secouristes/).fill('deux');
      await prev.getByRole('button', { name: /^Enregistrer/ }).click();
      await prev.locator('.field-error').waitFor();
      assert.equal(await prev.getByLabel(/^Nombre de sauveteurs secouristes/).getAttribute('aria-invalid'), 'true');
      await checkPage(ep, 'employeur-22-tiroirs-erreur');
      await prev.getByLabel(/^Nombre de sauveteurs secouristes/).fill('2');
      await prev.getByRole('button', { name: /^Enregistrer/ }).click();
      await ep.getByText('La prévention dans l\'entreprise : réponses enregistrées.', { exact: false }).waitFor();
      assert.equal(await prev.locator('.error-summary, .field-error').count(), 0, 'the old errors are gone');
      const risks = ep.getByRole('form', { name: 'Les risques professionnels' });
      await risks.getByLabel(/^Risques/).fill('bruit ; Bruit du four ; Fournil\nport_de_charges ; Sacs de farine');
      await risks.getByRole('button', { name: /^Enregistrer/ }).click();
      await ep.getByText('Les risques professionnels : réponses enregistrées.', { exact: false }).waitFor();
      const d = (await doctor('GET', '/riskeval/companies/1/self-assessment')).drawers;
      assert.equal(d.organisation.answers.cse, true);
      assert.equal(d.prevention.answers.secouristes, 2);
      assert.deepEqual(d.risques.answers.risques.map((r) => r.code), ['bruit', 'port_de_charges']);
      await checkPage(ep, 'employeur-23-tiroirs');
    }],
  ]);

  // The DUERP help (issue 14 item 3): its own block, the riskeval plugin's.
  await runSteps('online DUERP (the riskeval plugin\'s DUERP help)', [
    ['the employer starts from the branch model, rates a risk, an error in place, saves, reads the guide', async () => {
      await ep.goto(`${base}/demo/portal/adherent.html`);
      await ep.getByRole('link', { name: 'Mon DUERP en ligne' }).click();
      const start = ep.getByRole('form', { name: 'Choisir un modèle' });
      await start.waitFor();
      // The bakery's NAF code (10.71C) proposes the food industry's model.
      assert.equal(await start.getByLabel(/^Modèle/).inputValue(), '10');
      await checkPage(ep, 'employeur-24-duerp-modele');
      await start.getByRole('button', { name: 'Commencer' }).click();
      await ep.getByText('DUERP commencé').waitFor();
      const f = ep.getByRole('form', { name: 'Mon DUERP' });
      await f.getByLabel('Gravité').first().selectOption('3');
      await f.getByLabel('Probabilité').first().selectOption('3');
      await f.getByRole('button', { name: 'Ajouter une action' }).click();
      await f.getByLabel('Mesure (obligatoire)', { exact: true }).fill('Aide à la manutention des sacs de farine');
      await f.getByLabel(/^Coût estimé/).fill('beaucoup');
      await f.getByRole('button', { name: 'Enregistrer mon DUERP' }).click();
      await f.locator('.field-error').first().waitFor();
      assert.equal(await f.getByLabel(/^Coût estimé/).getAttribute('aria-invalid'), 'true');
      await checkPage(ep, 'employeur-25-duerp-erreur');
      await f.getByLabel(/^Coût estimé/).fill('1 200');
      await f.getByRole('button', { name: 'Enregistrer mon DUERP' }).click();
      await ep.getByText('DUERP enregistré.').waitFor();
      await ep.getByText('Cotation : 9, risque élevé, priorité 2.').waitFor();
      const d = await doctor('GET', '/riskeval/companies/1/duerp/online');
      assert.equal(d.content.actions[0].cout, 1200);
      assert.equal(d.content.unites[0].risques[0].rating.level, 'eleve');
      await checkPage(ep, 'employeur-26-duerp');
      await ep.getByRole('link', { name: 'Lire le guide méthodologique' }).click();
      await ep.getByRole('heading', { name: 'La méthode en cinq étapes' }).waitFor();
      await checkPage(ep, 'employeur-27-duerp-guide');
    }],
  ]);

  await runSteps('refusals', [
    ['an employer on another company\'s URL: told so, shown nothing', async () => {
      for (const p of ['portal/adherent.html', 'membership/effectifs.html', 'tracking/visites.html', 'riskeval/prevention.html']) {
        await ep.goto(`${base}/demo/${p}?entreprise=2`);
        await ep.getByText('Vous n\'avez pas accès à cette entreprise').waitFor();
        assert.equal(await ep.locator('main table').count(), 0, `${p} shows no table`);
      }
      await checkPage(ep, 'employeur-15-refus-autre-entreprise');
    }],
    ['an employee on another worker\'s document: told so, shown nothing', async () => {
      // Worker 1's visits are not Camille's: ask for one of its documents.
      // A visit of worker 1 (Sébastien Benali), asked by the service.
      const other = await planner('POST', '/tracking/visit-requests', { worker_id: 1, company_id: 1, type: 'visite_a_la_demande', requested_by: 'medecin' });
      const resp = await wp.goto(`${API}/tracking/visits/${other.id}/documents/ordonnance.html`);
      assert.ok([403, 404].includes(resp.status()));
      await wp.getByRole('heading', { name: 'Document indisponible' }).waitFor();
      assert.doesNotMatch(await wp.textContent('body'), /Benali|"error"/);
      await checkPage(wp, 'salarie-07-document-refuse');
      const adherent = await wp.goto(`${base}/demo/portal/adherent.html`);
      assert.equal(adherent.status(), 200);
      await wp.getByText('Cette page est réservée à l\'espace adhérent').waitFor();
      assert.equal(await wp.locator('main table').count(), 0);
    }],
    ['no page asked another host, broke the CSP or threw', async () => {
      assert.deepEqual([...employer.problems, ...employee.problems], []);
    }],
  ]);
} catch (err) {
  exitCode = 1;
  console.error(err);
  // What the pages showed when it failed.
  for (const ctx of browser.contexts()) {
    for (const [i, pg] of ctx.pages().entries()) {
      await pg.screenshot({ path: `${SHOTS}/ECHEC-${i}-${Date.now()}.png`, fullPage: true }).catch(() => {});
      console.error(`--- page ${pg.url()}\n${(await pg.textContent('main').catch(() => '')).slice(0, 1500)}`);
    }
  }
  console.error('--- server log (tail)\n' + demo.log().split('\n').slice(-30).join('\n'));
} finally {
  await browser.close();
  await demo.stop();
}
process.exit(exitCode);
