// Catalogue de sensibilisation (espace de l'équipe, seed 3.4.1): the service's
// actions (workshops, e-learning, webinars, prevention documents) with their
// audience, duration, objectives, risks and NAF divisions; a form to add one;
// for an action with a link, sending it by mail to the companies it is
// recommended to and have not been reached, or to the relays of branches,
// and how often each mailing's link was opened (clicks counted through the
// service's link, never per person).
import { page, run, h, api, ApiError, instantFr, field, form, notice, table } from '../../portal/js/portal.js';

const KIND = { atelier: 'Atelier', elearning: 'E-learning', webinaire: 'Webinaire', document: 'Document' };
const FORMAT = { entreprise: 'dans l\'entreprise', service: 'au service', distanciel: 'à distance' };
const AUDIENCE = [['employeurs', 'Employeurs'], ['salaries', 'Salariés'], ['salaries_designes', 'Salariés désignés compétents'], ['cse', 'Membres du CSE']];

// A group of checkboxes sent as one array (formValues reads data-group); the
// boxes share the field's name so that an error on it shows beside them.
function boxes(name, legend, choices) {
  return h('fieldset', { class: 'field' }, h('legend', {}, legend),
    choices.map(([v, l]) => {
      const id = `${name}-${v}`;
      return h('div', { class: 'field-check' },
        h('input', { type: 'checkbox', id, name, value: v, 'data-group': name }), h('label', { for: id }, l));
    }));
}
const splitList = (text) => (text || '').split(/[\s,;]+/).filter(Boolean);

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Catalogue de sensibilisation', current: 'awareness/catalogue.html' });
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const list = h('section', { 'aria-labelledby': 'actions' });
  const detail = h('div', { tabindex: '-1' }); // the mailings of one action
  const risks = (await api('/membership/risks')).items;
  const riskLabel = new Map(risks.map((r) => [r.code, r.label]));

  async function mailings(a) {
    const sent = (await api(`/awareness/actions/${a.id}/mailings`)).items;
    const unreached = (await api(`/awareness/actions/${a.id}/unreached`)).items;
    detail.replaceChildren(h('section', { 'aria-labelledby': 'envois' },
      h('h2', { id: 'envois' }, `Envois de « ${a.title} »`),
      sent.length ? table(`Envois de « ${a.title} » et ouvertures du lien`, ['Envoyé le', 'Entreprises', 'Courriels', 'Clics sur le lien', 'Taux de clic'],
        sent.map((m) => [instantFr(new Date(m.sent_at).toISOString()), String(m.companies), String(m.mails), String(m.clicks),
          m.click_rate == null ? '—' : `${String(m.click_rate).replace('.', ',')} %`]))
        : h('p', {}, 'Cette action n\'a pas encore été envoyée.'),
      form(`Envoyer « ${a.title} » par courriel`, [
        h('p', {}, `Le courriel part aux contacts et aux relais des entreprises choisies, et aux relais des branches ; le lien passe par le service, qui compte les clics sans savoir qui a cliqué.`),
        field('unreached', `Les ${unreached.length} entreprise(s) à qui l'action est recommandée et qui n'en ont pas bénéficié`, { type: 'checkbox', value: unreached.length > 0 }),
        field('naf_divisions', 'Relais des branches (divisions NAF)', { hint: 'Deux chiffres, séparés par des virgules : par exemple « 43, 47 ». Facultatif.' }),
      ], 'Envoyer', async (v) => {
        const body = { company_ids: v.unreached ? unreached.map((c) => c.company_id) : [], naf_divisions: splitList(v.naf_divisions) };
        let r;
        try {
          r = await api(`/awareness/actions/${a.id}/mailings`, { method: 'POST', body });
        } catch (err) {
          // The API names its fields; this form has a box for the companies.
          if (err instanceof ApiError) for (const e of err.fields) e.field = e.field.startsWith('company_ids') ? 'unreached' : e.field.replace(/\[\d+\]$/, '');
          throw err;
        }
        await mailings(a);
        say('ok', `« ${a.title} » envoyé : ${r.mails} courriel(s) à ${r.companies} entreprise(s) et aux relais.`);
      })));
    detail.focus();
  }

  // A document kept by the service: its PDF (or image) deposited here, sent
  // in base64; the catalogue's link then becomes the service's own.
  function deposit(a) {
    const input = h('input', { type: 'file', id: 'doc-file', name: 'content_base64', accept: '.pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg' });
    detail.replaceChildren(h('section', { 'aria-labelledby': 'depot' },
      h('h2', { id: 'depot' }, `Fichier de « ${a.title} »`),
      form(`Déposer le fichier de « ${a.title} »`, [
        h('div', { class: 'field' }, h('label', { for: 'doc-file' }, 'Fichier (PDF, PNG ou JPEG, 10 Mio au plus)'), input),
      ], 'Déposer le fichier', async () => {
        const file = input.files[0];
        if (!file) throw new ApiError(422, { error: { message: 'Choisissez d\'abord un fichier.', fields: [{ field: 'content_base64', message: 'obligatoire' }] } });
        const b64 = await new Promise((resolve, reject) => {
          const r = new FileReader();
          r.onload = () => resolve(String(r.result).split(',')[1] || '');
          r.onerror = () => reject(r.error);
          r.readAsDataURL(file);
        });
        await api(`/awareness/actions/${a.id}/file`, { method: 'POST', body: { filename: file.name, content_type: file.type || 'application/pdf', content_base64: b64 } })
          .catch((err) => {
            // Its name, type or bytes: all said beside the one file field.
            if (err instanceof ApiError) for (const e of err.fields) e.field = 'content_base64';
            throw err;
          });
        detail.replaceChildren();
        await refresh();
        say('ok', `Le fichier de « ${a.title} » est déposé : le catalogue et les envois donnent désormais le lien du service.`);
      }, { noTitle: true })));
    detail.focus();
  }

  async function refresh() {
    const actions = (await api('/awareness/actions?limit=200')).items;
    list.replaceChildren(h('h2', { id: 'actions' }, 'Actions du catalogue'),
      actions.length ? table('Actions du catalogue', ['Action', 'Type', 'Public', 'Durée', 'Risques et secteurs', 'Envois'],
        actions.map((a) => [a.title,
          `${KIND[a.kind] || a.kind}${a.format ? ` ${FORMAT[a.format] || a.format}` : ''}${a.has_quiz ? ', avec quiz' : ''}`,
          (a.audience || []).map((x) => (AUDIENCE.find(([v]) => v === x) || [x, x])[1].toLowerCase()).join(', '),
          a.duration_min ? `${a.duration_min} min` : '—',
          [...(a.risks || []).map((r) => riskLabel.get(r) || r), ...(a.naf_divisions || []).map((d) => `division NAF ${d}`)].join(', ') || 'toutes les entreprises',
          h('div', {},
            a.url ? h('button', { type: 'button', class: 'secondary', onclick: () => mailings(a).catch((err) => say('error', err.message)) },
              `Envois de « ${a.title} »`) : (a.kind === 'document' ? 'fichier à déposer' : 'par session'),
            a.kind === 'document' ? h('button', { type: 'button', class: 'secondary', onclick: () => deposit(a) },
              `${a.url ? 'Remplacer par un fichier' : 'Déposer le fichier'} : « ${a.title} »`) : null)]))
        : h('p', {}, 'Le catalogue est vide.'));
  }

  main.append(status, list, detail, form('Ajouter une action', [
    field('kind', 'Type', { required: true, choices: Object.entries(KIND).map(([v, l]) => [v, l]) }),
    field('title', 'Titre', { required: true }),
    field('format', 'Lieu d\'un atelier', { choices: [['', '—'], ...Object.entries(FORMAT)] , hint: 'Pour un atelier seulement.' }),
    field('url', 'Lien', { type: 'url', hint: 'Pour un e-learning ou un webinaire : l\'adresse où le trouver. Pour un document : son adresse, ou rien et vous déposerez son fichier une fois l\'action ajoutée.' }),
    boxes('audience', 'Public (au moins un)', AUDIENCE),
    field('duration_min', 'Durée (minutes)', { type: 'number', hint: 'Sauf pour un document.' }),
    field('objectives', 'Objectifs', { type: 'textarea', required: true }),
    boxes('risks', 'Risques traités', risks.map((r) => [r.code, r.label])),
    field('naf_divisions', 'Secteurs visés (divisions NAF)', { hint: 'Deux chiffres, séparés par des virgules : par exemple « 43, 56 ». Vide : tous les secteurs.' }),
    field('has_quiz', 'Avec un quiz avant et après', { type: 'checkbox' }),
  ], 'Ajouter au catalogue', async (v, f) => {
    const body = { kind: v.kind, title: v.title, audience: v.audience || [], objectives: v.objectives,
      risks: v.risks || [], naf_divisions: splitList(v.naf_divisions), has_quiz: !!v.has_quiz };
    if (v.format) body.format = v.format;
    if (v.url) body.url = v.url;
    if (v.duration_min) body.duration_min = Number(v.duration_min);
    let a;
    try {
      a = await api('/awareness/actions', { method: 'POST', body });
    } catch (err) {
      // "audience[0]", "risks[2]": said beside the group of boxes.
      if (err instanceof ApiError) for (const e of err.fields) e.field = e.field.replace(/\[\d+\]$/, '');
      throw err;
    }
    f.reset();
    await refresh();
    say('ok', `« ${a.title} » est au catalogue.`);
  }));
  await refresh();
});
