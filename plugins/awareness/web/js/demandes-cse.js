// Demandes d'intervention au CSE (espace de l'équipe, seed 3.4.2): the desk's
// queue of the companies' requests for a professional at their CSE meeting;
// for one request, the agenda, the company's activity with the service (the
// sessions it attended, the advice it received, its earlier requests), the
// professional to send (the company is told by mail) and, once the meeting
// has taken place, what was presented.
import { page, run, h, api, dateFr, serviceToday, field, form, notice, table } from '../../portal/js/portal.js';

const STATUS = { requested: 'à attribuer', assigned: 'intervenant désigné', held: 'réunion tenue' };
const KIND = { atelier: 'atelier', elearning: 'e-learning', webinaire: 'webinaire', document: 'document' };

run(async () => {
  const { me, main } = await page({ space: 'equipe', title: 'Demandes d\'intervention au CSE', current: 'awareness/demandes-cse.html' });
  const today = serviceToday(me); // a report is written from the meeting's day
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const queue = h('section', { 'aria-labelledby': 'file' });
  const detail = h('div', { tabindex: '-1' }); // the request opened
  const names = new Map();
  let shown = ''; // the status filter

  async function companyName(id) {
    if (!names.has(id)) {
      const c = await api(`/membership/companies/${id}`).catch(() => null);
      names.set(id, (c && (c.legal_name || (c.company && c.company.legal_name))) || `entreprise n° ${id}`);
    }
    return names.get(id);
  }
  const team = (await api('/awareness/cse-professionals')).items;
  const label = (q) => `${names.get(q.company_id)}, réunion du ${dateFr(q.meeting_on)}`;
  const list = (items, empty, fn) => (items.length ? h('ul', {}, items.map((x) => h('li', {}, fn(x)))) : h('p', {}, empty));

  async function open(id) {
    const q = await api(`/awareness/cse-requests/${id}`);
    await companyName(q.company_id);
    const a = q.activity;
    const children = [h('h2', { id: 'demande' }, `Demande de ${label(q)}`),
      h('p', {}, `État : ${STATUS[q.status] || q.status}${q.professional_name ? ` ; intervenant : ${q.professional_name}` : ''}.`),
      h('h3', {}, 'Ordre du jour'), list(q.agenda || [], 'Aucun point indiqué.', (p) => p),
      h('h3', {}, 'Activité de l\'entreprise avec le service'),
      h('h4', {}, 'Sensibilisations suivies'),
      list(a.sessions, 'Aucune session suivie.', (s) => `${s.title} (${KIND[s.kind] || s.kind}), ${dateFr(s.held_on)} : ${s.participants} participant(s)`),
      h('h4', {}, 'Conseils reçus'),
      list(a.advice, 'Aucun conseil enregistré.', (c) => `${c.label}, ${dateFr(c.given_on)}`),
      h('h4', {}, 'Demandes précédentes au CSE'),
      list(a.cse_requests, 'Aucune demande précédente.', (p) => `Réunion du ${dateFr(p.meeting_on)} (${STATUS[p.status] || p.status})`
        + `${p.professional_name ? `, ${p.professional_name}` : ''}${p.presented ? ` : ${p.presented}` : ''}`),
      h('h4', {}, 'Baromètre'),
      h('p', {}, q.barometer ? 'Le baromètre de l\'entreprise est joint à la demande.' : 'Le service n\'a pas encore de baromètre pour cette entreprise.')];
    if (q.status === 'requested' || q.status === 'assigned') {
      children.push(form(`Désigner l'intervenant pour ${label(q)}`, [
        field('professional_id', 'Intervenant', { required: true, value: q.professional_id ? String(q.professional_id) : undefined,
          choices: team.map((t) => [String(t.id), `${t.name}, ${t.role_label}`]) }),
        h('p', { class: 'hint' }, 'L\'entreprise reçoit par courriel son nom, sa fonction et la date de la réunion.'),
      ], q.status === 'assigned' ? 'Changer d\'intervenant' : 'Désigner', async (v) => {
        const r = await api(`/awareness/cse-requests/${q.id}/assign`, { method: 'POST', body: { professional_id: Number(v.professional_id) } });
        await refresh();
        await open(q.id);
        say('ok', `${r.professional_name} interviendra au CSE de ${names.get(q.company_id)} le ${dateFr(q.meeting_on)} ; l'entreprise est prévenue par courriel.`);
      }));
    }
    if (q.status === 'assigned' && q.meeting_on > today) {
      children.push(h('p', {}, `Le compte rendu de ce qui a été présenté se note à partir du jour de la réunion, le ${dateFr(q.meeting_on)}.`));
    } else if (q.status === 'assigned') {
      children.push(form(`Compte rendu de la réunion de ${label(q)}`, [
        field('presented', 'Ce qui a été présenté', { type: 'textarea', required: true, hint: 'À noter le jour de la réunion ou après.' }),
      ], 'Enregistrer le compte rendu', async (v) => {
        await api(`/awareness/cse-requests/${q.id}/record`, { method: 'POST', body: { presented: v.presented } });
        await refresh();
        await open(q.id);
        say('ok', `Compte rendu enregistré pour ${label(q)}.`);
      }));
    }
    if (q.presented) children.push(h('h3', {}, 'Ce qui a été présenté'), h('p', {}, q.presented));
    detail.replaceChildren(h('section', { 'aria-labelledby': 'demande' }, ...children));
    detail.focus();
  }

  async function refresh() {
    const items = (await api(`/awareness/cse-requests${shown ? `?status=${shown}` : ''}`)).items;
    for (const q of items) await companyName(q.company_id);
    queue.replaceChildren(h('h2', { id: 'file' }, 'Demandes'),
      items.length ? table('Demandes d\'intervention au CSE', ['Entreprise', 'Réunion', 'Ordre du jour', 'État', 'Intervenant', 'Ouvrir'],
        items.map((q) => [names.get(q.company_id), dateFr(q.meeting_on), (q.agenda || []).join(' ; ') || '—', STATUS[q.status] || q.status, q.professional_name || '—',
          h('button', { type: 'button', class: 'secondary', onclick: () => open(q.id).catch((err) => say('error', err.message)) },
            `Ouvrir la demande de ${label(q)}`)]))
        : h('p', {}, 'Aucune demande.'));
  }

  main.append(status, form('Filtrer les demandes', [
    field('status', 'État', { choices: [['', 'toutes'], ['requested', 'à attribuer'], ['assigned', 'intervenant désigné'], ['held', 'réunion tenue']] }),
  ], 'Afficher', async (v) => { shown = v.status; await refresh(); }), queue, detail);
  await refresh();
});
