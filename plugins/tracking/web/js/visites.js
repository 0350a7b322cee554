// Mes visites (espace adhérent): visits owed per worker and why, visits to
// plan in priority order with the slots offered, scheduled visits with
// cancellation, held visits with their documents, a visit request, a sick leave.
import { page, run, h, api, API, dateFr, dateTimeFr, field, form, notice, table, showErrors, deName } from '../../portal/js/portal.js';

// The articles an explanation does not already cite (it usually ends with them).
const extraBasis = (x) => {
  const rest = (x.basis || []).filter((b) => !(x.explanation || '').includes(b));
  return rest.length ? [' ', h('span', { class: 'hint' }, `(${rest.join(', ')})`)] : [];
};

const MODE = { in_person: 'sur place', teleconsultation: 'téléconsultation' };
// Visits an employer asks for (R4624-34: the employer's request; reprise
// and the others follow from a declared sick leave or from the rules).
const EMPLOYER_TYPES = ['visite_a_la_demande', 'vip_initiale', 'examen_embauche_sir', 'visite_reprise'];
const CAUSES = [['maladie', 'Maladie'], ['accident_non_professionnel', 'Accident non professionnel'],
  ['accident_trajet', 'Accident de trajet'], ['accident_travail', 'Accident du travail'],
  ['maladie_professionnelle', 'Maladie professionnelle'], ['maternite', 'Congé de maternité']];

