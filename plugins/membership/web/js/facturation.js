// Billing: the year's fee and how it is computed, the invoices.
import { page, run, h, api, API, dateFr, euros, notice, table } from '../../portal/js/portal.js';

const STATUS = { issued: 'à régler', paid: 'réglée', cancelled: 'annulée' };

run(async () => {
  const { main, company, roles } = await page({ space: 'adherent', title: 'Cotisation et factures', current: 'membership/facturation.html' });
  if (!roles.includes('facturation')) {
    main.append(notice('error', 'Votre rôle dans l\'entreprise ne comprend pas la facturation : demandez-le à son administrateur.'));
    return;
  }
  try {
    const fee = await api(`/membership/companies/${company.id}/fee`);
    main.append(h('section', { class: 'card', 'aria-labelledby': 'fee' }, h('h2', { id: 'fee' }, `Cotisation ${fee.year}`),
      h('p', {}, `${euros(fee.total)} pour ${fee.units} salarié(s), soit ${euros(fee.amount_per_worker)} par salarié.`),
      h('ul', {}, fee.lines.map((l) => h('li', {}, `${l.label} : ${euros(l.amount)}`))),
      fee.band && fee.band.applies ? h('p', { class: 'hint' }, `Fourchette légale par salarié : de ${euros(fee.band.min)} à ${euros(fee.band.max)} (${fee.band.basis}).`) : null));
  } catch (err) {
    main.append(notice('info', `Cotisation : ${err.message}`));
  }
  const inv = await api(`/membership/companies/${company.id}/invoices`);
  main.append(h('section', { 'aria-labelledby': 'inv' }, h('h2', { id: 'inv' }, 'Factures'),
    inv.items.length ? table('Factures', ['Facture', 'Émise le', 'Échéance', 'Montant', 'État', 'Document'],
      inv.items.map((i) => [i.number, dateFr(i.issued_on), dateFr(i.due_date), euros(i.total), STATUS[i.status] || i.status,
        h('a', { href: `${API}/membership/companies/${company.id}/invoices/${i.id}/document` }, `Facture ${i.number} à imprimer`)]))
      : h('p', {}, 'Aucune facture pour le moment.')),
  h('section', { class: 'card', 'aria-labelledby': 'sepa' }, h('h2', { id: 'sepa' }, 'Prélèvement SEPA'),
    h('p', {}, 'Le mandat de prélèvement n\'est pas encore géré en ligne : pour mettre en place ou modifier un prélèvement, contactez le service.')));
});
