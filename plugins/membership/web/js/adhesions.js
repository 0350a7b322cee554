// Membership applications to review: approve, or reject with a reason the applicant receives.
import { page, run, h, api, dateFr, notice, table, showErrors, deName } from '../../portal/js/portal.js';

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Demandes d\'adhésion', current: 'membership/adhesions.html' });
  const status = h('div', { tabindex: '-1' });
  const list = h('div');
  const say = (kind, ...t) => { status.replaceChildren(notice(kind, ...t)); status.focus(); };
  async function refresh() {
    const apps = await api('/membership/applications?limit=100');
    list.replaceChildren(apps.items.length ? table('Demandes à examiner', ['Entreprise', 'SIRET', 'Reçue le', 'Effectif', 'Décision'],
      apps.items.map((a) => [a.legal_name, a.siret, a.submitted_on ? dateFr(a.submitted_on) : (a.created_on ? dateFr(a.created_on) : ''), String(a.headcount ?? ''),
        h('div', {},
          h('button', { type: 'button', onclick: async () => {
            try {
              const r = await api(`/membership/companies/${a.id}/approve`, { method: 'POST', body: {} });
              await refresh();
              say('ok', `${a.legal_name} est adhérente (n° ${r.member_number}) ; son contact a reçu son invitation.`);
            } catch (err) { say('error', err.message); }
          } }, `Accepter ${a.legal_name}`),
          h('form', { 'aria-label': `Refuser ${a.legal_name}`, novalidate: true, onsubmit: async (ev) => {
            ev.preventDefault();
            const f = ev.target;
            try {
              await api(`/membership/companies/${a.id}/reject`, { method: 'POST', body: { reason: f.reason.value.trim() } });
              await refresh();
              say('ok', `Demande ${deName(a.legal_name)} refusée ; le motif lui est envoyé.`);
            } catch (err) { showErrors(f, err); }
          } }, h('div', { class: 'field' }, h('label', { for: `motif-${a.id}` }, `Motif du refus pour ${a.legal_name}`),
            h('input', { id: `motif-${a.id}`, name: 'reason' })),
          h('button', { type: 'submit', class: 'secondary' }, `Refuser ${a.legal_name}`)))]))
      : h('p', {}, 'Aucune demande en attente.'));
  }
  main.append(status, list);
  await refresh();
});
