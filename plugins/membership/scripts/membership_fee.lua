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
