-- Default rule pack of the membership plugin: the membership fee (cotisation).
--
-- membership_fee(company, year) -> {
--   amount_per_worker = number (€, the per-capita rate),
--   units = integer (workers billed),
--   total = number (€, to the cent; equals the sum of the lines' amounts),
--   lines = { { label = "...", quantity = number, unit_price = number (€), amount = number (€) }, ... } }
--
-- company, as the plugin passes it: { id, legal_name, siren, naf_code, headcount,
--   joined_on, status, workers = integer (workers present at some point of the
--   year: start_date..end_date overlaps it), workers_by_contract = { cdi = n, cdd = n, ... } (the stored contract codes),
--   fee_per_worker = number (the service's "fee_per_worker" setting, € per worker) }
--
-- Rule (L4622-6; décret 2022-1749, D4622-27-4 to -6; in force 1 Jan 2025): the
-- cotisation of the offre socle is per capita: every worker counts as one unit
-- whatever the contract (CDI, CDD, intérim, apprentissage) or the working time
-- (full or part time). Worked case TC40: a part-time apprentice and a
-- full-time CDI are two units.
--
-- The national band (80 % to 120 % of the national average cost of the offre
-- socle, fixed by arrêté each year) is not this rule's business: the plugin
-- checks it in C after the rule, so that no service script can bill outside
-- it without a general-assembly exception recorded for the year.

local function cents(x)
  return math.floor(x * 100 + 0.5)
end

socle.rule("membership_fee", function(company, year)
  local rate = company.fee_per_worker
  if type(rate) ~= "number" or rate < 0 then
    error("réglage fee_per_worker absent ou invalide : montant de la cotisation par salarié "
          .. "(en euros) à fixer dans les réglages du plugin membership du service")
  end
  local units = math.tointeger(company.workers or 0) or 0
  local total = cents(rate * units) / 100
  return {
    amount_per_worker = rate,
    units = units,
    total = total,
    lines = {
      { label = string.format("Cotisation %d : suivi de %d salarié(s), par salarié quel que soit "
          .. "le contrat ou le temps de travail (L4622-6)", year, units),
        quantity = units, unit_price = rate, amount = total },
    },
  }
end)

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
