// Sensibilisation (espace adhérent, seed 3.6.1.4): the actions recommended to
// the company and why, the sessions open to it with a registration form (one
// of its workers), its registrations with cancellation, and the documents
// and e-learning links of the catalogue.
import { page, run, h, api, dateTimeFr, field, form, notice, table } from '../../portal/js/portal.js';

const KIND = { atelier: 'Atelier', elearning: 'E-learning', webinaire: 'Webinaire', document: 'Document' };
const STATUS = { confirmed: 'place confirmée', waiting: 'liste d\'attente', cancelled: 'annulée' };

run(async () => {
  const { main, company } = await page({ space: 'adherent', title: 'Sensibilisation', current: 'awareness/ateliers.html' });
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const recommended = h('section', { 'aria-labelledby': 'reco' });
  const sessions = h('section', { 'aria-labelledby': 'sess' });
  const mine = h('section', { 'aria-labelledby': 'mine' });
  const library = h('section', { 'aria-labelledby': 'lib' });
  main.append(status, recommended, sessions, mine, library);

  const workers = (await api(`/membership/companies/${company.id}/workers?limit=500`)).items
    .filter((w) => !w.end_date);

  async function refresh() {
    const reco = await api(`/awareness/companies/${company.id}/recommendations`);
    recommended.replaceChildren(h('h2', { id: 'reco' }, 'Actions recommandées pour votre entreprise'),
      reco.items.length ? table('Actions recommandées et pourquoi', ['Action', 'Type', 'Pourquoi'],
        reco.items.map((r) => [r.title, KIND[r.kind] || r.kind, r.reason]))
        : h('p', {}, 'Aucune action particulière à vous recommander pour le moment.'));

    const open = (await api('/awareness/sessions?limit=100')).items;
    const children = [h('h2', { id: 'sess' }, 'Sessions ouvertes')];
    if (!open.length) children.push(h('p', {}, 'Aucune session n\'est ouverte pour le moment.'));
    else {
      children.push(table('Sessions ouvertes aux inscriptions', ['Action', 'Date', 'Lieu ou lien', 'Places'],
        open.map((s) => [s.title, dateTimeFr(s.starts_at), s.place || 'à distance (lien envoyé avec la convocation)',
          `${Math.max(s.capacity - s.confirmed, 0)} libre(s) sur ${s.capacity}${s.waiting ? `, ${s.waiting} en attente` : ''}`])));
      if (workers.length) {
        children.push(form('Inscrire un salarié', [
          field('session', 'Session', { required: true, choices: open.map((s) => [String(s.id), `${s.title}, ${dateTimeFr(s.starts_at)}`]) }),
          field('worker_id', 'Salarié', { required: true, choices: workers.map((w) => [String(w.id), `${w.last_name} ${w.first_name}`]) }),
        ], 'Inscrire', async (v) => {
          const r = await api(`/awareness/sessions/${v.session}/registrations`, {
            method: 'POST', body: { company_id: company.id, worker_id: Number(v.worker_id) },
          });
          say('ok', r.status === 'waiting'
            ? 'La session est complète : inscription sur la liste d\'attente, vous serez convoqué si une place se libère.'
            : 'Inscription confirmée : la convocation part par courriel.');
          await refresh();
        }));
      }
    }
    sessions.replaceChildren(...children);

    const regs = (await api(`/awareness/companies/${company.id}/registrations?limit=100`)).items;
    mine.replaceChildren(h('h2', { id: 'mine' }, 'Mes inscriptions'),
      regs.length ? table('Inscriptions de l\'entreprise', ['Participant', 'Action', 'Date', 'Statut', 'Action'],
        regs.map((r) => [r.name, r.title, dateTimeFr(r.starts_at),
          r.attended === 1 ? 'présent(e)' : (STATUS[r.status] || r.status),
          r.status !== 'cancelled' && r.attended == null
            ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
              if (!confirm('Annuler cette inscription ? La place revient à la personne suivante.')) return;
              try {
                await api(`/awareness/registrations/${r.id}/cancel`, { method: 'POST', body: {} });
                say('ok', 'Inscription annulée.');
                await refresh();
              } catch (err) { say('error', err.message); }
            } }, `Annuler l'inscription de ${r.name}`) : '—']))
        : h('p', {}, 'Aucune inscription pour le moment.'));
  }

  const all = (await api('/awareness/actions?limit=200')).items.filter((a) => a.url);
  library.replaceChildren(h('h2', { id: 'lib' }, 'Documents, e-learning et webinaires'),
    all.length ? h('ul', {}, all.map((a) => h('li', {},
      h('a', { href: a.url, rel: 'noopener' }, `${a.title} (${KIND[a.kind] || a.kind})`),
      a.duration_min ? ` : ${a.duration_min} min` : '', ` — ${a.objectives}`)))
      : h('p', {}, 'Aucun document pour le moment.'));
  await refresh();
});
