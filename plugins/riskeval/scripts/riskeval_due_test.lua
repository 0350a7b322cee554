-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of riskeval_due.lua: `socle check` runs each one against the rule
-- the service has (a service that redefines a rule keeps only its contract check).
-- Worked cases TC34–TC36 of ../shared/domain/rules-and-figures.md §2. Each
-- expectation is the whole answer, explanation included.

socle.test {
  rule = "fiche_entreprise_due",
  name = "adhésion le 2025-02-01, pas encore de fiche : au plus tard le 2026-02-01 (TC34)",
  args = { { joined_on = "2025-02-01", update_years = 4 }, {}, "2025-06-02" },
  expect = {
    due_on = "2026-02-01", kind = "premiere", overdue = false, basis = { "R4624-47" },
    explanation = "Adhésion le 1er février 2025 : la fiche d'entreprise est à établir dans "
      .. "l'année qui suit l'adhésion, au plus tard le 1er février 2026 (R4624-47).",
  },
}

socle.test {
  rule = "fiche_entreprise_due",
  name = "fiche validée le 2026-02-01 : mise à jour au plus tard le 2030-02-01, 4 ans (TC34)",
  args = { { joined_on = "2025-02-01", update_years = 4 },
           { { version = 1, validated_on = "2026-02-01" } }, "2026-03-01" },
  expect = {
    due_on = "2030-02-01", kind = "mise_a_jour", overdue = false,
    basis = { "R4624-47", "offre socle (décret 2022-653) : mise à jour au moins tous les 4 ans" },
    explanation = "Dernière fiche d'entreprise validée le 1er février 2026 (version 1) : elle "
      .. "est à mettre à jour au moins tous les 4 ans, au plus tard le 1er février 2030 "
      .. "(offre socle ; le Code du travail ne fixe pas de rythme, R4624-47).",
  },
}

socle.test {
  rule = "fiche_entreprise_due",
  name = "le réglage du service à 5 ans (document d'origine) : au plus tard le 2031-02-01 (TC34)",
  args = { { joined_on = "2025-02-01", update_years = 5 },
           { { version = 1, validated_on = "2026-02-01" } }, "2026-03-01" },
  expect = {
    due_on = "2031-02-01", kind = "mise_a_jour", overdue = false,
    basis = { "R4624-47", "offre socle (décret 2022-653) : mise à jour au moins tous les 5 ans" },
    explanation = "Dernière fiche d'entreprise validée le 1er février 2026 (version 1) : elle "
      .. "est à mettre à jour au moins tous les 5 ans, au plus tard le 1er février 2031 "
      .. "(offre socle ; le Code du travail ne fixe pas de rythme, R4624-47).",
  },
}

socle.test {
  rule = "fiche_entreprise_due",
  name = "adhésion le 2025-02-01, toujours sans fiche le 2026-03-10 : en retard (TC34)",
  args = { { joined_on = "2025-02-01", update_years = 4 }, {}, "2026-03-10" },
  expect = {
    due_on = "2026-02-01", kind = "premiere", overdue = true, basis = { "R4624-47" },
    explanation = "Adhésion le 1er février 2025 : la fiche d'entreprise est à établir dans "
      .. "l'année qui suit l'adhésion, au plus tard le 1er février 2026 (R4624-47). "
      .. "Échéance dépassée au 10 mars 2026.",
  },
}

socle.test {
  rule = "duerp_update_due",
  name = "25 salariés, DUERP v3 du 2025-01-15 : v4 au plus tard le 2026-01-15, v3 gardée "
    .. "jusqu'au 2065-01-15 (TC35)",
  args = { { headcount = 25 }, { date = "2025-01-15" }, "2025-06-02" },
  expect = {
    yearly_update = true, due_on = "2026-01-15", keep_until = "2065-01-15",
    outputs = "liste_actions",
    basis = { "L4121-3-1 III", "R4121-2", "R4121-4", "L4121-3-1 VI" },
    explanation = "Entreprise de 25 salariés : la version du 15 janvier 2025 est à mettre à "
      .. "jour au moins une fois par an, au plus tard le 15 janvier 2026 ; sous 50 salariés, "
      .. "le DUERP comporte une liste d'actions de prévention (pas de PAPRIPACT) ; chaque "
      .. "version est conservée 40 ans (celle du 15 janvier 2025 au moins jusqu'au 15 janvier "
      .. "2065) et transmise au service de prévention et de santé au travail à chaque mise "
      .. "à jour.",
  },
}

socle.test {
  rule = "duerp_update_due",
  name = "8 salariés : pas de mise à jour annuelle, une liste d'actions (TC36)",
  args = { { headcount = 8 }, {}, "2025-06-02" },
  expect = {
    yearly_update = false, outputs = "liste_actions", basis = { "L4121-3-1 III", "R4121-2" },
    explanation = "Entreprise de 8 salariés : moins de 11 salariés : pas d'obligation de mise "
      .. "à jour annuelle, le DUERP est mis à jour lors de tout aménagement important ou de "
      .. "toute information nouvelle sur un risque ; sous 50 salariés, le DUERP comporte une "
      .. "liste d'actions de prévention (pas de PAPRIPACT).",
  },
}

socle.test {
  rule = "duerp_update_due",
  name = "60 salariés : PAPRIPACT, mise à jour annuelle",
  args = { { headcount = 60 }, { date = "2025-03-31" }, "2025-06-02" },
  expect = {
    yearly_update = true, due_on = "2026-03-31", keep_until = "2065-03-31",
    outputs = "papripact",
    basis = { "L4121-3-1 III", "R4121-2", "R4121-4", "L4121-3-1 VI" },
    explanation = "Entreprise de 60 salariés : la version du 31 mars 2025 est à mettre à jour "
      .. "au moins une fois par an, au plus tard le 31 mars 2026 ; à partir de 50 salariés, le "
      .. "DUERP débouche sur un programme annuel de prévention (PAPRIPACT : mesures, "
      .. "indicateurs, coût, calendrier) ; chaque version est conservée 40 ans (celle du 31 "
      .. "mars 2025 au moins jusqu'au 31 mars 2065) et transmise au service de prévention et "
      .. "de santé au travail à chaque mise à jour.",
  },
}
