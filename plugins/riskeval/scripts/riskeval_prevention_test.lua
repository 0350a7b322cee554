-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of riskeval_prevention.lua (`socle check` runs them).

local FICHE = { version = 1, validated_on = "2025-03-01",
                risks = { { code = "bruit", libelle = "Bruit" },
                          { code = "chute_hauteur", libelle = "Chute de hauteur" },
                          { code = "electrique", libelle = "Risque électrique" } } }

socle.test {
  rule = "prevention_action",
  name = "parcours 1 : le DUERP ne nomme pas deux risques de la fiche",
  args = { { headcount = 8 }, FICHE, { version_on = "2025-04-01", risks = { "bruit" } },
           "2025-05-02" },
  expect = {
    parcours = 1, next_due_on = "2030-05-02",
    basis = { "cahier des charges de l'offre socle 3.2.3" },
    gaps = { { code = "chute_hauteur", libelle = "Chute de hauteur" },
             { code = "electrique", libelle = "Risque électrique" } },
    risks = { { code = "chute_hauteur", libelle = "Chute de hauteur" },
              { code = "electrique", libelle = "Risque électrique" } },
    proposal = "Compléter le DUERP du 1er avril 2025 : la fiche d'entreprise relève 2 risques "
      .. "qu'il ne nomme pas : Chute de hauteur (chute_hauteur), Risque électrique (electrique).",
    explanation = "Parcours 1 (un DUERP existe) : analyse des écarts entre le DUERP et la fiche "
      .. "d'entreprise. Compléter le DUERP du 1er avril 2025 : la fiche d'entreprise relève 2 "
      .. "risques qu'il ne nomme pas : Chute de hauteur (chute_hauteur), Risque électrique "
      .. "(electrique). Prochaine action de prévention primaire au plus tard le 2 mai 2030 (au "
      .. "moins tous les 5 ans).",
  },
}

socle.test {
  rule = "prevention_action",
  name = "parcours 1 : le DUERP nomme tous les risques",
  args = { { headcount = 8 }, FICHE,
           { version_on = "2025-04-01", risks = { "electrique", "bruit", "chute_hauteur" } },
           "2025-05-02" },
  expect = {
    parcours = 1, next_due_on = "2030-05-02", gaps = {}, risks = {},
    basis = { "cahier des charges de l'offre socle 3.2.3" },
    proposal = "Le DUERP du 1er avril 2025 nomme tous les risques de la fiche d'entreprise : "
      .. "revue des mesures de prévention avec l'employeur.",
    explanation = "Parcours 1 (un DUERP existe) : analyse des écarts entre le DUERP et la fiche "
      .. "d'entreprise. Le DUERP du 1er avril 2025 nomme tous les risques de la fiche "
      .. "d'entreprise : revue des mesures de prévention avec l'employeur. Prochaine action de "
      .. "prévention primaire au plus tard le 2 mai 2030 (au moins tous les 5 ans).",
  },
}

socle.test {
  rule = "prevention_action",
  name = "parcours 2 : pas de DUERP, 4 salariés : accompagnement individuel",
  args = { { headcount = 4 }, { version = 1, validated_on = "2025-03-01",
           risks = { { code = "bruit", libelle = "Bruit" } } }, {}, "2025-05-02" },
  expect = {
    parcours = 2, support = "individuel", next_due_on = "2030-05-02", gaps = {},
    risks = { { code = "bruit", libelle = "Bruit" } },
    basis = { "cahier des charges de l'offre socle 3.2.3" },
    proposal = "Accompagnement individuel de l'employeur à l'élaboration de son DUERP sur les "
      .. "risques de la fiche d'entreprise : Bruit (bruit).",
    explanation = "Parcours 2 (aucun DUERP déposé) : entreprise de 4 salariés, accompagnement "
      .. "individuel (moins de 11 salariés). Accompagnement individuel de l'employeur à "
      .. "l'élaboration de son DUERP sur les risques de la fiche d'entreprise : Bruit (bruit). "
      .. "Prochaine action de prévention primaire au plus tard le 2 mai 2030 (au moins tous "
      .. "les 5 ans).",
  },
}

socle.test {
  rule = "prevention_action",
  name = "parcours 2 : pas de DUERP ni de fiche, 30 salariés : accompagnement collectif",
  args = { { headcount = 30 }, {}, {}, "2025-05-02" },
  expect = {
    parcours = 2, support = "collectif", next_due_on = "2030-05-02", gaps = {}, risks = {},
    basis = { "cahier des charges de l'offre socle 3.2.3" },
    proposal = "Accompagnement collectif à l'élaboration du DUERP (atelier avec l'employeur et "
      .. "les salariés désignés) à partir du modèle de DUERP de la branche.",
    explanation = "Parcours 2 (aucun DUERP déposé) : entreprise de 30 salariés, accompagnement "
      .. "collectif (à partir de 11 salariés). Accompagnement collectif à l'élaboration du "
      .. "DUERP (atelier avec l'employeur et les salariés désignés) à partir du modèle de DUERP "
      .. "de la branche. Prochaine action de prévention primaire au plus tard le 2 mai 2030 (au "
      .. "moins tous les 5 ans).",
  },
}
