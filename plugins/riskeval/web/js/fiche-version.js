// One transmitted version of the fiche d'entreprise, read by the company as a
// document (espace adhérent): its four pages and the letter, printable.
import { page, run, h, api, API, dateFr, url } from '../../portal/js/portal.js';
import { documentOf } from './content.js';

run(async () => {
  const { main, company, mine } = await page({ space: 'adherent', title: 'Fiche d\'entreprise',
    current: 'riskeval/prevention.html' });
  const params = new URLSearchParams(location.search);
  const version = Number(params.get('version'));
  // An establishment's fiche (R4624-46): its number in every route.
  const est = Number(params.get('establishment') || 0);
  const q = est ? `?establishment=${est}` : '';
  const v = await api(`/riskeval/companies/${company.id}/fiche/versions/${version}${q}`);
  const site = v.content && v.content.identification && v.content.identification.etablissement;
  main.querySelector('h1').textContent = `Fiche d'entreprise${site ? `, ${site}` : ''}, version ${v.version}`;
  main.append(
    h('p', {}, `${company.legal_name || ''} — validée le ${dateFr(v.validated_on)}, transmise le ${dateFr(v.transmitted_on)}.`),
    h('p', {}, h('a', { href: `${API}/riskeval/companies/${company.id}/fiche/versions/${v.version}/document.pdf${q}` },
      `Télécharger la version ${v.version} en PDF`)),
    ...documentOf(v.content || {}),
    h('p', {}, h('a', { href: url('riskeval', 'prevention.html', mine.length > 1 ? { entreprise: company.id } : null) },
      'Retour à la prévention des risques')));
});
