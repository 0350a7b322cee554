-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of riskeval_rating.lua (`socle check` runs them).

local BASIS = { "L4121-3 ; R4121-1 (méthode du service : gravité × probabilité)" }

socle.test {
  rule = "risk_rating",
  name = "gravité 4 × probabilité 3 = 12 : critique, priorité 1",
  args = { { code = "chute_hauteur", gravite = 4, probabilite = 3 } },
  expect = { score = 12, level = "critique", priority = 1, basis = BASIS,
    explanation = "Gravité 4 (très grave (décès, invalidité lourde)) × probabilité 3 "
      .. "(fréquente (chaque mois)) = 12 : risque critique, priorité 1." },
}

socle.test {
  rule = "risk_rating",
  name = "gravité 3 × probabilité 3 = 9 : élevé, priorité 2",
  args = { { code = "port_de_charges", gravite = 3, probabilite = 3 } },
  expect = { score = 9, level = "eleve", priority = 2, basis = BASIS,
    explanation = "Gravité 3 (grave (incapacité permanente)) × probabilité 3 (fréquente "
      .. "(chaque mois)) = 9 : risque élevé, priorité 2." },
}

socle.test {
  rule = "risk_rating",
  name = "gravité 2 × probabilité 2 = 4 : moyen, priorité 3 (le seuil)",
  args = { { code = "bruit", gravite = 2, probabilite = 2 } },
  expect = { score = 4, level = "moyen", priority = 3, basis = BASIS,
    explanation = "Gravité 2 (moyenne (arrêt de travail)) × probabilité 2 (rare (quelques "
      .. "fois par an)) = 4 : risque moyen, priorité 3." },
}

socle.test {
  rule = "risk_rating",
  name = "gravité 1 × probabilité 3 = 3 : faible, priorité 4",
  args = { { code = "travail_sur_ecran", gravite = 1, probabilite = 3 } },
  expect = { score = 3, level = "faible", priority = 4, basis = BASIS,
    explanation = "Gravité 1 (faible (soins sans arrêt)) × probabilité 3 (fréquente "
      .. "(chaque mois)) = 3 : risque faible, priorité 4." },
}
