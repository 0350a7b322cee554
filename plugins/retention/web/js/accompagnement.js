// Espace salarié: my job-retention case (its steps and documents), my consent
// to exchanges with my employer and partners, a request for support.
import { page, run, h, api, API, dateFr, field, form, notice, workerOf } from '../../portal/js/portal.js';

const STATUS = { proposed: 'proposé par le service', open: 'en cours', closed: 'terminé' };

run(async () => {
  const { main, me } = await page({ space: 'salarie', title: 'Mon accompagnement pour rester en emploi', current: 'retention/accompagnement.html' });
  const worker = workerOf(me);
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...t) => { status.replaceChildren(notice(kind, ...t)); status.focus(); };
  const box = h('div');
  async function refresh() {
    const r = await api(`/retention/workers/${worker}/cases`);
    box.replaceChildren(...(r.items.length ? r.items.map((c) => h('section', { class: 'card', 'aria-labelledby': `case-${c.id}` },
      h('h2', { id: `case-${c.id}` }, `Dossier n° ${c.id} : ${STATUS[c.status] || c.status}`),
      h('ol', {}, c.steps.map((s) => h('li', {}, `${dateFr(s.on_date)} : ${s.title}`))),
      c.documents.length ? h('ul', {}, c.documents.map((d) => h('li', {}, h('a', { href: `${API}/retention/studies/${d.id}/summary.html` }, `Synthèse de l'étude de poste${d.post ? ` : ${d.post}` : ''}`)))) : null,
      form(`Mon accord pour le dossier n° ${c.id}`, [
        h('p', {}, 'Le service n\'échange avec votre employeur ou un partenaire (Cap emploi, MDPH, CARSAT…) qu\'avec votre accord. Vous pouvez le retirer à tout moment.'),
        field('scope', 'Échanges avec', { required: true, choices: [['employer', 'mon employeur'], ['partner', 'un partenaire du maintien en emploi']] }),
        field('given', 'J\'accepte ces échanges', { type: 'checkbox' }),
      ], 'Enregistrer mon accord', async (v) => {
        await api('/retention/me/consents', { method: 'POST', body: { case_id: c.id, scope: v.scope, given: v.given } });
        say('ok', v.given ? 'Votre accord est enregistré.' : 'Votre refus est enregistré : aucun échange n\'aura lieu.');
      }))) : [h('p', {}, 'Vous n\'avez pas de dossier de maintien en emploi.')]));
  }
  await refresh();
  main.append(status, box, form('Demander un accompagnement', [
    h('p', {}, 'Une difficulté à tenir votre poste à cause de votre santé ? L\'équipe du service (médecin du travail, infirmier, assistant social) peut vous aider à rester en emploi. Votre employeur n\'est pas informé de votre demande.'),
    field('reason', 'Ce qui vous amène (facultatif)', { type: 'textarea' }),
  ], 'Envoyer ma demande', async (v, f) => {
    const body = { worker_id: worker };
    if (v.reason) body.reason = v.reason;
    await api('/retention/cases', { method: 'POST', body });
    f.reset();
    await refresh();
    say('ok', 'Votre demande est transmise à l\'équipe du service.');
  }));
});
