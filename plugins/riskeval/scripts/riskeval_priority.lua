-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default rule of the riskeval plugin: in which order the team takes the
-- companies whose fiche d'entreprise is to establish or update (the list of
-- GET /riskeval/fiches/due). A service replaces it by shipping its own
-- riskeval_priority.lua.
--
-- riskeval_priority(company, due, on_date) -> {
--   score  = number,            -- the higher, the sooner (ties: the earlier due_on first)
--   reason = "Phrase en français",
--   basis  = { "..." },         -- never empty
-- }
--   company = { headcount = integer >= 0 (declared), has_draft = boolean,
--               valid_fiche = boolean, first = boolean (no fiche ever validated) }
--   due     = fiche_entreprise_due's answer for the company on on_date
--   on_date = "AAAA-MM-JJ"
--
-- Default (DECISION, the seed sets no order): the days past the due date
-- (negative when it is still ahead) come first, so the most overdue company
-- is taken first; a first fiche (R4624-47, a legal obligation since the
-- adhesion) weighs 30 days more than an update (the offre socle's rhythm);
-- each 10 declared employees weigh one day more (more workers exposed, up to
-- 25 days from 250); a fiche already in draft weighs 15 days less (the work
-- has begun). A rule change on a date is a new dated entry.

local D = socle.date

local weights = socle.dated {
  { from = "2017-01-01", basis = "R4624-47 ; offre socle (décret 2022-653)",
    first_bonus = 30, per_employees = 10, headcount_cap = 250, draft_malus = 15 },
}

local function plural(n, word)
  return n .. " " .. word .. (n > 1 and "s" or "")
end

socle.rule("riskeval_priority", function(company, due, on_date)
  local w = weights:at(on_date) or weights:entries()[1]
  local late = D.diff_days(due.due_on, on_date)
  local headcount = math.min(company.headcount or 0, w.headcount_cap)
  local size = headcount // w.per_employees
  local score = late + size
  local parts = {}
  if late > 0 then
    parts[#parts + 1] = "en retard de " .. plural(late, "jour")
  elseif late == 0 then
    parts[#parts + 1] = "due aujourd'hui"
  else
    parts[#parts + 1] = "due dans " .. plural(-late, "jour")
  end
  if company.first then
    score = score + w.first_bonus
    parts[#parts + 1] = "première fiche, obligatoire dans l'année de l'adhésion (R4624-47)"
  end
  parts[#parts + 1] = "effectif déclaré : " .. plural(company.headcount or 0, "salarié")
  if company.has_draft then
    score = score - w.draft_malus
    parts[#parts + 1] = "brouillon déjà ouvert"
  end
  local reason = table.concat(parts, " ; ")
  return {
    score = score,
    reason = reason:sub(1, 1):upper() .. reason:sub(2) .. ".",
    basis = { w.basis },
  }
end)
