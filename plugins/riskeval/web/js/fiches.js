// Fiches d'entreprise (espace de l'équipe, seed 3.2.1): the member companies
// without a valid fiche, overdue, or due within the window, the most urgent
// first (the rule point riskeval_priority), each with why; a link to the fiche's page (draft, validation,
// transmission).
import { page, run, h, api, url, dateFr, field, form, table } from '../../portal/js/portal.js';

run(async () => {
  const { main } = await page({ space: 'equipe', title: 'Fiches d\'entreprise', current: 'riskeval/fiches.html' });
  const q = new URLSearchParams(location.search);
  const list = h('div', { tabindex: '-1' });
  async function show(days) {
    const r = await api(`/riskeval/fiches/due?within_days=${encodeURIComponent(days)}`);
    list.replaceChildren(h('p', {}, `${r.items.length} entreprise(s) ou établissement(s) sans fiche valide ou dont la fiche est due avant le ${dateFr(r.horizon)}.`),
      r.items.length ? table('Entreprises dont la fiche est à établir ou à mettre à jour',
        ['Entreprise', 'Échéance', 'Pourquoi', 'Priorité', 'Fiche en cours'],
        r.items.map((c) => [
          h('a', { href: url('riskeval', 'fiche.html', c.establishment_id ? { id: c.company_id, establishment: c.establishment_id } : { id: c.company_id }) },
            c.establishment ? `${c.legal_name}, ${c.establishment_id ? (c.establishment.name || 'établissement') : 'siège'} (${c.establishment.city})` : c.legal_name),
          `${dateFr(c.due.due_on)}${c.due.overdue ? ' (en retard)' : ''}`,
          c.due.explanation,
          c.priority ? c.priority.reason : '',
          [c.last_version ? `version ${c.last_version} validée` : 'aucune version validée', c.has_draft ? ', brouillon ouvert' : ''].join(''),
        ])) : h('p', {}, 'Aucune fiche à établir dans cette période.'));
  }
  main.append(h('p', {}, 'Le service établit la fiche d\'entreprise dans l\'année de l\'adhésion, puis la met à jour (R4624-46 à R4624-50).'),
    form('Période', [field('within_days', 'Échéances dans les prochains (jours)', { type: 'number', inputmode: 'numeric', value: q.get('jours') || '90' })],
      'Afficher', async (v) => { await show(v.within_days || '90'); list.focus(); }),
    list);
  await show(q.get('jours') || '90');
});
