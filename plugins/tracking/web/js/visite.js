// One visit, for the professional who holds it: the worker's summary, the
// DMST (health professionals only), the outcome form, no-show.
import { page, run, h, api, API, url, dateFr, dateTimeFr, field, form, notice, table, ApiError } from '../../portal/js/portal.js';

// The articles an explanation does not already cite (it usually ends with them).
const extraBasis = (x) => {
  const rest = (x.basis || []).filter((b) => !(x.explanation || '').includes(b));
  return rest.length ? [' ', h('span', { class: 'hint' }, `(${rest.join(', ')})`)] : [];
};

const HEALTH = ['medecin', 'infirmier'];
const STATUS = { queued: 'à planifier', scheduled: 'programmée', done: 'réalisée', cancelled: 'annulée', missed: 'salarié absent' };
const KINDS = [['observation', 'Observation'], ['exam', 'Examen'], ['conclusion', 'Conclusion'], ['exposure_current', 'Exposition actuelle'],
  ['exposure_past', 'Exposition passée'], ['exchange', 'Échange'], ['info_given', 'Information donnée'], ['document', 'Document']];
const KIND_NAMES = Object.fromEntries(KINDS);
const DOCS = [['attestation', 'Attestation de suivi'], ['avis_aptitude', 'Avis d\'aptitude'], ['avis_inaptitude', 'Avis d\'inaptitude'], ['aucun', 'Aucun document']];
const ADJ = [['', 'Aucun aménagement'], ['poste', 'Poste'], ['horaires', 'Horaires'], ['teletravail', 'Télétravail'], ['materiel', 'Matériel'], ['formation', 'Formation'], ['reclassement', 'Reclassement'], ['autre', 'Autre']];
const addDays = (d, n) => new Date(Date.parse(`${d}T12:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
const lines = (s) => (s || '').split('\n').map((x) => x.trim()).filter(Boolean);

run(async () => {
  const id = new URLSearchParams(location.search).get('id');
  const { main, me } = await page({ space: 'equipe', title: 'Visite', current: 'tracking/visite.html' });
  const health = HEALTH.includes(me.role);
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...t) => { status.replaceChildren(notice(kind, ...t)); status.focus(); };
  main.append(status);
  let v;
  try {
    v = await api(`/tracking/visit-requests/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) {
      main.append(notice('error', 'Votre rôle ne donne pas accès aux visites ni au dossier médical des salariés (secret médical) : rien n\'en est affiché.'));
      return;
    }
    throw err;
  }
  const request = v.request || v;
  const w = await api(`/membership/companies/${request.company_id}/workers/${request.worker_id}`).catch(() => null);
  const types = (await api('/tracking/visit-types')).items;
  const risks = (await api('/membership/risks').catch(() => ({ items: [] }))).items;
  const riskLabel = (c) => (risks.find((r) => r.code === c) || {}).label || c;
  const label = (t) => (types.find((x) => x.type === t) || {}).label || t;
  document.querySelector('h1').textContent = `Visite : ${w ? `${w.first_name} ${w.last_name}` : `salarié n° ${request.worker_id}`}`;
  // The slot: from the professional's agenda when the request does not carry it.
  let slot = v.slot || request.slot || null;
  if (!slot && request.slot_id) {
    const ag = await api(`/tracking/agenda?from=${request.requested_on}&to=${addDays(request.requested_on, 31)}`).catch(() => ({ items: [] }));
    slot = ag.items.find((x) => x.slot_id === request.slot_id) || null;
  }
  main.append(h('section', { class: 'card', 'aria-labelledby': 'resume' }, h('h2', { id: 'resume' }, 'Le salarié et la visite'),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Visite'), h('dd', {}, label(request.type)),
      h('dt', {}, 'Quand'), h('dd', {}, slot ? dateTimeFr(slot.starts_at) : 'non programmée'),
      h('dt', {}, 'État'), h('dd', {}, STATUS[request.status] || request.status),
      w ? [h('dt', {}, 'Né(e) le'), h('dd', {}, dateFr(w.birth_date)), h('dt', {}, 'Poste'), h('dd', {}, w.job_title),
        h('dt', {}, 'Catégorie'), h('dd', {}, `${w.category || '—'} : ${(w.category_reasons || []).join(' ')}`),
        h('dt', {}, 'Expositions déclarées'), h('dd', {}, (w.exposures || []).map(riskLabel).join(', ') || 'aucune')] : null)));
  try {
    const nv = await api(`/tracking/workers/${request.worker_id}/next-visits`);
    main.append(h('section', { 'aria-labelledby': 'next' }, h('h2', { id: 'next' }, 'Prochaines visites dues'),
      h('ul', {}, nv.visits.map((x) => h('li', {}, x.explanation, ...extraBasis(x))))));
  } catch { /* no category yet */ }

  // The DMST: health professionals only, the worker's opposition obeyed by the server.
  const dmst = h('section', { 'aria-labelledby': 'dmst' }, h('h2', { id: 'dmst' }, 'Dossier médical en santé au travail'));
  main.append(dmst);
  if (!health) {
    dmst.append(notice('info', 'Contenu médical masqué : il est réservé au médecin du travail et à l\'infirmier (secret médical). Votre rôle n\'y a pas accès.'));
  } else {
    const entries = h('div');
    let refused = false;
    const load = async () => {
      try {
        const d = await api(`/tracking/dmst/${request.worker_id}`);
        const list = d.entries || [];
        const file = d.dmst || d;
        entries.replaceChildren(...[
          file.opposition_other_professionals ? notice('info', 'Le salarié s\'oppose à l\'accès des autres professionnels de santé que le médecin du travail.') : null,
          list.length ? table('Entrées du dossier', ['Date', 'Nature', 'Texte'], list.map((e) => [dateFr(e.date || e.entry_date), KIND_NAMES[e.kind] || e.kind, e.text || e.entry_text || ''])) : h('p', {}, 'Aucune entrée.')].filter(Boolean));
      } catch (err) {
        if (err.status === 404) entries.replaceChildren(h('p', {}, 'Pas encore de dossier : la première entrée l\'ouvre.'));
        else if (err.status === 403) { refused = true; entries.replaceChildren(notice('error', err.message)); }
        else throw err;
      }
    };
    await load();
    dmst.append(entries);
    if (!refused) dmst.append(form('Ajouter une entrée au dossier', [
      field('kind', 'Nature', { required: true, choices: KINDS }),
      field('date', 'Date', { type: 'date', required: true, value: slot ? slot.starts_at.slice(0, 10) : '' }),
      field('text', 'Texte', { type: 'textarea', required: true }),
    ], 'Ajouter l\'entrée', async (x, f) => {
      await api(`/tracking/dmst/${request.worker_id}/entries`, { method: 'POST', body: x });
      f.querySelector('textarea').value = '';
      await load();
      say('ok', 'Entrée ajoutée au dossier.');
    }));
  }

  if (health && request.status === 'scheduled') {
    main.append(form('Conclusions de la visite', [
      field('held_on', 'Date de la visite', { type: 'date', required: true, value: slot ? slot.starts_at.slice(0, 10) : '' }),
      field('document', 'Document remis', { required: true, choices: DOCS }),
      field('remarks', 'Remarques pour l\'employeur (sans information médicale)', { type: 'textarea' }),
      field('adj_kind', 'Aménagement proposé', { choices: ADJ }),
      field('adj_text', 'Description de l\'aménagement', { type: 'textarea' }),
      field('risks', 'Ordonnance de prévention : risques (un par ligne)', { type: 'textarea' }),
      field('advice', 'Ordonnance de prévention : conseils (un par ligne)', { type: 'textarea' }),
      field('next_visit_on', 'Prochaine visite du protocole', { type: 'date' }),
      field('note', 'Note médicale (au dossier seulement)', { type: 'textarea' }),
    ], 'Enregistrer les conclusions', async (x) => {
      const body = { held_on: x.held_on, document: x.document };
      if (x.remarks) body.remarks = x.remarks;
      if (x.adj_kind) body.adjustments = [{ kind: x.adj_kind, description: x.adj_text || '' }];
      if (lines(x.risks).length || lines(x.advice).length) body.ordonnance = { risks: lines(x.risks), advice: lines(x.advice) };
      if (x.next_visit_on) body.next_visit_on = x.next_visit_on;
      if (x.note) body.notes = [{ kind: 'observation', text: x.note }];
      await api(`/tracking/visits/${request.id}/outcome`, { method: 'POST', body });
      location.assign(url('tracking', 'visite.html', { id: request.id, fait: 1 }));
    }));
  }
  if (request.status === 'scheduled') {
    main.append(h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', onclick: async () => {
      if (!confirm('Le salarié ne s\'est pas présenté : l\'enregistrer ?')) return;
      try {
        await api(`/tracking/visits/${request.id}/no-show`, { method: 'POST', body: {} });
        location.assign(url('tracking', 'visite.html', { id: request.id }));
      } catch (err) { say('error', err.message); }
    } }, 'Salarié absent')));
  }
  if (request.status === 'done') {
    if (new URLSearchParams(location.search).get('fait')) say('ok', 'Conclusions enregistrées : les documents sont émis.');
    // Only the documents this visit has, and the ordonnance for the health
    // professionals alone (the server refuses it to anyone else anyway).
    const list = await api(`/tracking/workers/${request.worker_id}/visits`).catch(() => ({ items: [] }));
    const held = (list.items || []).find((x) => x.id === request.id);
    const docs = ((held && held.documents) || []).filter((d) => d !== 'ordonnance' || health);
    const DOC_NAMES = { attestation: 'Attestation de suivi (remise au salarié et à l\'employeur)', avis: 'Avis d\'aptitude ou d\'inaptitude (remis au salarié et à l\'employeur)', ordonnance: 'Ordonnance de prévention (remise au salarié seul)' };
    main.append(h('section', { 'aria-labelledby': 'docs' }, h('h2', { id: 'docs' }, 'Documents émis'),
      docs.length ? h('ul', {}, docs.map((d) => h('li', {}, h('a', { href: `${API}/tracking/visits/${request.id}/documents/${d}.html` }, DOC_NAMES[d] || d))))
        : h('p', {}, 'Aucun document pour cette visite.')));
  }
});
