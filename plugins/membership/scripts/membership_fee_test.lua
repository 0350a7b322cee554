-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of membership_fee.lua (beside it, as SQLite keeps its tests beside
-- the code): `socle check` runs each one against the rule the service has,
-- and a service that redefines a rule keeps only its contract check.

-- TC40: part-time apprentice + full-time CDI = 2 units.
socle.test {
  rule = "membership_fee", name = "TC40 : un apprenti à temps partiel et un CDI à temps plein, 2 unités",
  args = { { id = 1, workers = 2, workers_by_contract = { apprentissage = 1, CDI = 1 },
             fee_per_worker = 105 }, 2026 },
  expect = { amount_per_worker = 105, units = 2, total = 210,
    lines = { { label = "Cotisation 2026 : suivi de 2 salarié(s), par salarié quel que soit le "
                .. "contrat ou le temps de travail (L4622-6)",
                quantity = 2, unit_price = 105, amount = 210 } } },
}

socle.test {
  rule = "membership_fee", name = "montant au centime près",
  args = { { id = 2, workers = 3, fee_per_worker = 115.55 }, 2025 },
  expect = { amount_per_worker = 115.55, units = 3, total = 346.65,
    lines = { { label = "Cotisation 2025 : suivi de 3 salarié(s), par salarié quel que soit le "
                .. "contrat ou le temps de travail (L4622-6)",
                quantity = 3, unit_price = 115.55, amount = 346.65 } } },
}

socle.test {
  rule = "membership_fee", name = "aucun salarié : rien à payer",
  args = { { id = 3, workers = 0, fee_per_worker = 105 }, 2026 },
  expect = { amount_per_worker = 105, units = 0, total = 0,
    lines = { { label = "Cotisation 2026 : suivi de 0 salarié(s), par salarié quel que soit le "
                .. "contrat ou le temps de travail (L4622-6)",
                quantity = 0, unit_price = 105, amount = 0 } } },
}
