// The fiche d'entreprise's content (annex 5.2, page by page) as the API has it
// (plugins/riskeval/content.c): the French label and kind of each field, the
// document a version reads as, and the drafting form of the team.
import { h, dateFr, field } from '../../portal/js/portal.js';

// [key, label, kind]: text, long (textarea), count, sir (a count null when unknown), date, flag.
export const PAGES = [
  ['identification', 'Page 1 : identification de l\'entreprise et conseils', [
    ['raison_sociale', 'Raison sociale', 'text'], ['etablissement', 'Établissement', 'text'], ['siret', 'SIRET', 'text'], ['naf_code', 'Code NAF', 'text'],
    ['adresse', 'Adresse', 'long'], ['activite', 'Activité', 'long'], ['medecin', 'Médecin du travail', 'text'],
    ['equipe', 'Équipe pluridisciplinaire', 'long'], ['date_visite', 'Date de la visite de l\'entreprise', 'date'],
    ['conseils', 'Conseils du service', 'long']]],
  ['environnement_travail', 'Page 2 : environnement de travail', [
    ['locaux', 'Locaux', 'long'], ['organisation', 'Organisation du travail', 'long'], ['horaires', 'Horaires', 'long'],
    ['sanitaires', 'Installations sanitaires', 'long'], ['premiers_secours', 'Premiers secours', 'long'],
    ['travail_isole', 'Travail isolé', 'flag'], ['observations', 'Observations', 'long']]],
  ['personnel_prevention', 'Page 3 : personnel et prévention', [
    ['effectif', 'Effectif déclaré', 'count'], ['salaries_suivis', 'Salariés suivis', 'count'],
    ['effectif_sir', 'Salariés en suivi individuel renforcé (SIR)', 'count'],
    ['sir_declare', 'SIR déclaré par l\'employeur (suivi individuel)', 'sir'], ['sir_observe', 'SIR observé (examens d\'aptitude tenus)', 'sir'],
    ['cse', 'Comité social et économique (CSE)', 'flag'],
    ['salarie_designe', 'Salarié désigné compétent en prévention', 'text'], ['secouristes', 'Sauveteurs secouristes du travail', 'count'],
    ['duerp_existe', 'Document unique (DUERP) établi', 'flag'], ['duerp_date', 'Date du DUERP', 'date'],
    ['accidents_travail', 'Accidents du travail (dernière année)', 'count'],
    ['maladies_professionnelles', 'Maladies professionnelles (dernière année)', 'count'], ['observations', 'Observations', 'long']]],
  ['expositions_actions', 'Page 4 : expositions et actions', [
    ['actions_prioritaires', 'Actions prioritaires', 'long'], ['observations', 'Observations', 'long']]],
  ['lettre', 'Lettre d\'accompagnement', [['destinataire', 'Destinataire', 'text'], ['texte', 'Texte de la lettre', 'long']]],
];

export const RISK_FIELDS = [['code', 'Code'], ['libelle', 'Risque'], ['unite_travail', 'Unité de travail'],
  ['effectif_expose', 'Effectif exposé'], ['mesures_existantes', 'Mesures existantes'], ['actions_proposees', 'Actions proposées']];

function shown(kind, v) {
  // The SIR counts come from the individual follow-up: null means the service
  // does not run it, so the count is unknown, not zero.
  if (kind === 'sir' && (v === undefined || v === null)) return 'inconnu (suivi individuel non activé)';
  if (v === undefined || v === null || v === '') return 'non renseigné';
  if (kind === 'flag') return v ? 'oui' : 'non';
  if (kind === 'date') return dateFr(v);
  return String(v);
}

// A version's content as a readable, printable document.
export function documentOf(content) {
  const out = [];
  for (const [key, title, fields] of PAGES) {
    const page = content[key] || {};
    const dl = h('dl', { class: 'fiche-fields' });
    for (const [k, label, kind] of fields) dl.append(h('dt', {}, label), h('dd', {}, shown(kind, page[k])));
    const parts = [h('h2', {}, title), dl];
    if (key === 'expositions_actions') {
      const risks = page.risques || [];
      parts.splice(1, 0, risks.length
        ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Risques et expositions' },
          h('table', {}, h('caption', {}, 'Risques et expositions'),
            h('thead', {}, h('tr', {}, RISK_FIELDS.map(([, l]) => h('th', { scope: 'col' }, l)))),
            h('tbody', {}, risks.map((r) => h('tr', {}, RISK_FIELDS.map(([k], i) =>
              (i === 0 ? h('th', { scope: 'row' }, shown('text', r[k])) : h('td', {}, shown('text', r[k])))))))))
        : h('p', {}, 'Aucun risque relevé.'));
    }
    out.push(h('section', { class: 'card' }, ...parts));
  }
  return out;
}

// The drafting form's fields, named "page.key", filled with the draft.
export function formFields(content) {
  const out = [];
  for (const [key, title, fields] of PAGES) {
    const page = content[key] || {};
    const set = h('fieldset', {}, h('legend', {}, title));
    for (const [k, label, kind] of fields) {
      const name = `content.${key}.${k}`;
      const v = page[k];
      if (kind === 'flag') {
        set.append(field(name, label, { choices: [['', 'non renseigné'], ['true', 'oui'], ['false', 'non']],
          value: v === true ? 'true' : v === false ? 'false' : '' }));
      } else {
        set.append(field(name, label, {
          type: kind === 'long' ? 'textarea' : kind === 'date' ? 'date' : 'text',
          value: v === undefined || v === null ? '' : String(v),
          inputmode: kind === 'count' || kind === 'sir' ? 'numeric' : undefined,
        }));
      }
    }
    out.push(set);
  }
  return out;
}

// The form's values back to content: an empty field clears it (null).
export function contentOf(values) {
  const content = {};
  for (const [key, , fields] of PAGES) {
    const page = {};
    for (const [k, , kind] of fields) {
      const v = values[`content.${key}.${k}`];
      if (v === undefined) continue;
      if (v === '') page[k] = null;
      else if (kind === 'flag') page[k] = v === 'true';
      else if (kind === 'count' || kind === 'sir') page[k] = /^\d+$/.test(v) ? Number(v) : v;
      else page[k] = v;
    }
    content[key] = page;
  }
  return content;
}

// A form saved after an error: its old messages go (form() shows them, never clears them).
export function clearErrors(f) {
  f.querySelectorAll('.field-error, .error-summary').forEach((e) => e.remove());
  f.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
}
