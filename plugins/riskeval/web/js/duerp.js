// Mon DUERP en ligne (espace adhérent, seed 3.2.2, issue 14 item 3): the
// company starts its document unique from a model of its branch (pre-filled or
// blank), describes its work units and their risks, rates each one (the
// server's risk_rating gives the score and the priority), writes the measures
// in place and planned, and its action plan: a list of actions under 50
// employees, a PAPRIPACT (indicator, cost, date for each measure) from 50. It
// prints or downloads it, and saves a version into its DUERP vault.
// Field names are the API's ("content.unites[1].risques[2].gravite"), so the
// server's errors land beside their field.
import { page, run, h, api, API, ApiError, field, form, notice, url } from '../../portal/js/portal.js';

const GRAVITE = [['', 'non cotée'], ['1', '1 : faible'], ['2', '2 : moyenne'], ['3', '3 : grave'], ['4', '4 : très grave']];
const PROBABILITE = [['', 'non cotée'], ['1', '1 : improbable'], ['2', '2 : rare'], ['3', '3 : fréquente'], ['4', '4 : très fréquente']];
const ETAT = [['', 'non précisé'], ['a_faire', 'à faire'], ['en_cours', 'en cours'], ['faite', 'faite']];
const LEVEL = { faible: 'faible', moyen: 'moyen', eleve: 'élevé', critique: 'critique' };

// "1 200,50" → 1200.5; what is not a number is sent as typed (the server says why).
function amount(s) {
  if (s === '') return undefined;
  const n = Number(s.replace(/[\s\u00a0\u202f€]/g, '').replace(',', '.'));
  return Number.isFinite(n) ? n : s;
}

const put = (o, k, v) => { if (v !== undefined && v !== '') o[k] = v; };

