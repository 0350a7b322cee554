// Espace salarié: my visits, my documents, a visit request (never shown to the employer).
import { page, run, h, api, API, dateFr, dateTimeFr, field, form, notice, table, workerOf } from '../../portal/js/portal.js';

const DOC = { attestation: 'Attestation de suivi', avis: 'Avis du médecin du travail', ordonnance: 'Ordonnance de prévention (conseils)' };
const STATUS = { queued: 'à planifier', scheduled: 'programmée', done: 'réalisée', cancelled: 'annulée', missed: 'manquée' };

run(async () => {
  const { main, me } = await page({ space: 'salarie', title: 'Mes visites et mes documents', current: 'tracking/mes-visites.html' });
  const worker = workerOf(me);
  const status = h('div', { tabindex: '-1' });
  const list = h('section', { 'aria-labelledby': 'mine' });
  let company = 0;
  async function refresh() {
    const visits = await api(`/tracking/workers/${worker}/visits`);
    company = visits.company_id;
    list.replaceChildren(h('h2', { id: 'mine' }, 'Mes visites'),
      visits.items.length ? table('Mes visites', ['Visite', 'État', 'Date', 'Documents'],
        visits.items.map((v) => [v.type_label || v.type, STATUS[v.status] || v.status,
          v.held_on ? dateFr(v.held_on) : v.slot ? dateTimeFr(v.slot.starts_at) : `demandée le ${dateFr(v.requested_on)}`,
          v.documents.length ? h('ul', {}, v.documents.map((d) => h('li', {},
            h('a', { href: `${API}/tracking/visits/${v.id}/documents/${d}.html` }, `${DOC[d]} du ${dateFr(v.held_on)}`)))) : '—']))
        : h('p', {}, 'Aucune visite enregistrée pour le moment.'));
  }
  main.append(status, list,
    form('Demander une visite', [
      h('p', {}, 'Vous pouvez demander à voir le médecin du travail à tout moment (R4624-34), ou, pendant un arrêt de plus de 30 jours, une visite de pré-reprise (R4624-29). ',
        h('strong', {}, 'Votre employeur n\'est pas informé de cette demande'), ' ; le motif n\'est lu que par les professionnels de santé.'),
      field('type', 'Visite demandée', { required: true, choices: [['visite_a_la_demande', 'Visite à ma demande'], ['pre_reprise', 'Visite de pré-reprise (pendant un arrêt de travail)']] }),
      field('reason', 'Motif (facultatif)', { type: 'textarea', hint: 'Ce que vous souhaitez aborder. Seuls les professionnels de santé le lisent.' }),
    ], 'Envoyer ma demande', async (v, f) => {
      const body = { worker_id: worker, company_id: company, type: v.type };
      if (v.reason) body.reason = v.reason;
      await api('/tracking/visit-requests', { method: 'POST', body });
      f.reset();
      await refresh();
      status.replaceChildren(notice('ok', 'Votre demande est envoyée au service, qui vous proposera un rendez-vous. Votre employeur n\'en est pas informé.'));
      status.focus();
    }));
  await refresh();
});
