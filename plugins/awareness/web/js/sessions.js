// Sessions de sensibilisation (espace de l'équipe, seed 3.4.1): program a
// session of a workshop or a webinar, see each session's registrations and
// its waiting list, and record who came once it has begun (the attendance
// sheet: present or absent for each confirmed place).
import { page, run, h, api, dateTimeFr, field, form, notice, table } from '../../portal/js/portal.js';

const STATUS = { confirmed: 'place confirmée', waiting: 'liste d\'attente', cancelled: 'annulée' };

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Sessions de sensibilisation', current: 'awareness/sessions.html' });
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const coming = h('section', { 'aria-labelledby': 'venir' });
  const begun = h('section', { 'aria-labelledby': 'emarger' });
  // Filled when a session is chosen (a section is named by its heading).
  const detail = h('div', { tabindex: '-1' });
  const names = new Map();

  // A company's name (staff read any company), fetched once.
  async function companyName(id) {
    if (!names.has(id)) {
      const c = await api(`/membership/companies/${id}`).catch(() => null);
      names.set(id, (c && (c.legal_name || (c.company && c.company.legal_name))) || `entreprise n° ${id}`);
    }
    return names.get(id);
  }

  const where = (s) => s.place || (s.link ? `à distance : ${s.link}` : '');
  const label = (s) => `${s.title}, ${dateTimeFr(s.starts_at)}`;

  async function show(s, sheet) {
    const regs = (await api(`/awareness/sessions/${s.id}/registrations`)).items;
    for (const r of regs) await companyName(r.company_id);
    const children = [h('h2', { id: 'detail' }, `Inscriptions : ${label(s)}`),
      h('p', {}, `${s.confirmed} place(s) confirmée(s) sur ${s.capacity}, ${s.waiting} personne(s) en liste d'attente.`)];
    children.push(regs.length
      ? table(`Inscrits à la session ${label(s)}`, ['Participant', 'Entreprise', 'Statut', 'Présence'],
        regs.map((r) => [r.name, names.get(r.company_id),
          r.status === 'waiting' ? `liste d'attente (rang ${r.waiting_rank})` : (STATUS[r.status] || r.status),
          r.attended === 1 ? 'présent(e)' : r.attended === 0 ? 'absent(e)' : '—']))
      : h('p', {}, 'Personne n\'est inscrit à cette session.'));
    const confirmed = regs.filter((r) => r.status === 'confirmed');
    if (sheet && confirmed.length) {
      const sheetForm = h('form', { class: 'card', 'aria-label': `Feuille de présence de la session ${label(s)}`, novalidate: true },
        h('h3', {}, 'Feuille de présence'),
        h('p', { class: 'hint' }, 'Cochez les personnes venues ; les autres places confirmées sont notées absentes.'),
        ...confirmed.map((r) => h('div', { class: 'field field-check' },
          h('input', { type: 'checkbox', id: `present-${r.id}`, name: 'present', value: String(r.id), checked: r.attended === 1 }),
          h('label', { for: `present-${r.id}` }, `Présent : ${r.name} (${names.get(r.company_id)})`))),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Enregistrer les présences')));
      sheetForm.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        const boxes = [...sheetForm.querySelectorAll('input[name=present]')];
        try {
          await api(`/awareness/sessions/${s.id}/attendance`, { method: 'POST', body: {
            present: boxes.filter((b) => b.checked).map((b) => Number(b.value)),
            absent: boxes.filter((b) => !b.checked).map((b) => Number(b.value)),
          } });
          await refresh();
          say('ok', `Présences enregistrées pour la session ${label(s)}.`);
          await show({ ...s, ...(await api(`/awareness/sessions/${s.id}`)) }, true);
        } catch (err) { say('error', err.message); }
      });
      children.push(sheetForm);
    }
    // A session to come may be cancelled by the service: every place is
    // cancelled and each company and participant is told why by mail.
    if (!sheet && s.status === 'planned') {
      children.push(form(`Annuler la session ${label(s)}`, [
        field('reason', 'Motif de l\'annulation', { type: 'textarea', required: true, hint: 'Il est envoyé aux entreprises et aux participants inscrits.' }),
      ], 'Annuler la session', async (v) => {
        const r = await api(`/awareness/sessions/${s.id}/cancel`, { method: 'POST', body: { reason: v.reason } });
        detail.replaceChildren();
        await refresh();
        say('ok', `Session ${label(s)} annulée : ${r.places_cancelled} inscription(s) annulée(s), chacun prévenu par courriel.`);
      }));
    }
    detail.replaceChildren(h('section', { 'aria-labelledby': 'detail' }, ...children));
    detail.focus();
  }

  const button = (text, fn) => h('button', { type: 'button', class: 'secondary', onclick: async () => {
    try { await fn(); } catch (err) { say('error', err.message); }
  } }, text);

  async function refresh() {
    const next = (await api('/awareness/sessions?limit=100')).items;
    coming.replaceChildren(h('h2', { id: 'venir' }, 'Sessions à venir'),
      next.length ? table('Sessions à venir', ['Action', 'Date', 'Lieu ou lien', 'Intervenant', 'Places', 'Inscriptions'],
        next.map((s) => [s.title, dateTimeFr(s.starts_at), where(s), s.speaker || '—',
          `${s.confirmed} sur ${s.capacity}${s.waiting ? `, ${s.waiting} en attente` : ''}`,
          button(`Voir les inscrits de la session ${label(s)}`, () => show(s, false))]))
        : h('p', {}, 'Aucune session programmée.'));
    const past = (await api('/awareness/sessions?past=1&limit=50')).items;
    begun.replaceChildren(h('h2', { id: 'emarger' }, 'Sessions commencées : présences'),
      past.length ? table('Sessions commencées', ['Action', 'Date', 'Lieu ou lien', 'État', 'Présences'],
        past.map((s) => [s.title, dateTimeFr(s.starts_at), where(s),
          s.status === 'held' ? 'présences enregistrées' : 'présences à enregistrer',
          button(`Émarger la session ${label(s)}`, () => show(s, true))]))
        : h('p', {}, 'Aucune session n\'a encore commencé.'));
  }

  const actions = (await api('/awareness/actions?limit=200')).items
    .filter((a) => a.kind === 'atelier' || a.kind === 'webinaire');
  await refresh();
  main.append(status,
    actions.length ? form('Programmer une session', [
      field('action_id', 'Atelier ou webinaire', { required: true, choices: actions.map((a) => [String(a.id), a.title]) }),
      field('starts_at', 'Début (date et heure)', { type: 'datetime-local', required: true }),
      field('duration_min', 'Durée (minutes)', { type: 'number', hint: 'Laissez vide pour la durée prévue de l\'action.' }),
      field('place', 'Lieu', { hint: 'Pour un atelier dans l\'entreprise ou au service.' }),
      field('link', 'Lien de la session à distance', { type: 'url', hint: 'Pour un webinaire ou un atelier à distance.' }),
      field('capacity', 'Nombre de places', { type: 'number', required: true, value: 12 }),
      field('speaker', 'Intervenant'),
    ], 'Programmer', async (v) => {
      const body = { action_id: Number(v.action_id), starts_at: v.starts_at.slice(0, 16), capacity: Number(v.capacity) };
      if (v.duration_min) body.duration_min = Number(v.duration_min);
      for (const k of ['place', 'link', 'speaker']) if (v[k]) body[k] = v[k];
      const s = await api('/awareness/sessions', { method: 'POST', body });
      await refresh();
      say('ok', `Session programmée : ${label(s)}.`);
    }) : h('p', {}, 'Le catalogue n\'a ni atelier ni webinaire : ajoutez-en un pour programmer une session.'),
    coming, begun, detail);
});
