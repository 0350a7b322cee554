// The member company's home: its membership, what to do next, its prevention score.
import { page, run, h, url, api, dateFr, euros, notice, table } from './portal.js';

const ROLE_LABELS = { administrateur: 'administrateur', declaration: 'déclaration des salariés', convocation: 'convocations', facturation: 'facturation' };
const STATUS = { applied: 'demande d\'adhésion en cours d\'examen', member: 'adhérente', rejected: 'demande refusée', left: 'a quitté le service' };

run(async () => {
  const { main, company, roles, mine } = await page({ space: 'adherent', title: 'Accueil de l\'espace adhérent', current: 'portal/adherent.html' });
  if (!company) {
    main.append(notice('info', 'Votre compte n\'est rattaché à aucune entreprise pour le moment.'));
    return;
  }
  const q = mine.length > 1 ? { entreprise: company.id } : null;
  if (mine.length > 1) {
    main.append(h('nav', { 'aria-label': 'Mes entreprises' }, h('p', {}, 'Vos entreprises : '),
      h('ul', {}, mine.map((c) => h('li', {}, h('a', { href: url('portal', 'adherent.html', { entreprise: c.id }),
        'aria-current': c.id === company.id ? 'page' : null }, c.legal_name))))));
  }
  main.append(h('section', { class: 'card', 'aria-labelledby': 'ent' },
    h('h2', { id: 'ent' }, company.legal_name),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Adhésion'), h('dd', {}, STATUS[company.status] || company.status),
      h('dt', {}, 'N° d\'adhérent'), h('dd', {}, company.member_number || '—'),
      h('dt', {}, 'SIRET'), h('dd', {}, company.siret),
      h('dt', {}, 'Adhérente depuis le'), h('dd', {}, company.joined_on ? dateFr(company.joined_on) : '—'),
      h('dt', {}, 'Vos rôles'), h('dd', {}, roles.map((r) => ROLE_LABELS[r] || r).join(', ') || 'aucun'))));

  const todo = h('ul');
  const todoCard = h('section', { class: 'card', 'aria-labelledby': 'todo' }, h('h2', { id: 'todo' }, 'À faire'), todo);
  main.append(todoCard);
  try {
    const due = await api(`/tracking/companies/${company.id}/due-visits?limit=500`);
    const overdue = due.items.filter((w) => w.overdue > 0).length;
    const plan = await api(`/tracking/companies/${company.id}/visits-to-plan?limit=500`);
    todo.append(h('li', {}, overdue
      ? `${overdue} salarié(s) ont une visite en retard. `
      : 'Aucune visite en retard. ', h('a', { href: url('tracking', 'visites.html', q) }, 'Voir mes visites')));
    if (plan.items.length) todo.append(h('li', {}, `${plan.items.length} visite(s) à planifier : choisissez un créneau. `,
      h('a', { href: url('tracking', 'visites.html', q) }, 'Planifier')));
  } catch { /* tracking not enabled, or no right: nothing to show */ }
  if (roles.includes('facturation')) {
    try {
      const inv = await api(`/membership/companies/${company.id}/invoices`);
      const unpaid = inv.items.filter((i) => i.status === 'issued' || i.status === 'overdue');
      todo.append(h('li', {}, unpaid.length
        ? `${unpaid.length} facture(s) à régler (${euros(unpaid.reduce((s, i) => s + Number(i.total || 0), 0))}). `
        : 'Aucune facture à régler. ', h('a', { href: url('membership', 'facturation.html', q) }, 'Voir la facturation')));
    } catch { /* no billing */ }
  }
  if (!todo.children.length) todo.append(h('li', {}, 'Rien d\'urgent pour le moment.'));

  try {
    const s = await api(`/membership/companies/${company.id}/prevention-score`);
    const max = s.details.reduce((a, d) => a + d.max, 0);
    main.append(h('section', { class: 'card', 'aria-labelledby': 'score' },
      h('h2', { id: 'score' }, 'Score de culture de prévention'),
      h('p', {}, `Votre score : ${s.score} sur ${max}. Il reflète ce que vous avez mis en place ; le service s'en sert pour vous proposer des actions adaptées.`),
      table('Détail du score', ['Question', 'Votre réponse', 'Points'],
        s.details.map((d) => [d.label, d.answer ? 'oui' : 'non', `${d.points} / ${d.max}`]))));
  } catch { /* no score yet */ }
});
