// Mes effectifs: the guided declaration, exits, the CSV upload with every
// error shown in place, and the distribution by follow-up category.
import { page, run, h, api, dateFr, field, form, notice, table, showErrors, ApiError, url, deName } from '../../portal/js/portal.js';

const CONTRACTS = [['cdi', 'CDI'], ['cdd', 'CDD'], ['interim', 'Intérim'], ['apprentissage', 'Apprentissage']];
const CATEGORY = {
  SI: 'Suivi individuel (SI)', SIA: 'Suivi individuel adapté (SIA)', SIR: 'Suivi individuel renforcé (SIR)',
};
const FLAGS = [
  ['night_worker', 'Travailleur de nuit', 'Au moins 3 heures entre 21 h et 6 h, au moins 2 fois par semaine (L3122-5) : suivi adapté.'],
  ['rqth', 'Reconnu travailleur handicapé (RQTH)', 'Suivi adapté (R4624-20). Le salarié vous l\'a dit : vous n\'avez pas à le lui demander.'],
  ['invalidity_pension', 'Titulaire d\'une pension d\'invalidité', 'Suivi adapté (R4624-20).'],
  ['sir_post', 'Poste à risque déclaré par l\'employeur (SIR)', 'Un poste que vous jugez à risque particulier, en le motivant (R4624-23 III).'],
  ['caces_or_electrical', 'Conduite d\'engins (CACES) ou habilitation électrique', 'Demande une attestation, sans suivi renforcé.'],
  ['minor_regulated_work', 'Mineur affecté à des travaux réglementés', 'Suivi renforcé (R4153-40).'],
];

function workerForm(risks, w = {}) {
  return [
    field('last_name', 'Nom', { required: true, value: w.last_name, autocomplete: 'off' }),
    field('first_name', 'Prénom', { required: true, value: w.first_name, autocomplete: 'off' }),
    field('birth_date', 'Date de naissance', { type: 'date', required: true, value: w.birth_date,
      hint: 'Elle décide du suivi des moins de 18 ans.' }),
    field('external_ref', 'Matricule', { required: true, value: w.external_ref, hint: 'Votre référence interne du salarié (matricule de paie).' }),
    field('job_title', 'Poste occupé', { required: true, value: w.job_title, hint: 'L\'intitulé du poste, par exemple « Boulanger » ou « Cariste ».' }),
    field('contract_type', 'Contrat', { required: true, choices: CONTRACTS, value: w.contract_type }),
    field('start_date', 'Date d\'embauche', { type: 'date', required: true, value: w.start_date,
      hint: 'La visite d\'information et de prévention est due dans les 3 mois, avant l\'affectation pour certains postes.' }),
    field('working_time', 'Temps de travail (%)', { type: 'number', value: w.working_time ?? 100, inputmode: 'numeric',
      hint: 'De 1 à 100 ; la cotisation est la même quel que soit le temps de travail.' }),
    ...FLAGS.map(([n, l, hint]) => field(n, l, { type: 'checkbox', value: !!w[n], hint })),
    h('fieldset', { class: 'field' }, h('legend', {}, 'Risques auxquels le poste expose'),
      h('p', { class: 'hint' }, 'Cochez ceux du poste. Ceux marqués « SIR » entraînent un suivi individuel renforcé, avec un examen par le médecin du travail.'),
      risks.map((r) => {
        const id = `risk-${r.code}-${Math.random().toString(36).slice(2, 7)}`;
        return h('div', { class: 'field-check' },
          h('input', { type: 'checkbox', id, name: `exp-${r.code}`, value: r.code, 'data-group': 'exposures',
            checked: (w.exposures || []).includes(r.code) }),
          h('label', { for: id }, r.label, r.sir ? h('span', { class: 'badge' }, ' SIR') : null,
            h('span', { class: 'hint' }, ` (${r.basis})`)));
      })),
  ];
}

function body(v) {
  const out = { ...v };
  for (const k of Object.keys(out)) if (k.startsWith('exp-')) delete out[k];
  out.exposures = v.exposures || [];
  out.working_time = Number(v.working_time || 100);
  return out;
}

