// Entreprises à toucher (espace de l'équipe, seed 3.4.1.3): for one action
// of the catalogue, the companies recommend_actions proposes it to and that
// have no registration to it yet, each with the reason the rule gives.
import { page, run, h, api, field, form, notice, table } from '../../portal/js/portal.js';

const KIND = { atelier: 'atelier', elearning: 'e-learning', webinaire: 'webinaire', document: 'document' };

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Entreprises à toucher', current: 'awareness/cibles.html' });
  // Filled once an action is chosen (a section is named by its heading).
  const result = h('div', { tabindex: '-1' });
  const actions = (await api('/awareness/actions?limit=200')).items;

  main.append(h('p', {}, 'Pour une action du catalogue, les entreprises à qui elle est recommandée (leurs risques, leur secteur, '
    + 'leur score de prévention, ce qu\'elles ont déjà suivi) et qui n\'y ont encore inscrit personne.'));
  if (!actions.length) {
    main.append(notice('info', 'Le catalogue est vide.'));
    return;
  }
  main.append(form('Choisir une action', [
    field('action', 'Action', { required: true, choices: actions.map((a) => [String(a.id), `${a.title} (${KIND[a.kind] || a.kind})`]) }),
  ], 'Voir les entreprises à toucher', async (v) => {
    const a = actions.find((x) => String(x.id) === v.action);
    const r = await api(`/awareness/actions/${v.action}/unreached`);
    result.replaceChildren(h('section', { 'aria-labelledby': 'cibles' },
      h('h2', { id: 'cibles' }, `Entreprises à toucher : ${a.title}`),
      r.items.length
        ? [h('p', {}, `${r.items.length} entreprise(s) à qui l'action est recommandée et qui n'y sont pas encore inscrites.`),
          table(`Entreprises que « ${a.title} » devrait toucher`, ['Entreprise', 'Pourquoi'],
            r.items.map((c) => [c.legal_name || `entreprise n° ${c.company_id}`, c.reason]))]
        : h('p', {}, 'Toutes les entreprises à qui cette action est recommandée y sont déjà inscrites, ou aucune n\'est concernée.')));
    result.focus();
  }), result);
});
