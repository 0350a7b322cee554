-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of riskeval_priority.lua (`socle check` runs them).

local function due(on, overdue)
  return { due_on = on, kind = "premiere", overdue = overdue, basis = { "R4624-47" },
           explanation = "x" }
end

socle.test {
  rule = "riskeval_priority",
  name = "première fiche en retard de 10 jours, 45 salariés : 10 + 30 + 4 = 44",
  args = { { headcount = 45, has_draft = false, valid_fiche = false, first = true },
           due("2026-03-01", true), "2026-03-11" },
  expect = {
    score = 44,
    reason = "En retard de 10 jours ; première fiche, obligatoire dans l'année de l'adhésion "
      .. "(R4624-47) ; effectif déclaré : 45 salariés.",
    basis = { "R4624-47 ; offre socle (décret 2022-653)" },
  },
}

socle.test {
  rule = "riskeval_priority",
  name = "mise à jour due dans 20 jours, 3 salariés, brouillon ouvert : -20 + 0 - 15 = -35",
  args = { { headcount = 3, has_draft = true, valid_fiche = true, first = false },
           due("2026-03-31", false), "2026-03-11" },
  expect = {
    score = -35,
    reason = "Due dans 20 jours ; effectif déclaré : 3 salariés ; brouillon déjà ouvert.",
    basis = { "R4624-47 ; offre socle (décret 2022-653)" },
  },
}

socle.test {
  rule = "riskeval_priority",
  name = "l'effectif compte jusqu'à 250 salariés : 1 200 salariés, due aujourd'hui, 0 + 25",
  args = { { headcount = 1200, has_draft = false, valid_fiche = true, first = false },
           due("2026-03-11", false), "2026-03-11" },
  expect = {
    score = 25,
    reason = "Due aujourd'hui ; effectif déclaré : 1200 salariés.",
    basis = { "R4624-47 ; offre socle (décret 2022-653)" },
  },
}
