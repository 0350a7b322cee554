-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of riskeval_headcount.lua (`socle check` runs them).

socle.test {
  rule = "company_headcount",
  name = "l'effectif déclaré décide : 12 déclarés, 3 salariés au service",
  args = { { id = 1, declared_headcount = 12, active_workers = 3, sir_workers = 0 }, "2026-03-10" },
  expect = {
    headcount = 12,
    basis = { "L1111-2 ; R4121-2 ; L4121-3-1" },
    explanation = "Effectif déclaré par l'employeur : 12 salariés (salariés déclarés au "
      .. "service et employés ce jour : 3).",
  },
}

socle.test {
  rule = "company_headcount",
  name = "sans effectif déclaré : les salariés déclarés et employés, 1",
  args = { { id = 2, active_workers = 1, sir_workers = 1 }, "2026-03-10" },
  expect = {
    headcount = 1,
    basis = { "L1111-2 ; R4121-2 ; L4121-3-1" },
    explanation = "Aucun effectif déclaré : les salariés déclarés au service et employés ce "
      .. "jour, 1 salarié.",
  },
}
