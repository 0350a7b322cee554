// The company's users: the administrator invites colleagues and gives them roles.
import { page, run, h, api, field, form, notice, table, showErrors } from './portal.js';

const ROLES = [
  ['administrateur', 'Administrateur', 'gère les utilisateurs de l\'entreprise'],
  ['declaration', 'Déclaration', 'déclare les salariés et leurs sorties'],
  ['convocation', 'Convocation', 'planifie, déplace et annule les visites'],
  ['facturation', 'Facturation', 'voit la cotisation et les factures'],
];

function roleBoxes(prefix, checked = []) {
  return h('fieldset', { class: 'field' }, h('legend', {}, 'Rôles'),
    ROLES.map(([v, l, what]) => {
      const id = `${prefix}-${v}`;
      return h('div', { class: 'field-check' },
        h('input', { type: 'checkbox', id, name: `role-${v}`, value: v, 'data-group': 'roles', checked: checked.includes(v) }),
        h('label', { for: id }, `${l} : ${what}`));
    }));
}

run(async () => {
  const { main, company, roles } = await page({ space: 'adherent', title: 'Utilisateurs de l\'entreprise', current: 'portal/utilisateurs.html' });
  if (!roles.includes('administrateur')) {
    main.append(notice('error', 'Seul un administrateur de l\'entreprise gère ses utilisateurs.'));
    return;
  }
  const list = h('div');
  const status = h('div', { role: 'status' });
  async function refresh() {
    const users = await api(`/membership/companies/${company.id}/users`);
    list.replaceChildren(table('Utilisateurs', ['Nom', 'Adresse', 'Rôles', 'État', 'Actions'],
      users.items.map((u) => [u.name || u.email, u.email,
        h('form', { class: 'inline', 'aria-label': `Rôles de ${u.email}`, onsubmit: async (ev) => {
          ev.preventDefault();
          const f = ev.target;
          const chosen = [...f.querySelectorAll('input:checked')].map((i) => i.value);
          try {
            await api(`/membership/companies/${company.id}/users/${u.user_id}`, { method: 'PATCH', body: { roles: chosen } });
            status.replaceChildren(notice('ok', `Rôles de ${u.email} enregistrés.`));
          } catch (err) { showErrors(f, err); }
        } }, roleBoxes(`u${u.user_id}`, u.roles), h('button', { type: 'submit', class: 'secondary' }, 'Enregistrer les rôles')),
        u.invitation_pending ? 'invitation envoyée' : 'actif',
        h('button', { type: 'button', class: 'secondary', onclick: async () => {
          if (!confirm(`Retirer l'accès de ${u.email} à l'entreprise ?`)) return;
          try {
            await api(`/membership/companies/${company.id}/users/${u.user_id}`, { method: 'DELETE' });
            await refresh();
            status.replaceChildren(notice('ok', `${u.email} n'a plus accès à l'entreprise.`));
          } catch (err) { status.replaceChildren(notice('error', err.message)); }
        } }, `Retirer ${u.email}`)])));
  }
  await refresh();
  main.append(status, list, form('Inviter un collègue', [
    h('p', {}, 'Votre collègue reçoit un courriel avec un lien pour activer son compte.'),
    field('name', 'Nom et prénom', { required: true }),
    field('email', 'Adresse e-mail', { type: 'email', required: true }),
    roleBoxes('new'),
  ], 'Envoyer l\'invitation', async (v, f) => {
    await api(`/membership/companies/${company.id}/users`, { method: 'POST', body: { email: v.email, name: v.name, roles: v.roles || [] } });
    f.reset();
    await refresh();
    status.replaceChildren(notice('ok', `Invitation envoyée à ${v.email}.`));
  }));
});
