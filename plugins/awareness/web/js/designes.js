// Salariés désignés et relais (espace adhérent, seed 3.4.3 and 3.6.1.4): the
// company's designated competent employees (L4644-1) with their trainings
// through the service and their referrals to an accredited body of the
// service's directory; its relays, who receive the service's information
// mailings; and the passeport de prévention export of its workers' trainings.
import { page, run, h, api, API, dateFr, serviceToday, field, form, notice, table } from '../../portal/js/portal.js';

run(async () => {
  const { me, main, company, roles } = await page({ space: 'adherent', title: 'Salariés désignés et relais', current: 'awareness/designes.html' });
  const today = serviceToday(me);
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const designated = h('section', { 'aria-labelledby': 'designes' });
  const manage = h('div', { tabindex: '-1' }); // the forms for one designated employee
  const relays = h('section', { 'aria-labelledby': 'relais' });
  const base = `/awareness/companies/${company.id}`;

  const workers = (await api(`/membership/companies/${company.id}/workers?limit=500`)).items.filter((w) => !w.end_date);
  const bodies = (await api('/awareness/training-bodies?limit=200')).items;
  const fullName = (d) => `${d.first_name} ${d.last_name}`;

  // Ending a designation, or referring him to a training body of the directory.
  function manageOne(d) {
    const who = fullName(d);
    manage.replaceChildren(h('section', { 'aria-labelledby': 'gerer' },
      h('h2', { id: 'gerer' }, `Désignation de ${who}`),
      bodies.length ? form(`Orienter ${who} vers un organisme de formation`, [
        h('p', {}, 'Un organisme habilité de l\'annuaire du service, pour une formation que le service ne donne pas lui-même.'),
        field('body_id', 'Organisme', { required: true, choices: bodies.map((b) => [String(b.id), `${b.name} (${b.accreditation}${b.city ? `, ${b.city}` : ''})`]) }),
        field('topic', 'Formation visée', { required: true, hint: 'Par exemple « Évaluation des risques professionnels ».' }),
      ], 'Orienter', async (v) => {
        await api(`${base}/designated/${d.worker_id}/referrals`, { method: 'POST', body: { body_id: Number(v.body_id), topic: v.topic } });
        manage.replaceChildren();
        await refresh();
        say('ok', `${who} est orienté(e) vers l'organisme choisi.`);
      }) : h('p', {}, 'L\'annuaire des organismes de formation du service est vide pour le moment.'),
      form(`Mettre fin à la désignation de ${who}`, [
        field('ended_on', 'Fin de la désignation', { type: 'date', required: true, value: today }),
      ], 'Mettre fin à la désignation', async (v) => {
        await api(`${base}/designated/${d.worker_id}/end`, { method: 'POST', body: { ended_on: v.ended_on } });
        manage.replaceChildren();
        await refresh();
        say('ok', `La désignation de ${who} prend fin le ${dateFr(v.ended_on)}.`);
      })));
    manage.focus();
  }

  const trainingList = (d) => (d.trainings.length
    ? h('ul', {}, d.trainings.map((t) => h('li', {}, `${t.title}, ${dateFr(t.held_on)}${t.as_designated ? ' (en tant que salarié désigné)' : ''}`)))
    : 'aucune pour le moment');
  const referralList = (d) => (d.referrals.length
    ? h('ul', {}, d.referrals.map((r) => h('li', {}, `${r.topic} : ${r.body}, le ${dateFr(r.referred_on)}`)))
    : '—');

  async function refresh() {
    const list = (await api(`${base}/designated`)).items;
    designated.replaceChildren(h('h2', { id: 'designes' }, 'Salariés désignés compétents'),
      h('p', {}, 'L\'employeur désigne un ou plusieurs salariés compétents pour s\'occuper des activités de protection et de prévention '
        + 'des risques professionnels de l\'entreprise (article L4644-1 du Code du travail). Le service les forme ou les oriente '
        + 'vers un organisme habilité ; leurs formations figurent dans l\'export du passeport de prévention.'),
      list.length ? table('Salariés désignés de l\'entreprise', ['Salarié', 'Désigné le', 'Mission', 'Situation', 'Formations avec le service', 'Orientations', 'Gérer'],
        list.map((d) => [fullName(d), dateFr(d.designated_on), d.mission || '—', d.status_label, trainingList(d), referralList(d),
          d.current ? h('button', { type: 'button', class: 'secondary', onclick: () => manageOne(d) }, `Gérer la désignation de ${fullName(d)}`) : '—']))
        : h('p', {}, 'Aucun salarié désigné pour le moment.'),
      workers.length ? form('Désigner un salarié', [
        field('worker_id', 'Salarié', { required: true, choices: workers.map((w) => [String(w.id), `${w.last_name} ${w.first_name}`]) }),
        field('designated_on', 'Désigné à compter du', { type: 'date', required: true, value: today }),
        field('mission', 'Mission', { type: 'textarea', hint: 'Facultatif : ce dont il s\'occupe (évaluation des risques, document unique, accueil des nouveaux…).' }),
      ], 'Désigner', async (v, f) => {
        const body = { worker_id: Number(v.worker_id), designated_on: v.designated_on };
        if (v.mission) body.mission = v.mission;
        await api(`${base}/designated`, { method: 'POST', body });
        f.reset();
        await refresh();
        const w = workers.find((x) => String(x.id) === v.worker_id);
        say('ok', `${w.first_name} ${w.last_name} est désigné(e) à compter du ${dateFr(v.designated_on)}.`);
      }) : h('p', {}, 'Déclarez d\'abord vos salariés dans « Mes effectifs ».'));

    const rel = (await api(`/awareness/relays?company_id=${company.id}`)).items;
    const admin = roles.includes('administrateur'); // the portal's spelling of MEMBERSHIP_EMPLOYER_ADMIN
    relays.replaceChildren(h('h2', { id: 'relais' }, 'Relais de prévention'),
      h('p', {}, 'Les personnes de l\'entreprise qui reçoivent les informations de prévention du service (documents, modules en ligne, ateliers). '
        + 'Chacune peut se désinscrire par le lien de chaque envoi.'),
      rel.length ? table('Relais de l\'entreprise', ['Nom', 'Adresse e-mail', 'Envois', 'Retirer'],
        rel.map((r) => [r.name, r.email, r.unsubscribed ? 'désinscrit(e) : ne reçoit plus rien' : 'reçoit les envois',
          admin ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
            if (!confirm(`Retirer ${r.name} des relais ? Il ne recevra plus les envois du service.`)) return;
            try {
              await api(`/awareness/relays/${r.id}`, { method: 'DELETE' });
              await refresh();
              say('ok', `${r.name} n'est plus relais de l'entreprise.`);
            } catch (err) { say('error', err.message); }
          } }, `Retirer ${r.name}`) : 'réservé à l\'administrateur de l\'espace']))
        : h('p', {}, 'Aucun relais pour le moment.'),
      form('Ajouter un relais', [
        field('name', 'Nom et prénom', { required: true }),
        field('email', 'Adresse e-mail', { type: 'email', required: true, autocomplete: 'off' }),
      ], 'Ajouter le relais', async (v, f) => {
        await api('/awareness/relays', { method: 'POST', body: { company_id: company.id, name: v.name, email: v.email } });
        f.reset();
        await refresh();
        say('ok', `${v.name} recevra les informations de prévention du service.`);
      }));
  }

  const passeport = h('section', { 'aria-labelledby': 'passeport' },
    h('h2', { id: 'passeport' }, 'Passeport de prévention'),
    h('p', {}, 'Les formations que vos salariés ont suivies avec le service (les salariés désignés en premier), '
      + 'dans un fichier CSV à reporter dans leur passeport de prévention.'),
    h('p', {}, h('a', { href: `${API}${base}/passeport.csv`, download: `passeport-prevention-${company.id}.csv` },
      'Télécharger l\'export du passeport de prévention (CSV)')));

  main.append(status, designated, manage, relays, passeport);
  await refresh();
});