function chart(dist) {
  const cats = ['SI', 'SIA', 'SIR'];
  const max = Math.max(1, ...cats.map((c) => dist.categories[c] || 0));
  const W = 320;
  const svg = h('svg', { class: 'chart', viewBox: `0 0 ${W + 120} ${cats.length * 36}`, role: 'img',
    'aria-labelledby': 'chart-title' }, h('title', { id: 'chart-title' },
    `Répartition par catégorie de suivi : ${cats.map((c) => `${c} ${dist.categories[c] || 0}`).join(', ')}`));
  cats.forEach((c, i) => {
    const n = dist.categories[c] || 0;
    const w = Math.round((n / max) * W);
    svg.append(h('text', { x: 0, y: i * 36 + 22 }, c),
      h('rect', { x: 50, y: i * 36 + 6, width: Math.max(w, 2), height: 24, class: `bar-${c}` }),
      h('text', { x: 56 + Math.max(w, 2), y: i * 36 + 22 }, `${n} (${dist.percent[c] ?? 0} %)`));
  });
  return svg;
}

run(async () => {
  const { main, company, roles } = await page({ space: 'adherent', title: 'Mes effectifs', current: 'membership/effectifs.html' });
  if (!roles.includes('declaration')) {
    main.append(notice('error', 'Votre rôle dans l\'entreprise ne comprend pas la déclaration des salariés : demandez-le à son administrateur.'));
    return;
  }
  const risks = (await api('/membership/risks')).items;
  const status = h('div', { tabindex: '-1' });
  const distBox = h('section', { class: 'card', 'aria-labelledby': 'dist' });
  const listBox = h('section', { 'aria-labelledby': 'list' });
  const say = (kind, text) => { status.replaceChildren(notice(kind, text)); status.focus(); };

  // A large company: the list shows 100 rows at a time, with a search by name.
  const PAGE_ROWS = 100;
  let active = [];
  let shownRows = PAGE_ROWS;
  let filter = '';
  const rowsBox = h('div');
  const search = h('input', { type: 'search', id: 'recherche-salarie', 'aria-describedby': 'recherche-aide' });
  search.addEventListener('input', () => { filter = search.value.trim().toLowerCase(); shownRows = PAGE_ROWS; renderRows(); });

  function renderRows() {
    const match = filter ? active.filter((w) => `${w.last_name} ${w.first_name} ${w.job_title}`.toLowerCase().includes(filter)) : active;
    const rows = match.slice(0, shownRows);
    const more = match.length - rows.length;
    rowsBox.replaceChildren(...[
      h('p', { role: 'status' }, filter ? `${match.length} salarié(s) correspondent à « ${search.value.trim()} ».` : ''),
      table('Salariés actifs', ['Salarié', 'Poste', 'Contrat', 'Catégorie', 'Actions'],
        rows.map((w) => [`${w.last_name} ${w.first_name}`, w.job_title,
          `${(CONTRACTS.find((c) => c[0] === w.contract_type) || [0, w.contract_type])[1]} depuis le ${dateFr(w.start_date)}`,
          h('details', {}, h('summary', {}, `${w.category || 'à calculer'} : pourquoi ?`),
            h('ul', {}, (w.category_reasons || []).map((r) => h('li', {}, r))),
            w.category_basis ? h('p', { class: 'hint' }, `Références : ${w.category_basis.join(', ')}`) : null),
          h('div', { class: 'actions' },
            h('button', { type: 'button', class: 'secondary', onclick: () => editWorker(w) }, `Modifier ${w.first_name} ${w.last_name}`),
            h('button', { type: 'button', class: 'secondary', onclick: () => exitWorker(w) }, `Sortie ${deName(`${w.first_name} ${w.last_name}`)}`))])),
      more > 0 ? h('button', { type: 'button', class: 'secondary', onclick: () => { shownRows += PAGE_ROWS; renderRows(); } },
        `Afficher ${Math.min(more, PAGE_ROWS)} salariés de plus (${more} restants)`) : null,
    ].filter(Boolean));
  }

  async function refresh() {
    const workers = (async () => {
      const items = [];
      let cursor = null;
      do {
        const p = await api(`/membership/companies/${company.id}/workers?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
        items.push(...p.items);
        cursor = p.next_cursor;
      } while (cursor);
      return items;
    })();
    const [dist, items] = await Promise.all([api(`/membership/companies/${company.id}/workforce/distribution`), workers]);
    distBox.replaceChildren(h('h2', { id: 'dist' }, 'Répartition par catégorie de suivi'),
      h('p', {}, `${dist.total} salarié(s) actif(s) au ${dateFr(dist.on_date)}.`), chart(dist),
      table('Répartition par catégorie (mêmes chiffres que le graphique)', ['Catégorie', 'Salariés', 'Part'],
        ['SI', 'SIA', 'SIR'].map((c) => [CATEGORY[c], String(dist.categories[c] || 0), `${dist.percent[c] ?? 0} %`])));
    active = items.filter((w) => !w.end_date);
    listBox.replaceChildren(...[h('h2', { id: 'list' }, `Salariés déclarés (${active.length})`),
      active.length > PAGE_ROWS ? h('div', { class: 'field' },
        h('label', { for: 'recherche-salarie' }, 'Rechercher un salarié'),
        h('p', { class: 'hint', id: 'recherche-aide' }, 'Nom, prénom ou poste.'), search) : null,
      rowsBox].filter(Boolean));
    renderRows();
  }

  const dialog = h('div');
  function editWorker(w) {
    dialog.replaceChildren(form(`Modifier ${w.first_name} ${w.last_name}`, workerForm(risks, w), 'Enregistrer les modifications', async (v) => {
      await api(`/membership/companies/${company.id}/workers/${w.id}`, { method: 'PATCH', body: body(v) });
      dialog.replaceChildren();
      await refresh();
      say('ok', `${v.first_name} ${v.last_name} : modifications enregistrées.`);
    }));
    dialog.querySelector('input').focus();
  }
  function exitWorker(w) {
    dialog.replaceChildren(form(`Sortie ${deName(`${w.first_name} ${w.last_name}`)}`, [
      h('p', {}, 'La date de fin du contrat. Le salarié reste dans l\'historique ; ses visites à venir sont annulées.'),
      field('end_date', 'Date de sortie', { type: 'date', required: true }),
    ], 'Enregistrer la sortie', async (v) => {
      await api(`/membership/companies/${company.id}/workers/${w.id}/exit`, { method: 'POST', body: v });
      dialog.replaceChildren();
      await refresh();
      say('ok', `Sortie ${deName(`${w.first_name} ${w.last_name}`)} enregistrée.`);
    }));
    dialog.querySelector('input').focus();
  }

  const declare = form('Déclarer un salarié', workerForm(risks), 'Déclarer le salarié', async (v, f) => {
    const w = await api(`/membership/companies/${company.id}/workers`, { method: 'POST', body: body(v) });
    f.reset();
    await refresh();
    say('ok', `${w.first_name} ${w.last_name} est déclaré(e) : catégorie ${w.category || 'en calcul'}.`);
  });

  const csvErrors = h('div');
  const upload = h('form', { class: 'card', 'aria-labelledby': 'csv-title', novalidate: true },
    h('h2', { id: 'csv-title' }, 'Déclarer plusieurs salariés (fichier CSV)'),
    h('p', {}, 'Un fichier CSV (séparateur « ; » ou « , », enregistré au format « CSV UTF-8 ») dont la première ligne nomme les colonnes : Matricule, Nom, Prénom, Date de naissance (JJ/MM/AAAA), Poste, Contrat (CDI, CDD, intérim, apprentissage), Date d\'embauche, puis au choix Date de sortie, Temps de travail, Travailleur de nuit, RQTH, Expositions… Une ligne par salarié. Si une ligne est fausse, rien n\'est enregistré : corrigez et renvoyez le fichier.'),
    h('div', { class: 'field' }, h('label', { for: 'csv-file' }, 'Fichier CSV'), h('input', { type: 'file', id: 'csv-file', name: 'file', accept: '.csv,text/csv' })),
    csvErrors,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Envoyer le fichier')));
  upload.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const file = upload.querySelector('input[type=file]').files[0];
    csvErrors.replaceChildren();
    if (!file) { csvErrors.replaceChildren(notice('error', 'Choisissez d\'abord un fichier.')); return; }
    try {
      const r = await api(`/membership/companies/${company.id}/workers/import`, { method: 'POST', body: file, csv: true });
      upload.reset();
      await refresh();
      say('ok', `Fichier accepté : ${r.created ?? r.imported ?? ''} salarié(s) déclaré(s)${r.updated ? `, ${r.updated} mis à jour` : ''}.`);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const rows = err.fields.map((f) => [f.line ? `ligne ${f.line}` : '—', f.column || '—', f.message]);
      csvErrors.replaceChildren(h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' },
        h('h3', {}, `Le fichier n'a pas été enregistré : ${err.fields.length} erreur(s) à corriger.`),
        table('Erreurs du fichier, ligne par ligne', ['Ligne', 'Colonne', 'Erreur'], rows)));
      csvErrors.firstChild.focus();
    }
  });

  main.append(status, distBox, dialog, listBox, declare, upload);
  await refresh();
});
