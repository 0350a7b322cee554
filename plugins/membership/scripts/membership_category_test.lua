-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of membership_category.lua (beside it, as SQLite keeps its tests beside
-- the code): `socle check` runs each one against the rule the service has,
-- and a service that redefines a rule keeps only its contract check.

-- ---- test vectors (socle check runs them; rules-and-figures.md §1.1, §2) ----

socle.test {
  rule = "follow_up_category", name = "CDI sans risque particulier : SI (TC01)",
  args = { { birth_date = "1990-04-12", exposures = {} }, "2025-03-10" },
  expect = {
    category = "SI", attestation_caces = false,
    reasons = { "Aucun critère de suivi adapté ou renforcé déclaré : suivi individuel simple "
                .. "(visite d'information et de prévention, renouvelée au plus tous les 5 ans)." },
    basis = { "R4624-10", "R4624-16" },
    review_on = "2025-10-01",
  },
}

socle.test {
  rule = "follow_up_category", name = "désamiantage : SIR (TC10)",
  args = { { birth_date = "1985-01-01", exposures = { "amiante" } }, "2025-03-10" },
  expect = {
    category = "SIR", attestation_caces = false,
    reasons = { "Exposition à l'amiante." },
    basis = { "R4624-23 I 1°" },
    review_on = "2025-10-01",
  },
}

socle.test {
  rule = "follow_up_category", name = "cariste CACES embauché le 2025-11-03 : VIP + attestation (TC14)",
  args = { { birth_date = "1995-06-01", caces_or_electrical = true }, "2025-11-03" },
  expect = {
    category = "SI", attestation_caces = true,
    reasons = { "Conduite d'engins (CACES) ou habilitation électrique : depuis le 1er octobre "
                .. "2025, plus de suivi renforcé ; examen par le médecin du travail et "
                .. "attestation d'absence de contre-indication valable 5 ans." },
    basis = { "R4624-10", "R4624-16", "décret 2025-355" },
    review_on = "2026-04-10",
  },
}

socle.test {
  rule = "follow_up_category", name = "CACES avant le 1er octobre 2025 : SIR",
  args = { { birth_date = "1995-06-01", caces_or_electrical = true }, "2025-09-30" },
  expect = {
    category = "SIR", attestation_caces = false,
    reasons = { "Conduite d'engins (CACES) ou habilitation électrique : examen d'aptitude "
                .. "spécifique, suivi individuel renforcé jusqu'au 30 septembre 2025." },
    basis = { "R4624-23 II", "R4323-56", "R4544-10" },
    review_on = "2025-10-01",
  },
}

socle.test {
  rule = "follow_up_category", name = "mineur sur travaux réglementés : SIR (TC13)",
  args = { { birth_date = "2008-03-15", minor_regulated_work = true }, "2025-09-01" },
  expect = {
    category = "SIR", attestation_caces = false,
    reasons = { "Mineur affecté à des travaux réglementés (dérogation) : avis d'aptitude "
                .. "médicale annuel.",
                "Salarié de moins de 18 ans : visite avant l'affectation et suivi adapté." },
    basis = { "R4624-23 II", "R4153-40", "R4624-18" },
    review_on = "2025-10-01",
  },
}

socle.test {
  rule = "follow_up_category", name = "plomb sous les seuils le 2026-05-01 : SIR (TC33)",
  args = { { birth_date = "1980-02-02", exposures = { "plomb_sous_seuils" } }, "2026-05-01" },
  expect = {
    category = "SIR", attestation_caces = false,
    reasons = { "Exposition au plomb, sans condition de seuil depuis le 10 avril 2026." },
    basis = { "R4624-23 I 2°", "décret 2026-253" },
  },
}
