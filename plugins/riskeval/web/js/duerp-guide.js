// The methodological guide of the DUERP (espace adhérent, seed 3.2.2): what
// the document unique is, the five steps to write it, how the online DUERP
// rates a risk, and what the law asks by headcount. Plain French, no jargon
// left unexplained; the figures are those the server's rules use
// (riskeval_rating.lua, riskeval_due.lua).
import { page, run, h, url } from '../../portal/js/portal.js';

const STEPS = [
  ['Découper l\'entreprise en unités de travail',
    'Une unité de travail regroupe des salariés exposés aux mêmes dangers : un atelier, un poste, un métier, '
    + 'une équipe qui se déplace. Partez des modèles de votre branche puis adaptez-les : c\'est votre '
    + 'entreprise qu\'il faut décrire, pas un modèle.'],
  ['Repérer les risques de chaque unité',
    'Observez le travail réel, pas seulement le travail prévu, et demandez aux salariés ce qui les gêne ou les '
    + 'met en danger. Pour chaque risque, notez la situation qui expose (« sols mouillés en cuisine », '
    + '« sacs de 25 kg à la livraison ») : le code du risque vient de la liste du service.'],
  ['Coter chaque risque',
    'Donnez à chaque risque une gravité (ce qui peut arriver de pire) et une probabilité (à quelle fréquence '
    + 'la situation se produit), chacune de 1 à 4. La cotation fixe l\'ordre des priorités : on traite '
    + 'd\'abord les risques les plus graves et les plus fréquents.'],
  ['Noter les mesures existantes et décider des mesures à prendre',
    'Pour chaque risque, écrivez ce qui est déjà fait, puis ce qui reste à faire. Privilégiez les mesures '
    + 'qui suppriment le danger ou protègent tout le monde (une protection collective) avant les '
    + 'équipements individuels et les consignes.'],
  ['Planifier, suivre et mettre à jour',
    'Les mesures à prendre forment votre plan d\'actions : qui s\'en charge, pour quand, à quel coût, et '
    + 'comment vous saurez qu\'elle a réussi. Enregistrez chaque version : le service la conserve 40 ans, '
    + 'et vous la mettez à jour après chaque changement important (nouvel équipement, accident, '
    + 'réorganisation).'],
];

const SCALES = [
  ['Gravité', ['1 : faible (soins sans arrêt de travail)', '2 : moyenne (arrêt de travail)',
    '3 : grave (incapacité permanente)', '4 : très grave (décès, invalidité lourde)']],
  ['Probabilité', ['1 : improbable', '2 : rare (quelques fois par an)', '3 : fréquente (chaque mois)',
    '4 : très fréquente (chaque semaine ou plus)']],
];

run(async () => {
  const { main, company, mine } = await page({ space: 'adherent', title: 'Guide : évaluer les risques et écrire son DUERP',
    current: 'riskeval/duerp.html' });
  const keep = mine.length > 1 && company ? { entreprise: company.id } : null;
  main.append(
    h('p', {}, 'Le document unique d\'évaluation des risques professionnels (DUERP) est obligatoire dès le premier '
      + 'salarié (articles L4121-3 et R4121-1 du code du travail). Il recense les risques de chaque unité de '
      + 'travail et les actions pour les réduire. Le service vous aide à l\'écrire : ce guide explique la '
      + 'méthode, la page « Mon DUERP en ligne » vous accompagne pas à pas.'),
    h('h2', {}, 'La méthode en cinq étapes'),
    h('ol', {}, STEPS.map(([t, d]) => h('li', {}, h('strong', {}, t), h('p', {}, d)))),
    h('h2', {}, 'Comment un risque est coté'),
    h('p', {}, 'La cotation multiplie la gravité par la probabilité : de 1 à 16. À partir de 12, le risque est '
      + 'critique (priorité 1) ; 8 ou 9, élevé (priorité 2) ; de 4 à 6, moyen (priorité 3) ; de 1 à 3, '
      + 'faible (priorité 4). Votre service peut avoir choisi une autre échelle : la page du DUERP en ligne '
      + 'affiche toujours la règle appliquée.'),
    ...SCALES.map(([t, items]) => h('div', { class: 'card' }, h('h3', {}, t), h('ul', {}, items.map((i) => h('li', {}, i))))),
    h('h2', {}, 'Ce que la loi demande selon votre effectif'),
    h('ul', {},
      h('li', {}, 'Moins de 11 salariés : mise à jour à chaque changement important ou information nouvelle sur un risque (R4121-2).'),
      h('li', {}, 'À partir de 11 salariés : mise à jour au moins une fois par an (R4121-2).'),
      h('li', {}, 'Moins de 50 salariés : le DUERP conduit à une liste des actions de prévention et de protection (L4121-3-1 III).'),
      h('li', {}, 'À partir de 50 salariés : un programme annuel de prévention (PAPRIPACT) avec, pour chaque mesure, '
        + 'ses conditions d\'exécution, un indicateur de résultat, l\'estimation de son coût et son calendrier (L4121-3-1 III).'),
      h('li', {}, 'Toujours : chaque version est conservée 40 ans (R4121-4) et transmise au service de prévention et de santé au travail (L4121-3-1 VI).')),
    h('h2', {}, 'Avec qui'),
    h('p', {}, 'Associez les salariés, le salarié désigné compétent en prévention et, s\'il existe, le comité social '
      + 'et économique (CSE). L\'équipe du service (médecin du travail, infirmier, intervenant en prévention) peut '
      + 'vous conseiller : elle lit votre DUERP en ligne mais ne l\'écrit pas à votre place.'),
    h('p', {}, h('a', { href: url('riskeval', 'duerp.html', keep) }, 'Écrire mon DUERP en ligne')));
});
