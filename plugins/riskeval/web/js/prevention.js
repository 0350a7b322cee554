// Prévention des risques (espace adhérent, seed 3.2): the fiche d'entreprise's
// due date and why, its transmitted versions to read, the DUERP vault (status,
// versions, upload, download), the primary prevention action to answer, and
// the self-assessment drawers (3.6.1.3, drawers.js).
import { page, run, h, api, API, ApiError, dateFr, field, form, notice, table, url } from '../../portal/js/portal.js';
import { drawersSection } from './drawers.js';

const FORMATS = ['pdf', 'odt', 'docx', 'xlsx'];
const ACTION = { proposee: 'à répondre', acceptee: 'acceptée', refusee: 'refusée' };
const SUPPORT = { individuel: 'un accompagnement individuel', collectif: 'un accompagnement collectif' };

// The file's bytes in base64 (the upload route takes JSON, docs in the README).
async function base64Of(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

const size = (n) => (n >= 1048576 ? `${(n / 1048576).toFixed(1).replace('.', ',')} Mo`
  : n >= 1024 ? `${Math.round(n / 1024)} Ko` : `${n} octets`);

run(async () => {
  const { main, company, mine } = await page({ space: 'adherent', title: 'Prévention des risques',
    current: 'riskeval/prevention.html' });
  const keep = mine.length > 1 ? { entreprise: company.id } : {};
  const base = `/riskeval/companies/${company.id}`;
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const fiche = h('section', { 'aria-labelledby': 'fiche' });
  const vault = h('section', { 'aria-labelledby': 'duerp' });
  const actions = h('section', { 'aria-labelledby': 'actions' });
  const drawers = h('section', { 'aria-labelledby': 'tiroirs' });
  main.append(h('p', {}, 'La fiche d\'entreprise du service, votre document unique d\'évaluation des risques (DUERP) '
    + 'et les actions de prévention que le service vous propose.'), status, fiche, vault, actions, drawers);

  // ---- the fiche d'entreprise ----
  let due = null;
  try { due = await api(`${base}/fiche/due`); } catch (err) { if (!(err instanceof ApiError) || err.status !== 409) throw err; }
  const listed = await api(`${base}/fiche/versions`);
  const versions = listed.versions;
  // A company with establishments has a fiche per site (R4624-46): say which.
  const sites = listed.establishments || [];
  const siteOf = (v) => {
    const s = sites.find((x) => x.establishment_id === v.establishment_id);
    return !s ? '' : s.establishment_id === 0 ? `Siège (${s.city})` : `${s.name || 'Établissement'} (${s.city})`;
  };
  const perSite = sites.length ? (due && due.establishments ? h('ul', {}, due.establishments.map((s) => h('li', {},
    `${s.establishment_id === 0 ? 'Siège' : (s.name || 'Établissement')} (${s.city}, SIRET ${s.siret}) : `,
    s.due.overdue ? `en retard depuis le ${dateFr(s.due.due_on)}` : `prochaine échéance le ${dateFr(s.due.due_on)}`))) : null) : null;
  fiche.append(h('h2', { id: 'fiche' }, 'Fiche d\'entreprise'),
    h('p', {}, 'Le service établit la fiche d\'entreprise dans l\'année de votre adhésion puis la met à jour '
      + 'régulièrement (article R4624-46 du code du travail) ; vous la présentez à votre CSE.'),
    due ? h('div', { class: 'card' },
      h('p', {}, h('strong', {}, due.overdue ? `En retard depuis le ${dateFr(due.due_on)}` : `Prochaine échéance : ${dateFr(due.due_on)}`)),
      h('p', {}, 'Pourquoi cette date ? ', due.explanation),
      due.basis ? h('p', { class: 'hint' }, `Fondement : ${[].concat(due.basis).join(" ; ")}`) : null,
      perSite ? h('p', {}, 'Votre entreprise a déclaré des établissements : chacun a sa fiche.') : null, perSite)
      : notice('info', 'Votre entreprise n\'est pas adhérente en ce moment : aucune fiche n\'est due.'),
    versions.length
      ? table('Versions de la fiche transmises à l\'entreprise', [...(sites.length ? ['Établissement'] : []), 'Version', 'Validée le', 'Transmise le', 'Présentée au CSE', 'Lire'],
        versions.map((v) => [...(sites.length ? [siteOf(v)] : []), `Version ${v.version}`, dateFr(v.validated_on), dateFr(v.transmitted_on),
          v.cse_presented_on ? dateFr(v.cse_presented_on) : 'pas encore',
          h('a', { href: url('riskeval', 'fiche-version.html', { ...keep, version: v.version, ...(v.establishment_id ? { establishment: v.establishment_id } : {}) }) },
            `Lire la version ${v.version}${sites.length ? ` (${siteOf(v)})` : ''}`)]))
      : h('p', {}, 'Aucune fiche ne vous a encore été transmise.'));

  // ---- the DUERP vault ----
  async function refreshVault() {
    const d = await api(`${base}/duerp`);
    const state = [];
    state.push(h('li', {}, d.transmitted_this_year
      ? `Transmis cette année : oui (dernier dépôt le ${dateFr(d.last_received_on)}).`
      : 'Transmis cette année : non, aucune version déposée depuis le 1er janvier.'));
    if (d.update) {
      state.push(h('li', {}, d.update_overdue
        ? `Mise à jour due : oui, depuis le ${dateFr(d.update.due_on)}.`
        : d.update.due_on ? `Mise à jour due : non, prochaine mise à jour au plus tard le ${dateFr(d.update.due_on)}.`
          : 'Mise à jour due : pas de mise à jour annuelle obligatoire à votre effectif.'));
      state.push(h('li', {}, 'Pourquoi ? ', d.update.explanation));
    }
    const items = d.items || [];
    // The year of the last deposit when it is this year's (the server's clock decides).
    const thisYear = d.transmitted_this_year ? d.last_received_on.slice(0, 4) : null;
    vault.replaceChildren(h('h2', { id: 'duerp' }, 'Mon document unique (DUERP)'),
      h('p', {}, 'Déposez ici chaque version de votre DUERP : le service la conserve 40 ans (article R4121-4), '
        + 'sans jamais la modifier ni la supprimer.'),
      h('ul', { class: 'card' }, state),
      items.length
        ? table('Versions du DUERP déposées', ['Version du', 'Déposée le', 'Statut', 'Fichier', 'Conservée jusqu\'au', 'Télécharger'],
          items.map((v, i) => [dateFr(v.version_on), dateFr(v.received_on),
            [v.received_on.slice(0, 4) === thisYear ? 'transmis cette année' : `transmis en ${v.received_on.slice(0, 4)}`,
              i === 0 && d.update_overdue ? ', mise à jour due' : ''].join(''),
            `${v.filename} (${v.format.toUpperCase()}, ${size(v.size)})`, dateFr(v.keep_until),
            h('a', { href: `${API}${base}/duerp/versions/${v.id}/file`, download: v.filename },
              `Télécharger ${v.filename}`)]))
        : h('p', {}, 'Aucune version déposée pour le moment.'),
      form('Déposer une version du DUERP', [
        field('version_on', 'Date de la version', { type: 'date', required: true, hint: 'La date inscrite sur votre document.' }),
        field('fichier', 'Fichier', { type: 'file', required: true, hint: 'PDF, ODT, DOCX ou XLSX.' }),
        field('note', 'Remarque', { type: 'textarea', hint: 'Facultatif : ce qui a changé dans cette version.' }),
      ], 'Déposer', async (v, f) => {
        const file = v.fichier;
        if (!file) throw new ApiError(422, { error: { message: 'Le formulaire contient une erreur.', fields: [{ field: 'fichier', message: 'Choisissez le fichier de votre DUERP.' }] } });
        const ext = (/\.([a-z0-9]+)$/i.exec(file.name) || [])[1]?.toLowerCase() || '';
        if (!FORMATS.includes(ext)) {
          throw new ApiError(422, { error: { message: 'Le formulaire contient une erreur.', fields: [{ field: 'fichier',
            message: `Format non accepté (« ${file.name} ») : déposez un fichier PDF, ODT, DOCX ou XLSX.` }] } });
        }
        const body = { version_on: v.version_on, format: ext, filename: file.name, content_base64: await base64Of(file) };
        if (v.note) body.note = v.note;
        try {
          await api(`${base}/duerp/versions`, { method: 'POST', body });
        } catch (err) {
          // The file's own errors go beside the file field.
          if (err instanceof ApiError) {
            if (err.status === 413) err.fields = [{ field: 'fichier', message: err.message }];
            for (const e of err.fields) if (['content_base64', 'filename', 'format'].includes(e.field)) e.field = 'fichier';
          }
          throw err;
        }
        f.reset();
        await refreshVault();
        say('ok', `Version déposée : ${file.name}.`);
      }));
  }
  await refreshVault();

  // ---- primary prevention actions ----
  async function refreshActions() {
    const a = await api(`${base}/prevention-actions`);
    const open = a.items.filter((x) => x.status === 'proposee');
    actions.replaceChildren(h('h2', { id: 'actions' }, 'Actions de prévention proposées'),
      h('p', {}, `Le service vous propose une action de prévention primaire au moins tous les cinq ans. Prochaine proposition au plus tard le ${dateFr(a.next_due_on)}.`),
      a.items.length
        ? table('Actions de prévention proposées', ['Proposée le', 'Proposition', 'Réponse'],
          a.items.map((x) => [dateFr(x.proposed_on), x.proposal,
            x.status === 'proposee' ? ACTION.proposee : `${ACTION[x.status]} le ${dateFr(x.answered_on)}`]))
        : h('p', {}, 'Aucune action ne vous a encore été proposée.'),
      ...open.map((x) => h('div', {},
        x.analysis && x.analysis.gaps && x.analysis.gaps.length
          ? h('div', {}, h('p', {}, 'Risques relevés par la fiche d\'entreprise et absents de votre DUERP :'),
            h('ul', {}, x.analysis.gaps.map((g) => h('li', {}, g.libelle ? `${g.libelle} (${g.code})` : g.code || String(g)))))
          : x.analysis && x.analysis.support ? h('p', {}, `Le service propose ${SUPPORT[x.analysis.support] || x.analysis.support}.`) : null,
        form(`Répondre à la proposition du ${dateFr(x.proposed_on)}`, [
          field('decision', 'Votre réponse', { required: true, choices: [['acceptee', 'J\'accepte la proposition'], ['refusee', 'Je refuse la proposition']] }),
          field('note', 'Commentaire', { type: 'textarea', hint: 'Facultatif.' }),
        ], 'Envoyer la réponse', async (v) => {
          const body = { decision: v.decision };
          if (v.note) body.note = v.note;
          await api(`${base}/prevention-actions/${x.id}/answer`, { method: 'POST', body });
          await refreshActions();
          say('ok', v.decision === 'acceptee' ? 'Proposition acceptée : le service vous contactera.' : 'Réponse enregistrée : proposition refusée.');
        }))));
  }
  await refreshActions();
  await drawersSection(drawers, company, say);
});
