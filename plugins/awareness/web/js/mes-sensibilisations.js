// Mes sensibilisations (espace salarié, seed 3.4.1.3): the workshops and
// webinars I am registered to and, once I came, the satisfaction and utility
// questionnaire I answer myself (once per session).
import { page, run, h, api, dateTimeFr, field, form, notice, table, workerOf } from '../../portal/js/portal.js';

const STATUS = { confirmed: 'place confirmée', waiting: 'liste d\'attente', cancelled: 'annulée' };
const SCALE = [['5', '5 : tout à fait'], ['4', '4 : plutôt oui'], ['3', '3 : moyennement'], ['2', '2 : plutôt non'], ['1', '1 : pas du tout']];

run(async () => {
  const { main, me } = await page({ space: 'salarie', title: 'Mes sensibilisations', current: 'awareness/mes-sensibilisations.html' });
  const worker = workerOf(me);
  const status = h('div', { tabindex: '-1' });
  const say = (kind, ...text) => { status.replaceChildren(notice(kind, ...text)); status.focus(); };
  const list = h('section', { 'aria-labelledby': 'miens' });
  const opinion = h('div', { tabindex: '-1' }); // the questionnaire, when asked for
  main.append(status, list, opinion);

  function ask(r) {
    opinion.replaceChildren(h('section', { 'aria-labelledby': 'avis' },
      h('h2', { id: 'avis' }, `Votre avis : ${r.title}`),
      form(`Votre avis sur ${r.title}`, [
        field('satisfaction', 'Satisfaction : la session vous a-t-elle plu ?', { required: true, choices: SCALE }),
        field('utility', 'Utilité : vous servira-t-elle dans votre travail ?', { required: true, choices: SCALE }),
        field('comment', 'Commentaire', { type: 'textarea', hint: 'Facultatif : ce qui vous a manqué, ce que vous retenez.' }),
      ], 'Envoyer mon avis', async (v) => {
        const body = { satisfaction: Number(v.satisfaction), utility: Number(v.utility) };
        if (v.comment) body.comment = v.comment;
        await api(`/awareness/registrations/${r.id}/feedback`, { method: 'POST', body });
        opinion.replaceChildren();
        await refresh();
        say('ok', 'Merci : votre avis est enregistré.');
      }, { noTitle: true })));
    opinion.focus();
  }

  async function refresh() {
    const regs = (await api(`/awareness/workers/${worker}/registrations`)).items;
    list.replaceChildren(h('h2', { id: 'miens' }, 'Mes ateliers et webinaires'),
      regs.length ? table('Mes inscriptions', ['Session', 'Date', 'Lieu ou lien', 'Statut', 'Questionnaire'],
        regs.map((r) => [r.title, dateTimeFr(r.starts_at), r.place || r.link || '',
          r.attended === 1 ? 'présent(e)' : r.attended === 0 ? 'absent(e)' : (STATUS[r.status] || r.status),
          r.attended === 1 && !r.answered
            ? h('button', { type: 'button', class: 'secondary', onclick: () => ask(r) }, `Donner mon avis sur ${r.title}`)
            : r.answered ? 'avis donné' : '—']))
        : h('p', {}, 'Vous n\'êtes inscrit(e) à aucune session. Votre employeur vous inscrit depuis son espace.'));
  }
  await refresh();
});
