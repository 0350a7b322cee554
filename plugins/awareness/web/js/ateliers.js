// Sensibilisation (espace adhérent, seed 3.6.1.4): the actions recommended to
// the company and why, the sessions open to it with a registration form (one
// of its workers), its registrations with cancellation and, for those who
// came, the satisfaction and utility questionnaire; the CSE expertise the
// company asks for (3.4.2); the documents and e-learning links of the catalogue.
import { page, run, h, api, dateFr, dateTimeFr, field, form, notice, table } from '../../portal/js/portal.js';

const KIND = { atelier: 'Atelier', elearning: 'E-learning', webinaire: 'Webinaire', document: 'Document' };
const STATUS = { confirmed: 'place confirmée', waiting: 'liste d\'attente', cancelled: 'annulée' };
const CSE = { requested: 'demande reçue', assigned: 'intervenant désigné', held: 'réunion tenue' };
const SCALE = [['5', '5 : tout à fait'], ['4', '4 : plutôt oui'], ['3', '3 : moyennement'], ['2', '2 : plutôt non'], ['1', '1 : pas du tout']];

run(async () => {
  const { main, company } = await page({ space: 'adherent', title: 'Sensibilisation', current: 'awareness/ateliers.html' });
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const recommended = h('section', { 'aria-labelledby': 'reco' });
  const sessions = h('section', { 'aria-labelledby': 'sess' });
  const mine = h('section', { 'aria-labelledby': 'mine' });
  const opinion = h('div', { tabindex: '-1' }); // the questionnaire, when asked for
  const cse = h('section', { 'aria-labelledby': 'cse' });
  const library = h('section', { 'aria-labelledby': 'lib' });
  main.append(status, recommended, sessions, mine, opinion, cse, library);

  // The questionnaire of one participant who came (once per registration).
  function ask(r) {
    opinion.replaceChildren(h('section', { 'aria-labelledby': 'avis' },
      h('h2', { id: 'avis' }, `Questionnaire : ${r.name}, ${r.title}`),
      form(`Avis de ${r.name} sur ${r.title}`, [
        field('satisfaction', 'Satisfaction : l\'atelier vous a-t-il plu ?', { required: true, choices: SCALE }),
        field('utility', 'Utilité : vous servira-t-il dans votre travail ?', { required: true, choices: SCALE }),
        field('comment', 'Commentaire', { type: 'textarea', hint: 'Facultatif : ce qui vous a manqué, ce que vous retenez.' }),
      ], 'Envoyer l\'avis', async (v) => {
        const body = { satisfaction: Number(v.satisfaction), utility: Number(v.utility) };
        if (v.comment) body.comment = v.comment;
        await api(`/awareness/registrations/${r.id}/feedback`, { method: 'POST', body });
        opinion.replaceChildren();
        await refresh();
        say('ok', `Merci : l'avis de ${r.name} est enregistré.`);
      }, { noTitle: true })));
    opinion.focus();
  }

  const workers = (await api(`/membership/companies/${company.id}/workers?limit=500`)).items
    .filter((w) => !w.end_date);

  // The catalogue's actions with a link (documents, e-learning, webinars).
  const linked = new Map((await api('/awareness/actions?limit=200')).items.filter((a) => a.url).map((a) => [a.id, a]));
  let recommendedIds = new Set();

  async function refresh() {
    const reco = await api(`/awareness/companies/${company.id}/recommendations`);
    const open = (await api('/awareness/sessions?limit=100')).items;
    recommendedIds = new Set(reco.items.map((r) => r.action_id));
    // For each recommendation, what the company can do now: a session to
    // register a worker to (the form below), or the link to open.
    const next = (r) => {
      const s = open.find((x) => x.action_id === r.action_id);
      if (s) return `Prochaine session : ${dateTimeFr(s.starts_at)} (inscription ci-dessous)`;
      const a = linked.get(r.action_id);
      if (a) return h('a', { href: a.url, rel: 'noopener' }, `Ouvrir « ${a.title} »`);
      return 'Pas de session ouverte : le service vous préviendra';
    };
    recommended.replaceChildren(h('h2', { id: 'reco' }, 'Actions recommandées pour votre entreprise'),
      reco.items.length ? table('Actions recommandées et pourquoi', ['Action', 'Type', 'Pourquoi', 'Comment en bénéficier'],
        reco.items.map((r) => [r.title, KIND[r.kind] || r.kind, r.reason, next(r)]))
        : h('p', {}, 'Aucune action particulière à vous recommander pour le moment.'));

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
          await refresh();
          say('ok', r.status === 'waiting'
            ? 'La session est complète : inscription sur la liste d\'attente, vous serez convoqué si une place se libère.'
            : 'Inscription confirmée : la convocation part par courriel.');
        }));
      }
    }
    sessions.replaceChildren(...children);

    const regs = (await api(`/awareness/companies/${company.id}/registrations?limit=100`)).items;
    mine.replaceChildren(h('h2', { id: 'mine' }, 'Mes inscriptions'),
      regs.length ? table('Inscriptions de l\'entreprise', ['Participant', 'Atelier', 'Date', 'Statut', 'Que faire'],
        regs.map((r) => [r.name, r.title, dateTimeFr(r.starts_at),
          r.attended === 1 ? 'présent(e)' : (STATUS[r.status] || r.status),
          r.attended === 1 && !r.answered
            ? h('button', { type: 'button', class: 'secondary', onclick: () => ask(r) }, `Donner l'avis de ${r.name}`)
            : r.status !== 'cancelled' && r.attended == null
            ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
              if (!confirm('Annuler cette inscription ? La place revient à la personne suivante.')) return;
              try {
                await api(`/awareness/registrations/${r.id}/cancel`, { method: 'POST', body: {} });
                await refresh();
                say('ok', 'Inscription annulée.');
              } catch (err) { say('error', err.message); }
            } }, `Annuler l'inscription de ${r.name}`) : r.answered ? 'avis donné' : '—']))
        : h('p', {}, 'Aucune inscription pour le moment.'));
  }

  async function refreshCse() {
    const reqs = (await api(`/awareness/companies/${company.id}/cse-requests`)).items;
    cse.replaceChildren(h('h2', { id: 'cse' }, 'Un intervenant du service à votre CSE'),
      h('p', {}, 'Quand l\'ordre du jour de votre comité social et économique le demande, un professionnel du service vient y apporter son expertise.'),
      reqs.length ? table('Vos demandes d\'intervention au CSE', ['Réunion', 'Ordre du jour', 'État', 'Intervenant'],
        reqs.map((q) => [dateFr(q.meeting_on), (q.agenda || []).join(' ; '), CSE[q.status] || q.status, q.professional_name || '—']))
        : h('p', {}, 'Aucune demande pour le moment.'),
      form('Demander un intervenant pour votre CSE', [
        field('meeting_on', 'Date de la réunion', { type: 'date', required: true }),
        field('agenda', 'Points de l\'ordre du jour (un par ligne)', { type: 'textarea', required: true }),
      ], 'Envoyer la demande', async (v) => {
        await api(`/awareness/companies/${company.id}/cse-requests`, { method: 'POST', body: {
          meeting_on: v.meeting_on, agenda: v.agenda.split('\n').map((x) => x.trim()).filter(Boolean) } });
        await refreshCse();
        say('ok', 'Demande envoyée : le service vous dira qui viendra.');
      }));
  }
  await refreshCse();

  await refresh();
  // The documents meant for the company first: those recommended to it for
  // its risks, its activity and its needs (3.6.1.4), then the rest.
  const item = (a) => h('li', {},
    h('a', { href: a.url, rel: 'noopener' }, `${a.title} (${KIND[a.kind] || a.kind})`),
    a.duration_min ? ` : ${a.duration_min} min` : '', ` — ${a.objectives}`);
  const forUs = [...linked.values()].filter((a) => recommendedIds.has(a.id));
  const others = [...linked.values()].filter((a) => !recommendedIds.has(a.id));
  library.replaceChildren(h('h2', { id: 'lib' }, 'Documents, e-learning et webinaires'),
    ...(forUs.length ? [h('h3', {}, 'Pour votre entreprise'), h('ul', {}, forUs.map(item))] : []),
    ...(others.length ? [h('h3', {}, forUs.length ? 'Les autres ressources du service' : 'Les ressources du service'), h('ul', {}, others.map(item))] : []),
    ...(linked.size ? [] : [h('p', {}, 'Aucun document pour le moment.')]));
});