run(async () => {
  const { main, company, roles } = await page({ space: 'adherent', title: 'Mes visites', current: 'tracking/visites.html' });
  const canBook = roles.includes('convocation');
  const types = (await api('/tracking/visit-types')).items;
  const label = (t) => (types.find((x) => x.type === t) || {}).label || t;
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const toPlan = h('section', { 'aria-labelledby': 'plan' });
  const scheduled = h('section', { 'aria-labelledby': 'sched' });
  const held = h('section', { 'aria-labelledby': 'held' });
  const owed = h('section', { 'aria-labelledby': 'owed' });
  const picker = h('div');

  async function choose(r) {
    const offer = await api(`/tracking/companies/${company.id}/slots-offered?request_id=${r.id}`);
    const slots = offer.items || offer.slots || [];
    if (!slots.length) {
      picker.replaceChildren(notice('info', `Aucun créneau n'est proposé pour l'instant pour ${r.first_name || ''} ${r.last_name || ''} : le service en ouvrira, ou vous convoquera directement.`));
      return;
    }
    const f = form(`Choisir un créneau : ${label(r.type)}`, [
      h('fieldset', { class: 'field' }, h('legend', {}, 'Créneaux proposés'), slots.map((s, i) => h('div', { class: 'field-check' },
        h('input', { type: 'radio', name: 'slot_id', id: `slot-${s.id}`, value: s.id, checked: i === 0 }),
        h('label', { for: `slot-${s.id}` }, `${dateTimeFr(s.starts_at)}, ${s.site} (${MODE[s.mode] || s.mode}, ${s.duration_min} min)`)))),
    ], 'Réserver ce créneau', async () => {
      const slot = Number(f.querySelector('input[name=slot_id]:checked').value);
      await api(`/tracking/visit-requests/${r.id}/book`, { method: 'POST', body: { slot_id: slot } });
      picker.replaceChildren();
      await refresh();
      say('ok', 'Créneau réservé. La convocation est envoyée par courriel au contact de votre entreprise, qui la remet au salarié, et au salarié lui-même s\'il a ouvert son espace salarié.');
    });
    picker.replaceChildren(f);
    f.querySelector('input').focus();
  }

  async function refresh() {
    const plan = await api(`/tracking/companies/${company.id}/visits-to-plan?limit=100`);
    toPlan.replaceChildren(h('h2', { id: 'plan' }, 'Visites à planifier'),
      plan.items.length ? table('Visites à planifier, les plus urgentes d\'abord', ['Salarié', 'Visite', 'Avant le', 'Action'],
        plan.items.map((r) => [`${r.last_name || ''} ${r.first_name || ''}`.trim() || `Salarié n° ${r.worker_id}`, r.label || label(r.type),
          r.due_before ? dateFr(r.due_before) : 'sans date limite',
          canBook ? h('button', { type: 'button', class: 'secondary', onclick: () => choose(r) }, `Choisir un créneau (${label(r.type)})`) : 'réservé au rôle Convocation']))
        : h('p', {}, 'Aucune visite à planifier.'), picker);
    const sch = await api(`/tracking/companies/${company.id}/visits?status=scheduled`);
    scheduled.replaceChildren(h('h2', { id: 'sched' }, 'Visites programmées'),
      sch.items.length ? table('Visites programmées', ['Salarié', 'Visite', 'Date et lieu', 'Action'],
        sch.items.map((v) => [`${v.worker.last_name} ${v.worker.first_name}`, v.type_label || label(v.type),
          v.slot ? `${dateTimeFr(v.slot.starts_at)}, ${v.slot.site}` : '—',
          canBook ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
            if (!confirm('Annuler cette visite ? Le salarié et le service sont prévenus.')) return;
            try {
              await api(`/tracking/visits/${v.id}/cancel`, { method: 'POST', body: { reschedule: true } });
              await refresh();
              say('ok', 'Visite annulée : elle repasse dans les visites à planifier.');
            } catch (err) { say('error', err.message); }
          } }, `Annuler ou déplacer (${v.worker.first_name} ${v.worker.last_name})`) : '—']))
        : h('p', {}, 'Aucune visite programmée.'));
    const done = await api(`/tracking/companies/${company.id}/visits?status=done`);
    held.replaceChildren(h('h2', { id: 'held' }, 'Visites réalisées'),
      done.items.length ? table('Visites réalisées et leurs documents', ['Salarié', 'Visite', 'Le', 'Documents'],
        done.items.map((v) => [`${v.worker.last_name} ${v.worker.first_name}`, v.type_label || label(v.type), dateFr(v.held_on),
          v.documents.length ? h('ul', {}, v.documents.map((d) => h('li', {}, h('a', { href: `${API}/tracking/visits/${v.id}/documents/${d}.html` },
            `${d === 'attestation' ? 'Attestation de suivi' : 'Avis'} ${deName(`${v.worker.first_name} ${v.worker.last_name}`)}`)))) : 'aucun']))
        : h('p', {}, 'Aucune visite réalisée pour le moment.'));
  }

  async function refreshOwed() {
    const due = await api(`/tracking/companies/${company.id}/due-visits?limit=500`);
    owed.replaceChildren(h('h2', { id: 'owed' }, 'Visites dues par salarié'),
      h('p', {}, 'Calculées à partir de vos déclarations et des règles du code du travail ; ouvrez « pourquoi cette date ? » pour l\'explication.'),
      table('Visites dues par salarié', ['Salarié', 'Prochaine visite', 'Échéance', 'Pourquoi'],
        due.items.map((w) => {
          const why = h('details', {}, h('summary', {}, `Pourquoi cette date ? (${w.first_name} ${w.last_name})`));
          why.addEventListener('toggle', async () => {
            if (!why.open || why.dataset.loaded) return;
            why.dataset.loaded = '1';
            try {
              const nv = await api(`/tracking/workers/${w.worker_id}/next-visits`);
              why.append(h('ul', {}, nv.visits.map((v) => h('li', {}, v.explanation, ...extraBasis(v)))));
            } catch (err) { why.append(h('p', {}, err.message)); }
          });
          return [`${w.last_name} ${w.first_name}`, w.next_type ? label(w.next_type) : 'aucune',
            w.next_due ? `${dateFr(w.next_due)}${w.overdue ? ' (en retard)' : ''}` : '—', why];
        })));
  }

  const workers = (await api(`/membership/companies/${company.id}/workers?limit=500`).catch(() => ({ items: [] }))).items.filter((w) => !w.end_date);
  const choices = workers.map((w) => [String(w.id), `${w.last_name} ${w.first_name}`]);
  const ask = canBook ? form('Demander une visite', [
    field('worker_id', 'Salarié', { required: true, choices }),
    field('type', 'Visite', { required: true, choices: types.filter((t) => EMPLOYER_TYPES.includes(t.type)).map((t) => [t.type, t.label]) }),
    field('reason', 'Motif (facultatif)', { type: 'textarea', hint: 'Pour une visite à votre demande : ce qui vous amène, sans information médicale.' }),
  ], 'Demander la visite', async (v, f) => {
    const body = { worker_id: Number(v.worker_id), company_id: company.id, type: v.type };
    if (v.reason) body.reason = v.reason;
    await api('/tracking/visit-requests', { method: 'POST', body });
    f.reset();
    await refresh();
    say('ok', 'Demande enregistrée : elle apparaît dans les visites à planifier.');
  }) : null;
  const leave = form('Déclarer un arrêt de travail', [
    h('p', {}, 'Après un arrêt d\'au moins 60 jours pour maladie ou accident non professionnel, ou 30 jours pour accident du travail, ou après un congé de maternité, une visite de reprise est due au plus tard 8 jours après le retour (R4624-31). Déclarez l\'arrêt pour que le service la prévoie à la bonne date, jamais pendant l\'arrêt.'),
    field('worker_id', 'Salarié', { required: true, choices }),
    field('cause', 'Motif de l\'arrêt', { required: true, choices: CAUSES }),
    field('start', 'Premier jour d\'arrêt', { type: 'date', required: true }),
    field('expected_end', 'Fin prévue', { type: 'date' }),
  ], 'Déclarer l\'arrêt', async (v, f) => {
    const body = { worker_id: Number(v.worker_id), company_id: company.id, cause: v.cause, start: v.start };
    if (v.expected_end) body.expected_end = v.expected_end;
    await api('/tracking/leaves', { method: 'POST', body });
    f.reset();
    say('ok', 'Arrêt de travail enregistré.');
  });
  const simResult = h('div', { tabindex: '-1' });
  const simulate = form('Simuler une embauche', [
    h('p', {}, 'Avant d\'embaucher : quelles visites seront dues, et quand ? Rien n\'est enregistré.'),
    field('birth_date', 'Date de naissance', { type: 'date', required: true }),
    field('start_date', 'Date d\'embauche prévue', { type: 'date', required: true }),
    field('contract_type', 'Contrat', { required: true, choices: [['cdi', 'CDI'], ['cdd', 'CDD'], ['interim', 'Intérim'], ['apprentissage', 'Apprentissage']] }),
    field('night_worker', 'Travail de nuit', { type: 'checkbox' }),
    field('sir_post', 'Poste à risque (SIR)', { type: 'checkbox' }),
  ], 'Simuler', async (v) => {
    const r = await api('/tracking/simulate', { method: 'POST', body: { worker: {
      birth_date: v.birth_date, start_date: v.start_date, contract_type: v.contract_type,
      night_worker: v.night_worker, sir_post: v.sir_post } } });
    const visits = r.visits || (r.result && r.result.visits) || [];
    simResult.replaceChildren(h('h3', {}, 'Résultat de la simulation'),
      visits.length ? h('ul', {}, visits.map((x) => h('li', {}, x.explanation || label(x.type))))
        : h('p', {}, 'Aucune visite ne serait due.'));
    simResult.focus();
  });
  simulate.append(simResult);
  // The what-if on one of the company's own workers: a change of post planned
  // from a date (night work, a post at risk); the visits held are taken into
  // account by the service, nothing is recorded (issue 10 item 15).
  const changeResult = h('div', { tabindex: '-1' });
  const change = choices.length ? form('Simuler un changement de poste', [
    h('p', {}, 'Avant d\'affecter un salarié à un autre poste : quelle visite sera due, et avant quelle date ? Rien n\'est enregistré.'),
    field('worker_id', 'Salarié', { required: true, choices }),
    field('assigned_on', 'Date du changement', { type: 'date', required: true }),
    field('night_worker', 'Passage au travail de nuit', { type: 'checkbox' }),
    field('sir_post', 'Passage à un poste à risque (SIR)', { type: 'checkbox' }),
  ], 'Simuler le changement', async (v) => {
    const worker = { assigned_on: v.assigned_on };
    if (v.night_worker) worker.night_worker = true;
    if (v.sir_post) worker.sir_post = true;
    const r = await api('/tracking/simulate', { method: 'POST', body: { worker_id: Number(v.worker_id), worker } });
    const visits = r.visits || [];
    changeResult.replaceChildren(h('h3', {}, 'Résultat de la simulation'),
      visits.length ? h('ul', {}, visits.map((x) => h('li', {}, x.explanation || label(x.type))))
        : h('p', {}, 'Aucune visite ne serait due.'));
    changeResult.focus();
  }) : null;
  if (change) change.append(changeResult);
  main.append(...[status, toPlan, scheduled, held, owed, ask, leave, simulate, change].filter(Boolean));
  await refresh();
  await refreshOwed();
  // The visit request form's errors name "worker_id"/"type": already fields of the form.
  void showErrors;
});
