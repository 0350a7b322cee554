// L'activité de mon service pour mon compte (3.6.1.6): visits by number and
// type over the last five years, and the company's follow-up indicators.
import { page, run, h, api, table } from '../../portal/js/portal.js';

run(async () => {
  const { main, company } = await page({ space: 'adherent', title: 'L\'activité du service pour mon entreprise', current: 'tracking/activite.html' });
  const done = await api(`/tracking/companies/${company.id}/visits?status=done`);
  const year = new Date().getFullYear();
  const years = [0, 1, 2, 3, 4].map((i) => year - 4 + i);
  const byType = new Map();
  for (const v of done.items) {
    const y = Number((v.held_on || '').slice(0, 4));
    if (!years.includes(y)) continue;
    const key = v.type_label || v.type;
    if (!byType.has(key)) byType.set(key, Object.fromEntries(years.map((x) => [x, 0])));
    byType.get(key)[y] += 1;
  }
  const totals = years.map((y) => [...byType.values()].reduce((s, r) => s + r[y], 0));
  main.append(h('section', { 'aria-labelledby': 'v5' }, h('h2', { id: 'v5' }, 'Visites réalisées sur cinq ans'),
    byType.size ? table('Visites réalisées par type et par année', ['Type de visite', ...years.map(String)],
      [...[...byType.entries()].map(([k, r]) => [k, ...years.map((y) => String(r[y]))]), ['Total', ...totals.map(String)]])
      : h('p', {}, 'Aucune visite réalisée sur les cinq dernières années.')));
  try {
    const ind = await api(`/tracking/companies/${company.id}/indicators`);
    main.append(h('section', { 'aria-labelledby': 'ind' }, h('h2', { id: 'ind' }, 'Indicateurs de suivi'),
      table(`Indicateurs du ${ind.from} au ${ind.to}`, ['Indicateur', 'Valeur'],
        Object.values(ind.indicators).map((i) => [i.definition, i.denominator ? `${i.numerator} sur ${i.denominator} (${String(i.rate).replace('.', ',')} %)` : 'sans objet (aucun cas sur la période)']))));
  } catch { /* no right to the indicators */ }
});