run(async () => {
  const { main, company, mine } = await page({ space: 'adherent', title: 'Mon DUERP en ligne', current: 'riskeval/duerp.html' });
  const keep = mine.length > 1 ? { entreprise: company.id } : null;
  const base = `/riskeval/companies/${company.id}`;
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const body = h('div');
  const thesaurus = (await api('/riskeval/thesaurus')).exposures;
  const codes = [['', 'choisir un risque'], ...thesaurus.map((e) => [e.code, `${e.libelle} (${e.famille})`])];
  main.append(h('p', {}, 'Votre document unique d\'évaluation des risques professionnels, écrit en ligne avec l\'aide '
    + 'du service : vos unités de travail, leurs risques cotés, vos mesures et votre plan d\'actions. ',
  h('a', { href: url('riskeval', 'duerp-guide.html', keep) }, 'Lire le guide méthodologique')), status, body);

  async function load() {
    try { return await api(`${base}/duerp/online`); } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }

  async function startForm() {
    const m = await api(`/riskeval/duerp/models?company=${company.id}`);
    const choices = [...m.models.map((x) => [x.division, `${x.division} : ${x.titre}`]), ['vierge', 'Page blanche (sans modèle)']];
    return [h('h2', {}, 'Commencer mon DUERP'),
      h('p', {}, 'Choisissez le modèle de votre branche : il propose les unités de travail habituelles et, pré-rempli, '
        + 'les risques que l\'on y rencontre le plus souvent. Vous l\'adaptez ensuite à votre entreprise.'),
      form('Choisir un modèle', [
        field('model', 'Modèle', { choices, value: m.suggested || 'vierge', required: true,
          hint: m.suggested ? 'Le modèle de la branche de votre entreprise (code NAF) est proposé.' : undefined }),
        field('prefilled', 'Contenu', { choices: [['true', 'Pré-rempli : unités et risques habituels'], ['false', 'Vierge : les unités seulement']], value: 'true' }),
      ], 'Commencer', async (v) => {
        await api(`${base}/duerp/online`, { method: 'POST', body: { model: v.model, prefilled: v.prefilled === 'true' } });
        await refresh('DUERP commencé : complétez chaque unité puis enregistrez.');
      })];
  }

  // The content the form holds, in the API's shape.
  function collect(f, content) {
    const val = (n) => { const e = f.elements.namedItem(n); return e ? e.value.trim() : ''; };
    const out = { unites: [], actions: [] };
    content.unites.forEach((u, i) => {
      const p = `content.unites[${i + 1}]`;
      const unit = { nom: val(`${p}.nom`), risques: [] };
      put(unit, 'description', val(`${p}.description`));
      (u.risques || []).forEach((r, j) => {
        const q = `${p}.risques[${j + 1}]`;
        const risk = { code: val(`${q}.code`) };
        put(risk, 'situation', val(`${q}.situation`));
        put(risk, 'gravite', val(`${q}.gravite`) ? Number(val(`${q}.gravite`)) : undefined);
        put(risk, 'probabilite', val(`${q}.probabilite`) ? Number(val(`${q}.probabilite`)) : undefined);
        put(risk, 'mesures_existantes', val(`${q}.mesures_existantes`));
        put(risk, 'mesures_prevues', val(`${q}.mesures_prevues`));
        unit.risques.push(risk);
      });
      out.unites.push(unit);
    });
    content.actions.forEach((a, k) => {
      const p = `content.actions[${k + 1}]`;
      const action = { mesure: val(`${p}.mesure`) };
      for (const key of ['risque', 'unite', 'responsable', 'echeance', 'indicateur', 'etat']) put(action, key, val(`${p}.${key}`));
      put(action, 'cout', amount(val(`${p}.cout`)));
      out.actions.push(action);
    });
    put(out, 'observations', val('content.observations'));
    return out;
  }

  function editor(d, content) {
    const papripact = d.plan.kind === 'papripact';
    let f;
    const redraw = (change) => {
      const c = collect(f, content);
      change(c);
      f.replaceWith(editor(d, c)[2]);
    };
    const button = (label, fn) => h('button', { type: 'button', class: 'secondary', onclick: () => redraw(fn) }, label);
    const units = content.unites.map((u, i) => {
      const p = `content.unites[${i + 1}]`;
      const shown = (d.content.unites[i] || {}).risques || [];
      return h('fieldset', { class: 'card' }, h('legend', {}, `Unité de travail ${i + 1}${u.nom ? ` : ${u.nom}` : ''}`),
        field(`${p}.nom`, 'Nom de l\'unité', { value: u.nom || '', required: true, hint: 'Un atelier, un poste, un métier, une équipe.' }),
        field(`${p}.description`, 'Description', { type: 'textarea', value: u.description || '' }),
        ...(u.risques || []).map((r, j) => {
          const q = `${p}.risques[${j + 1}]`;
          const same = shown[j] && shown[j].code === r.code && shown[j].gravite === r.gravite && shown[j].probabilite === r.probabilite;
          const rt = same ? shown[j].rating : null;
          return h('fieldset', {}, h('legend', {}, `Risque ${j + 1} de l'unité ${i + 1}`),
            field(`${q}.code`, 'Risque', { choices: codes, value: r.code || '', required: true }),
            field(`${q}.situation`, 'Situation qui expose', { value: r.situation || '' }),
            field(`${q}.gravite`, 'Gravité', { choices: GRAVITE, value: r.gravite ? String(r.gravite) : '' }),
            field(`${q}.probabilite`, 'Probabilité', { choices: PROBABILITE, value: r.probabilite ? String(r.probabilite) : '' }),
            rt ? h('p', { class: 'cotation' }, h('strong', {}, `Cotation : ${rt.score}, risque ${LEVEL[rt.level] || rt.level}, priorité ${rt.priority}.`), ' ', rt.explanation)
              : h('p', { class: 'hint' }, 'Cotation : à faire (choisissez la gravité et la probabilité, puis enregistrez).'),
            field(`${q}.mesures_existantes`, 'Mesures existantes', { type: 'textarea', value: r.mesures_existantes || '' }),
            field(`${q}.mesures_prevues`, 'Mesures prévues', { type: 'textarea', value: r.mesures_prevues || '' }),
            h('div', { class: 'actions' }, button(`Retirer le risque ${j + 1} de l'unité ${i + 1}`, (c) => c.unites[i].risques.splice(j, 1))));
        }),
        h('div', { class: 'actions' },
          button(`Ajouter un risque à l'unité ${i + 1}`, (c) => c.unites[i].risques.push({ code: '' })),
          button(`Retirer l'unité ${i + 1}`, (c) => c.unites.splice(i, 1))));
    });
    const actions = content.actions.map((a, k) => {
      const p = `content.actions[${k + 1}]`;
      return h('fieldset', { class: 'card' }, h('legend', {}, `Action ${k + 1}`),
        field(`${p}.mesure`, 'Mesure', { type: 'textarea', value: a.mesure || '', required: true }),
        field(`${p}.risque`, 'Risque traité', { choices: codes, value: a.risque || '' }),
        field(`${p}.unite`, 'Unité de travail', { value: a.unite || '' }),
        field(`${p}.responsable`, 'Responsable', { value: a.responsable || '' }),
        field(`${p}.echeance`, 'Échéance', { type: 'date', value: a.echeance || '', required: papripact }),
        field(`${p}.cout`, 'Coût estimé (euros)', { value: a.cout === undefined ? '' : String(a.cout), inputmode: 'decimal', required: papripact }),
        field(`${p}.indicateur`, 'Indicateur de résultat', { value: a.indicateur || '', required: papripact }),
        field(`${p}.etat`, 'État', { choices: ETAT, value: a.etat || '' }),
        h('div', { class: 'actions' }, button(`Retirer l'action ${k + 1}`, (c) => c.actions.splice(k, 1))));
    });
    f = form('Mon DUERP', [
      h('h3', {}, 'Unités de travail et risques'), ...units,
      h('div', { class: 'actions' }, button('Ajouter une unité de travail', (c) => c.unites.push({ nom: '', risques: [] }))),
      h('h3', {}, papripact ? 'Programme annuel de prévention (PAPRIPACT)' : 'Liste des actions de prévention'),
      h('p', { class: 'hint' }, papripact ? 'Pour chaque mesure : son échéance, son coût estimé et un indicateur de résultat (L4121-3-1 III).'
        : 'Les actions que vous décidez, avec qui s\'en charge et pour quand (L4121-3-1 III).'),
      ...actions,
      h('div', { class: 'actions' }, button('Ajouter une action', (c) => c.actions.push({ mesure: '' }))),
      field('content.observations', 'Observations', { type: 'textarea', value: content.observations || '' }),
    ], 'Enregistrer mon DUERP', async () => {
      await api(`${base}/duerp/online`, { method: 'PUT', body: { content: collect(f, content) } });
      await refresh('DUERP enregistré.');
    });
    return [
      h('div', { class: 'card' }, h('h2', {}, d.plan.label),
        h('p', {}, d.plan.headcount_explanation), h('p', {}, d.plan.explanation),
        h('p', {}, h('a', { href: `${API}${base}/duerp/online/document` }, 'Version imprimable (page HTML)'), ' — ',
          h('a', { href: `${API}${base}/duerp/online/document.pdf` }, 'Télécharger en PDF'))),
      d.ready ? notice('ok', 'Votre DUERP est complet : vous pouvez en enregistrer une version.')
        : h('div', { class: 'card' }, h('p', {}, 'Avant d\'enregistrer une version :'),
          h('ul', {}, d.missing.map((m) => h('li', {}, m.message)))),
      f,
      form('Enregistrer une version dans mon coffre DUERP', [
        h('p', {}, 'Le PDF de votre DUERP entre dans votre coffre : conservé 40 ans, jamais modifié, transmis au service.'),
        field('note', 'Remarque', { type: 'textarea', hint: 'Facultatif : ce qui a changé dans cette version.' }),
      ], 'Enregistrer la version', async (v) => {
        const r = await api(`${base}/duerp/online/versions`, { method: 'POST', body: v.note ? { note: v.note } : {} });
        say('ok', `Version enregistrée dans votre coffre (document n° ${r.document_number}).`);
      }),
    ];
  }

  async function refresh(message) {
    const d = await load();
    const c = d ? structuredClone(d.content) : null;
    if (c) { c.unites ||= []; c.actions ||= []; }
    body.replaceChildren(...(d ? editor(d, c) : await startForm()));
    if (message) say('ok', message);
  }
  await refresh();
});
