// Planning (assistante, administration): professionals, slots one by one or
// as a series, the automatic assignment, what it could not place and why,
// booking by hand.
import { page, run, h, api, dateFr, dateTimeFr, field, form, notice, table } from '../../portal/js/portal.js';

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Planning', current: 'tracking/planning.html' });
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...t) => { status.replaceChildren(notice(kind, ...t)); status.focus(); };
  const pros = h('section', { 'aria-labelledby': 'pros' });
  const unplaced = h('section', { 'aria-labelledby': 'unpl' });
  let professionals = [];

  async function refresh() {
    professionals = (await api('/tracking/professionals')).items;
    pros.replaceChildren(h('h2', { id: 'pros' }, 'Professionnels de santé au planning'),
      professionals.length ? table('Professionnels', ['Professionnel', 'Rôle', 'Site', 'Téléconsultation'], professionals.map((p) => [p.display_name || `compte n° ${p.user_id}`, p.role === 'medecin' ? 'médecin du travail' : 'infirmier', p.site, p.teleconsultation ? 'oui' : 'non']))
        : h('p', {}, 'Aucun professionnel inscrit.'));
    const u = await api('/tracking/assignments/unplaced');
    // Open slots: free, or offered to the companies' choice; soonest first.
    const free = [...(await api('/tracking/slots?status=free&limit=100')).items,
      ...(await api('/tracking/slots?status=offered&limit=100')).items].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
    unplaced.replaceChildren(h('h2', { id: 'unpl' }, 'Demandes non placées'),
      u.items.length ? table('Demandes que l\'affectation automatique n\'a pas placées', ['Demande', 'Salarié', 'Avant le', 'Pourquoi', 'Placer à la main'],
        u.items.map((r) => [`n° ${r.id}`, `${r.last_name || ''} ${r.first_name || ''}`.trim() || `salarié n° ${r.worker_id}`, r.due_before ? dateFr(r.due_before) : 'sans date limite', r.unplaced_reason || '',
          free.length ? h('form', { 'aria-label': `Placer la demande n° ${r.id}`, onsubmit: async (ev) => {
            ev.preventDefault();
            const slot = Number(new FormData(ev.target).get('slot_id'));
            try {
              await api(`/tracking/visit-requests/${r.id}/book`, { method: 'POST', body: { slot_id: slot } });
              await refresh();
              say('ok', `Demande n° ${r.id} placée.`);
            } catch (err) { say('error', err.message); }
          } }, h('label', { for: `slot-for-${r.id}` }, 'Créneau'), h('select', { id: `slot-for-${r.id}`, name: 'slot_id' },
            free.map((s) => h('option', { value: s.id }, `${dateTimeFr(s.starts_at)}, ${s.site}`))),
          h('button', { type: 'submit', class: 'secondary' }, `Placer la demande n° ${r.id}`)) : 'aucun créneau libre']))
        : h('p', {}, 'Toutes les demandes ont trouvé un créneau.'));
  }
  await refresh();
  main.append(status, pros,
    form('Inscrire un professionnel au planning', [
      field('email', 'Adresse e-mail du compte du professionnel', { type: 'email', required: true }),
      field('site', 'Site de consultation', { required: true }),
      field('teleconsultation', 'Consulte aussi à distance', { type: 'checkbox' }),
    ], 'Inscrire', async (v) => { await api('/tracking/professionals', { method: 'POST', body: v }); await refresh(); say('ok', `${v.email} est au planning.`); }),
    form('Ouvrir des créneaux', [
      field('professional_id', 'Professionnel', { required: true, choices: professionals.map((p) => [String(p.user_id), `${p.display_name || `${p.role === 'medecin' ? 'Médecin' : 'Infirmier'} n° ${p.user_id}`} (${p.site})`]) }),
      field('starts_at', 'Premier créneau (date et heure)', { type: 'datetime-local', required: true }),
      field('duration_min', 'Durée d\'un créneau (minutes)', { type: 'number', required: true, value: 30 }),
      field('count', 'Nombre de créneaux à la suite', { type: 'number', value: 1, hint: 'Une série : les créneaux se suivent le même jour.' }),
      field('site', 'Site', {}),
      field('offered', 'Proposés au choix des entreprises', { type: 'checkbox', value: true }),
    ], 'Ouvrir les créneaux', async (v) => {
      const body = { professional_id: Number(v.professional_id), starts_at: v.starts_at.slice(0, 16), duration_min: Number(v.duration_min), offered: v.offered };
      if (Number(v.count) > 1) body.count = Number(v.count);
      if (v.site) body.site = v.site;
      const r = await api('/tracking/slots', { method: 'POST', body });
      await refresh();
      say('ok', `${(r.items || [r]).length} créneau(x) ouvert(s).`);
    }),
    h('section', { 'aria-labelledby': 'auto' }, h('h2', { id: 'auto' }, 'Affectation automatique'),
      h('p', {}, 'Place les demandes en attente, les plus urgentes d\'abord, dans les créneaux libres qui conviennent (rôle, site, délai).'),
      h('button', { type: 'button', onclick: async () => {
        const r = await api('/tracking/assignments/run', { method: 'POST', body: {} });
        await refresh();
        say('ok', `Affectation terminée : ${r.placed ?? r.assigned ?? 0} placée(s), ${r.unplaced ?? 0} non placée(s).`);
      } }, 'Lancer l\'affectation')),
    unplaced);
});
