// The fiche d'entreprise of one company (espace de l'équipe): its due date, the
// draft as a form (annex 5.2, pre-filled by the API), validation by the
// médecin, transmission of a validated version, each version to read, and
// the company's self-assessment answers. A company that declared
// establishments has a fiche for its siège and one for each establishment
// (R4624-46): the page shows one site's (?establishment=, the siège without),
// with links to the others.
import { page, run, h, api, API, ApiError, dateFr, form, notice, table, url } from '../../portal/js/portal.js';
import { documentOf, formFields, contentOf, clearErrors } from './content.js';
import { drawersRead } from './drawers.js';

const DRAFTERS = ['medecin', 'infirmier', 'iprp'];

run(async () => {
  const { main, me } = await page({ space: 'equipe', title: 'Fiche d\'entreprise', current: 'riskeval/fiches.html' });
  const params = new URLSearchParams(location.search);
  const id = Number(params.get('id'));
  const est = Number(params.get('establishment') || 0);
  const base = `/riskeval/companies/${id}`;
  // The site's query, added to every route of the fiche (none for the company's own).
  const q = est ? `?establishment=${est}` : '';
  const company = await api(`/membership/companies/${id}`);
  const sites = company.establishments && company.establishments.length
    ? [{ id: 0, name: 'Siège', city: company.address ? company.address.city : '', siret: company.siret }, ...company.establishments] : [];
  const siteName = (s) => (s.id === 0 ? `Siège (${s.city || ''})` : `${s.name || 'Établissement'} (${s.city})`);
  const here = sites.find((s) => s.id === est);
  main.querySelector('h1').textContent = here ? `Fiche d'entreprise : ${company.legal_name}, ${siteName(here)}`
    : `Fiche d'entreprise : ${company.legal_name}`;
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const dueBox = h('section', { 'aria-labelledby': 'echeance' });
  const draftBox = h('section', { 'aria-labelledby': 'brouillon' });
  const versionsBox = h('section', { 'aria-labelledby': 'versions' });
  const reading = h('div', { tabindex: '-1' });
  const selfBox = h('section', { 'aria-labelledby': 'auto' });
  const duerpBox = h('section', { 'aria-labelledby': 'duerp-en-ligne' });
  const sitesNav = sites.length ? h('nav', { 'aria-label': 'Établissements de l\'entreprise' },
    h('p', {}, `L'entreprise a déclaré ${sites.length - 1} établissement(s) en plus de son siège : chacun a sa fiche.`),
    h('ul', {}, sites.map((s) => h('li', {}, h('a', { href: url('riskeval', 'fiche.html', s.id ? { id, establishment: s.id } : { id }),
      ...(s.id === est ? { 'aria-current': 'page' } : {}) }, `${siteName(s)}, SIRET ${s.siret}`))))) : null;
  main.append(h('p', {}, h('a', { href: url('riskeval', 'fiches.html') }, 'Retour à la liste des fiches')), sitesNav,
    status, dueBox, draftBox, versionsBox, reading, selfBox, duerpBox);
  // The company's online DUERP, if it started one: the team reads it (it is
  // the company's to write), e.g. before the gap analysis.
  let online = null;
  try { online = await api(`${base}/duerp/online`); } catch (err) { if (!(err instanceof ApiError) || err.status !== 404) throw err; }
  duerpBox.replaceChildren(h('h2', { id: 'duerp-en-ligne' }, 'DUERP en ligne de l\'entreprise'),
    online ? h('p', {}, `${online.content.unites.length} unité(s) de travail, ${online.content.unites.reduce((n, u) => n + (u.risques || []).length, 0)} risque(s), `
      + `${(online.content.actions || []).length} action(s), ${online.plan.kind === 'papripact' ? 'en PAPRIPACT (50 salariés et plus)' : 'en liste d\'actions (moins de 50 salariés)'}. `,
    h('a', { href: `${API}${base}/duerp/online/document` }, 'Lire le DUERP en ligne'))
      : h('p', {}, 'L\'entreprise n\'a pas commencé de DUERP en ligne.'));
  // What the company says of itself (its self-assessment), to check on site.
  const answers = (await api(`${base}/self-assessment`)).drawers;
  selfBox.replaceChildren(h('h2', { id: 'auto' }, 'Auto-évaluation de l\'entreprise'),
    h('p', {}, 'Les réponses de l\'entreprise pré-remplissent un nouveau brouillon ; elles sont à vérifier avec elle.'),
    ...drawersRead(answers));
  const drafter = DRAFTERS.includes(me.role);

  async function refresh() {
    try {
      const due = await api(`${base}/fiche/due${est ? q : '?establishment=0'}`);
      dueBox.replaceChildren(h('h2', { id: 'echeance' }, 'Échéance'),
        h('p', {}, h('strong', {}, `${due.overdue ? 'En retard depuis le' : 'Due le'} ${dateFr(due.due_on)}.`), ' ', due.explanation));
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 409) throw err;
      dueBox.replaceChildren(h('h2', { id: 'echeance' }, 'Échéance'), h('p', {}, err.message));
    }

    let draft = null;
    try { draft = await api(`${base}/fiche/draft${q}`); } catch (err) { if (!(err instanceof ApiError) || err.status !== 404) throw err; }
    const parts = [h('h2', { id: 'brouillon' }, 'Brouillon')];
    if (!draft) {
      parts.push(h('p', {}, 'Aucun brouillon en cours.'));
      if (drafter) {
        parts.push(h('button', { type: 'button', onclick: async () => {
          await api(`${base}/fiche/draft${q}`, { method: 'PUT', body: {} });
          await refresh();
          say('ok', 'Brouillon ouvert, pré-rempli avec ce que le service sait de l\'entreprise et la dernière version.');
        } }, 'Ouvrir un brouillon'));
      }
    } else if (drafter) {
      parts.push(h('p', {}, 'Les champs pré-remplis viennent de l\'adhésion, des effectifs déclarés, de la dernière version et des réponses de l\'entreprise à son auto-évaluation. Un champ vidé est effacé.'),
        form('Rédiger la fiche', formFields(draft.content || {}), 'Enregistrer le brouillon', async (v, f) => {
          await api(`${base}/fiche/draft${q}`, { method: 'PUT', body: { content: contentOf(v) } });
          clearErrors(f);
          say('ok', 'Brouillon enregistré.');
        }));
      if (me.role === 'medecin') {
        parts.push(h('button', { type: 'button', onclick: async () => {
          try {
            const v = await api(`${base}/fiche/draft/validate${q}`, { method: 'POST', body: {} });
            await refresh();
            say('ok', `Version ${v.version} validée.`);
          } catch (err) { say('error', err.message); }
        } }, 'Valider le brouillon'));
      } else parts.push(h('p', {}, 'Le médecin du travail valide le brouillon.'));
    } else {
      parts.push(...documentOf(draft.content || {}));
    }
    draftBox.replaceChildren(...parts);

    const vs = (await api(`${base}/fiche/versions${est ? q : '?establishment=0'}`)).versions;
    versionsBox.replaceChildren(h('h2', { id: 'versions' }, 'Versions validées'),
      vs.length ? table('Versions validées de la fiche', ['Version', 'Validée le', 'Transmise', 'Actions'],
        vs.map((v) => [`Version ${v.version}`, dateFr(v.validated_on),
          v.transmitted_on ? `le ${dateFr(v.transmitted_on)}` : 'pas encore',
          h('span', {},
            h('button', { type: 'button', class: 'secondary', onclick: async () => {
              const full = await api(`${base}/fiche/versions/${v.version}${q}`);
              reading.replaceChildren(h('h2', {}, `Version ${v.version}`), ...documentOf(full.content || {}));
              reading.focus();
            } }, `Lire la version ${v.version}`), ' ',
            h('a', { href: `${API}${base}/fiche/versions/${v.version}/document.pdf${q}` }, `PDF de la version ${v.version}`), ' ',
            !v.transmitted_on && drafter ? h('button', { type: 'button', onclick: async () => {
              try {
                await api(`${base}/fiche/versions/${v.version}/transmit${q}`, { method: 'POST', body: {} });
                await refresh();
                say('ok', `Version ${v.version} transmise à l'employeur.`);
              } catch (err) { say('error', err.message); }
            } }, `Transmettre la version ${v.version}`) : null)]))
        : h('p', {}, 'Aucune version validée.'));
  }
  await refresh();
});
