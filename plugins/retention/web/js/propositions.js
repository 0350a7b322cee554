// Espace adhérent: the job adjustments the service proposes (answered here,
// a refusal with its written reasons, L4624-6), the job studies' summaries,
// and the report of a serious event.
import { page, run, h, api, API, dateFr, field, form, notice, table } from '../../portal/js/portal.js';

const KIND = { poste: 'Poste', horaires: 'Horaires', teletravail: 'Télétravail', materiel: 'Matériel', formation: 'Formation', reclassement: 'Reclassement', autre: 'Autre' };
const STATUS = { sent: 'à répondre', accepted: 'acceptée', refused: 'refusée', done: 'réalisée' };
const EVENTS = [['accident_mortel', 'Accident mortel'], ['agression', 'Agression'], ['suicide_ou_tentative', 'Suicide ou tentative'], ['braquage', 'Braquage'], ['prise_otage', 'Prise d\'otage']];

run(async () => {
  const { main, company } = await page({ space: 'adherent', title: 'Maintien en emploi', current: 'retention/propositions.html' });
  const status = h('div', { tabindex: '-1' });
  const list = h('section', { 'aria-labelledby': 'props' });
  const say = (kind, ...t) => { status.replaceChildren(notice(kind, ...t)); status.focus(); };
  async function refresh() {
    const r = await api(`/retention/companies/${company.id}/proposals`);
    list.replaceChildren(...[h('h2', { id: 'props' }, 'Propositions d\'aménagement du médecin du travail'),
      h('p', {}, 'Le médecin du travail propose ces aménagements pour qu\'un salarié garde son emploi. Répondez à chacune : un refus doit être motivé par écrit (article L4624-6 du code du travail).'),
      r.items.length ? table('Propositions', ['Proposition', 'Envoyée le', 'État', 'Votre réponse'],
        r.items.map((p) => [`${KIND[p.kind] || p.kind} : ${p.description}`, dateFr(p.sent_on), STATUS[p.status] || p.status,
          p.status === 'sent' ? form(`Répondre à la proposition n° ${p.id}`, [
            field('answer', 'Réponse', { required: true, choices: [['accepted', 'Acceptée'], ['refused', 'Refusée'], ['done', 'Déjà réalisée']] }),
            field('done_by', 'Réalisée au plus tard le (si acceptée)', { type: 'date' }),
            field('reasons', 'Motifs du refus (si refusée)', { type: 'textarea' }),
          ], 'Envoyer la réponse', async (v) => {
            const body = { answer: v.answer };
            if (v.done_by) body.done_by = v.done_by;
            if (v.reasons) body.reasons = v.reasons;
            await api(`/retention/proposals/${p.id}/answer`, { method: 'POST', body });
            await refresh();
            say('ok', 'Réponse envoyée au service.');
          }) : (p.reasons || (p.done_by ? `pour le ${dateFr(p.done_by)}` : ''))]))
        : h('p', {}, 'Aucune proposition en cours.'),
      r.documents.length ? h('ul', {}, r.documents.map((d) => h('li', {}, h('a', { href: `${API}/retention/studies/${d.id}/summary.html` }, `Synthèse de l'étude de poste : ${d.post}`)))) : null].filter(Boolean));
  }
  await refresh();
  main.append(status, list, form('Signaler un événement grave', [
    h('p', {}, 'Accident mortel, agression, suicide ou tentative, braquage, prise d\'otage : le service prend contact avec vous rapidement et propose un soutien psychologique ou une orientation.'),
    field('kind', 'Événement', { required: true, choices: EVENTS }),
    field('occurred_on', 'Date', { type: 'date', required: true }),
    field('description', 'Ce qui s\'est passé (sans information médicale)', { type: 'textarea', required: true }),
  ], 'Signaler', async (v, f) => {
    await api(`/retention/companies/${company.id}/serious-events`, { method: 'POST', body: v });
    f.reset();
    say('ok', 'Signalement reçu : le service vous contacte au plus vite.');
  }));
});
