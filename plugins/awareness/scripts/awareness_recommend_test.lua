-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of awareness_recommend.lua (`socle check` runs them).

local CATALOGUE = {
  { id = 1, kind = "atelier", title = "Bruit", audience = { "salaries" },
    risks = { "bruit" }, naf_divisions = socle.array({}) },
  { id = 2, kind = "document", title = "TMS dans le BTP", audience = { "employeurs" },
    risks = { "port_de_charges" }, naf_divisions = { "41", "43" } },
  { id = 3, kind = "elearning", title = "Écrans", audience = { "salaries" },
    risks = { "travail_sur_ecran" }, naf_divisions = { "62" } },
}

socle.test {
  rule = "recommend_actions",
  name = "électricien exposé au bruit, secteur 43, score bas",
  args = { { id = 7, naf_code = "43.21A", naf_division = "43", risks = { "bruit" },
             risk_workers = { bruit = 2 }, prevention_score = 2,
             attended = socle.array({}) }, CATALOGUE, "2025-06-02" },
  expect = {
    { action_id = 1, priority = 14,
      reason = "Elle traite un risque auquel vos salariés sont exposés (bruit)." },
    { action_id = 2, priority = 10,
      reason = "Elle est conçue pour votre secteur (division NAF 43) ; votre score de "
        .. "prévention (2,0 sur 5) invite à y associer la direction." },
  },
}

socle.test {
  rule = "recommend_actions",
  name = "l'atelier suivi il y a moins de 3 ans n'est pas reproposé, après oui",
  args = { { id = 7, naf_division = "43", risks = { "bruit" }, risk_workers = { bruit = 1 },
             attended = { { action_id = 1, on = "2023-01-10" } } }, CATALOGUE, "2025-06-02" },
  expect = {
    { action_id = 2, priority = 5,
      reason = "Elle est conçue pour votre secteur (division NAF 43)." },
  },
}

socle.test {
  rule = "recommend_actions",
  name = "rappel après 3 ans",
  args = { { id = 7, naf_division = "10", risks = { "bruit" }, risk_workers = { bruit = 1 },
             attended = { { action_id = 1, on = "2022-06-01" } } }, CATALOGUE, "2025-06-02" },
  expect = {
    { action_id = 1, priority = 12,
      reason = "Elle traite un risque auquel vos salariés sont exposés (bruit)." },
  },
}

socle.test {
  rule = "recommend_actions",
  name = "rien ne correspond : aucune proposition",
  args = { { id = 8, naf_division = "86", risks = socle.array({}), risk_workers = {},
             attended = socle.array({}) }, CATALOGUE, "2025-06-02" },
  expect = socle.array({}),
}

socle.test {
  rule = "recommend_actions",
  name = "une attente exprimée sur les écrans, sans salarié exposé",
  args = { { id = 9, naf_division = "70", risks = socle.array({}), risk_workers = {},
             expressed = { "travail_sur_ecran" }, attended = socle.array({}) }, CATALOGUE,
           "2025-06-02" },
  expect = {
    { action_id = 3, priority = 8,
      reason = "Elle répond à l'attente que vous avez exprimée (travail sur écran)." },
  },
}

socle.test {
  rule = "recommend_actions",
  name = "un catalogue qui n'est pas dans l'ordre des identifiants : même ordre des réponses",
  args = { { id = 7, naf_division = "10", risks = { "bruit" }, risk_workers = { bruit = 1 },
             attended = socle.array({}) },
           { { id = 9, kind = "atelier", title = "Bruit (rappel)", audience = { "salaries" },
               risks = { "bruit" }, naf_divisions = socle.array({}) },
             { id = 4, kind = "atelier", title = "Bruit", audience = { "salaries" },
               risks = { "bruit" }, naf_divisions = socle.array({}) },
             { id = 6, kind = "document", title = "Secteur", audience = { "employeurs" },
               risks = socle.array({}), naf_divisions = { "10" } } },
           "2025-06-02" },
  expect = {
    { action_id = 4, priority = 12,
      reason = "Elle traite un risque auquel vos salariés sont exposés (bruit)." },
    { action_id = 9, priority = 12,
      reason = "Elle traite un risque auquel vos salariés sont exposés (bruit)." },
    { action_id = 6, priority = 5,
      reason = "Elle est conçue pour votre secteur (division NAF 10)." },
  },
}
