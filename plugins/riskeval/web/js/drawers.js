// The self-assessment "tiroirs" (seed 3.6.1.3) in the member space: the four
// drawers, each a form the company's employer users answer; the team reads
// them and they pre-fill the next fiche d'entreprise.
import { h, api, ApiError, field, form, instantFr } from '../../portal/js/portal.js';
import { clearErrors } from './content.js';

const FLAG = [['', 'non renseigné'], ['true', 'oui'], ['false', 'non']];

// [drawer, title, [name, label, kind, hint]]
export const DRAWERS = [
  ['organisation', 'Organisation de l\'entreprise', [
    ['groupe', 'L\'entreprise fait partie d\'un groupe', 'flag'], ['groupe_nom', 'Nom du groupe', 'text'],
    ['association', 'L\'entreprise est une association', 'flag'],
    ['cse', 'Un comité social et économique (CSE) existe', 'flag'],
    ['salarie_designe', 'Salarié désigné compétent en prévention', 'text', 'Nom et fonction.'],
    ['etablissements', 'Nombre d\'établissements', 'count'], ['observations', 'Observations', 'long']]],
  ['activites', 'Activités de l\'entreprise', [
    ['activite_principale', 'Activité principale', 'long'], ['metiers', 'Métiers exercés', 'long', 'Un métier par ligne ou séparés par des virgules.'],
    ['horaires', 'Horaires de travail', 'text'], ['travail_isole', 'Des salariés travaillent seuls', 'flag'],
    ['observations', 'Observations', 'long']]],
  ['prevention', 'La prévention dans l\'entreprise', [
    ['duerp_existe', 'Le document unique (DUERP) est établi', 'flag'], ['duerp_date', 'Date du DUERP', 'date'],
    ['secouristes', 'Nombre de sauveteurs secouristes du travail', 'count'],
    ['premiers_secours', 'Organisation des premiers secours', 'long'], ['actions_menees', 'Actions de prévention menées', 'long'],
    ['observations', 'Observations', 'long']]],
  ['risques', 'Les risques professionnels', [
    ['risques', 'Risques (un par ligne : code, risque, unité de travail)', 'risks',
      'Par exemple : « bruit ; Bruit des machines ; Atelier ». Le code en minuscules, sans espace.'],
    ['observations', 'Observations', 'long']]],
];

const asText = (kind, v) => {
  if (v === undefined || v === null) return '';
  if (kind === 'risks') return v.map((r) => [r.code, r.libelle, r.unite_travail].filter((x) => x).join(' ; ')).join('\n');
  return String(v);
};

function answersOf(fields, v) {
  const out = {};
  for (const [name, , kind] of fields) {
    const x = v[name];
    if (x === undefined || x === '') continue;
    if (kind === 'flag') out[name] = x === 'true';
    else if (kind === 'count') out[name] = /^\d+$/.test(x) ? Number(x) : x;
    else if (kind === 'risks') {
      out[name] = x.split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
        const [code, libelle, unite] = l.split(';').map((p) => p.trim());
        const r = { code };
        if (libelle) r.libelle = libelle;
        if (unite) r.unite_travail = unite;
        return r;
      });
    } else out[name] = x;
  }
  return out;
}

export async function drawersSection(box, company, say) {
  const data = (await api(`/riskeval/companies/${company.id}/self-assessment`)).drawers;
  const forms = DRAWERS.map(([key, title, fields]) => {
    const saved = data[key];
    const a = (saved && saved.answers) || {};
    return h('div', {},
      form(title, [
        h('p', { class: 'hint' }, saved ? `Réponses enregistrées le ${instantFr(new Date(saved.updated_at).toISOString())}.` : 'Pas encore de réponse.'),
        ...fields.map(([name, label, kind, hint]) => (kind === 'flag'
          ? field(name, label, { choices: FLAG, value: a[name] === true ? 'true' : a[name] === false ? 'false' : '' })
          : field(name, label, { type: kind === 'long' || kind === 'risks' ? 'textarea' : kind === 'date' ? 'date' : 'text',
            value: asText(kind, a[name]), hint, inputmode: kind === 'count' ? 'numeric' : undefined }))),
      ], `Enregistrer : ${title.toLowerCase()}`, async (v, f) => {
        try {
          await api(`/riskeval/companies/${company.id}/self-assessment/${key}`, { method: 'PUT', body: answersOf(fields, v) });
        } catch (err) {
          // "prevention.secouristes" → the field "secouristes" of this form;
          // a risk line's error goes beside the risks.
          if (err instanceof ApiError) for (const e of err.fields) e.field = e.field.replace(`${key}.`, '').replace(/\[.*$/, '');
          throw err;
        }
        clearErrors(f);
        say('ok', `${title} : réponses enregistrées. Le service s'en servira pour préparer votre fiche d'entreprise.`);
      }));
  });
  box.replaceChildren(h('h2', { id: 'tiroirs' }, 'Mon auto-évaluation des risques'),
    h('p', {}, 'Décrivez votre entreprise en quatre tiroirs : le service en pré-remplit la fiche d\'entreprise, '
      + 'qu\'il vérifie avec vous lors de sa visite. Vous pouvez compléter vos réponses à tout moment.'),
    ...forms);
}

// The answers as the team reads them (espace de l'équipe): one list per drawer.
export function drawersRead(data) {
  return DRAWERS.map(([key, title, fields]) => {
    const saved = data[key];
    const a = (saved && saved.answers) || {};
    const shown = (kind, v) => (v === undefined || v === null || v === '' ? 'non renseigné'
      : kind === 'flag' ? (v ? 'oui' : 'non') : asText(kind, v));
    return h('section', { class: 'card' }, h('h3', {}, title),
      saved ? h('dl', {}, fields.map(([name, label, kind]) => [h('dt', {}, label), h('dd', {}, shown(kind, a[name]))]))
        : h('p', {}, 'Pas encore de réponse.'));
  });
}
