-- demo-est: this service's own prevention score and membership fee. The file
-- name differs from the default pack's (membership_score.lua,
-- membership_fee.lua), so the defaults load first and the two
-- socle.rule(...) calls below replace them for this service only.

-- ---------------------------------------------------------------- score
-- A stricter reading of the six questions of the cahier des charges
-- (3.2.1.3): a practice only counts when it is carried out fully.
--   DUERP élaboré avec les salariés (both answers yes)         2
--   plan d'actions avec bilans réguliers (both answers yes)    1.5
--   instances représentatives / salariés désignés compétents   0.75
--   livret ou processus d'accueil                              0.75
-- A DUERP written without the workers, or a plan never reviewed, earns
-- nothing here, where the default pack gives it one point.
local PAIRS = {
  { keys = { "duerp", "duerp_with_workers" }, points = 2,
    label = "DUERP présent et élaboré avec les salariés" },
  { keys = { "action_plan", "action_plan_reviewed" }, points = 1.5,
    label = "plan d'actions de prévention revu et mis à jour régulièrement" },
  { keys = { "staff_representation" }, points = 0.75,
    label = "instances représentatives du personnel ou salariés désignés compétents" },
  { keys = { "onboarding" }, points = 0.75,
    label = "processus ou livret d'accueil des nouveaux salariés" },
}

local function fr(n)
  local s = string.format("%.2f", n)
  s = s:gsub("0+$", ""):gsub("%.$", ""):gsub("%.", ",")
  return s
end

socle.rule("prevention_score", function(answers)
  answers = answers or {}
  local score, details, parts = 0, {}, {}
  for _, c in ipairs(PAIRS) do
    local met = true
    for _, k in ipairs(c.keys) do
      met = met and answers[k] == true
    end
    local pts = met and c.points or 0
    score = score + pts
    for _, k in ipairs(c.keys) do
      local a = answers[k]
      if a ~= true and a ~= false then a = "non renseigné" end
      details[#details + 1] = { question = k, answer = a, points = (k == c.keys[1]) and pts or 0,
                                criterion = c.label }
    end
    parts[#parts + 1] = c.label .. (met and (" : oui (+" .. fr(pts) .. ")") or " : non (0)")
  end
  return {
    score = score,
    details = details,
    explanation = "Score de culture de prévention (barème strict du service Est) " .. fr(score)
      .. " sur 5 : " .. table.concat(parts, " ; ") .. ".",
  }
end)

socle.test {
  rule = "prevention_score", name = "Est : DUERP sans les salariés ne compte pas",
  args = { { duerp = true, duerp_with_workers = false, action_plan = true,
             action_plan_reviewed = true, staff_representation = true, onboarding = true } },
  expect = {
    score = 3,
    details = {
      { question = "duerp", answer = true, points = 0, criterion = PAIRS[1].label },
      { question = "duerp_with_workers", answer = false, points = 0, criterion = PAIRS[1].label },
      { question = "action_plan", answer = true, points = 1.5, criterion = PAIRS[2].label },
      { question = "action_plan_reviewed", answer = true, points = 0, criterion = PAIRS[2].label },
      { question = "staff_representation", answer = true, points = 0.75, criterion = PAIRS[3].label },
      { question = "onboarding", answer = true, points = 0.75, criterion = PAIRS[4].label },
    },
    explanation = "Score de culture de prévention (barème strict du service Est) 3 sur 5 : "
      .. "DUERP présent et élaboré avec les salariés : non (0) ; plan d'actions de prévention "
      .. "revu et mis à jour régulièrement : oui (+1,5) ; instances représentatives du personnel "
      .. "ou salariés désignés compétents : oui (+0,75) ; processus ou livret d'accueil des "
      .. "nouveaux salariés : oui (+0,75).",
  },
}

-- ------------------------------------------------------------------ fee
-- Per capita as the law requires (L4622-6: every worker one unit, whatever
-- the contract or working time; the rate is this service's "fee_per_worker"
-- setting), plus a one-off "droit d'entrée" of 30 € in the calendar year the
-- company joined, to cover opening its file (fiche d'entreprise due within a
-- year, R4624-46). That fixed part is the service's choice and is shown on a
-- line of its own. It stays lawful only while the fee per worker stays in the
-- national band: the plugin checks, after this rule, that both the rate and
-- the effective amount per worker (total / workers) lie within 80-120 % of
-- the national average cost, so a one-worker company joining in 2026 at
-- 98 € + 30 € = 128 € passes (band 92.80-139.20 €) while a higher droit
-- d'entrée would be refused by the plugin, not silently billed.
local JOINING_FEE = 30

local function cents(x)
  return math.floor(x * 100 + 0.5)
end

socle.rule("membership_fee", function(company, year)
  local rate = company.fee_per_worker
  if type(rate) ~= "number" or rate < 0 then
    error("réglage fee_per_worker absent ou invalide pour le service Est")
  end
  local units = math.tointeger(company.workers or 0) or 0
  local per_capita = cents(rate * units)
  local lines = {
    { label = string.format("Cotisation %d : %d salarié(s) suivi(s), par salarié (L4622-6)",
                            year, units),
      quantity = units, unit_price = rate, amount = per_capita / 100 },
  }
  local total = per_capita
  local joined = company.joined_on
  if units > 0 and type(joined) == "string" and socle.date.valid(joined)
     and socle.date.year(joined) == year then
    lines[#lines + 1] = { label = "Droit d'entrée (année d'adhésion)", quantity = 1,
                          unit_price = JOINING_FEE, amount = JOINING_FEE }
    total = total + cents(JOINING_FEE)
  end
  return { amount_per_worker = rate, units = units, total = total / 100, lines = lines }
end)

socle.test {
  rule = "membership_fee", name = "Est : année d'adhésion avec droit d'entrée",
  args = { { id = 1, workers = 2, joined_on = "2026-02-01", fee_per_worker = 98 }, 2026 },
  expect = { amount_per_worker = 98, units = 2, total = 226, lines = {
    { label = "Cotisation 2026 : 2 salarié(s) suivi(s), par salarié (L4622-6)", quantity = 2,
      unit_price = 98, amount = 196 },
    { label = "Droit d'entrée (année d'adhésion)", quantity = 1, unit_price = 30, amount = 30 },
  } },
}

socle.test {
  rule = "membership_fee", name = "Est : année suivante, per capita seul",
  args = { { id = 1, workers = 2, joined_on = "2025-02-01", fee_per_worker = 98 }, 2026 },
  expect = { amount_per_worker = 98, units = 2, total = 196, lines = {
    { label = "Cotisation 2026 : 2 salarié(s) suivi(s), par salarié (L4622-6)", quantity = 2,
      unit_price = 98, amount = 196 },
  } },
}
