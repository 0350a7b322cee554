-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default rule pack of the riskeval plugin: when the fiche d'entreprise is due,
-- and what the DUERP asks of a company of a given size.
--
-- fiche_entreprise_due(company, history, on_date) -> {
--   due_on      = "AAAA-MM-JJ",   -- the fiche (first, or its update) at the latest on this day
--   kind        = "premiere" | "mise_a_jour",
--   overdue     = true | false,   -- due_on is earlier than on_date
--   basis       = { "R4624-47", ... },  -- never empty
--   explanation = "Phrase en français",
-- }
--   company = { joined_on = "AAAA-MM-JJ" (adhesion), left_on? = "AAAA-MM-JJ",
--               update_years = integer 1..10 (the service setting update_years; 4
--               by default: the offre socle; the seed document says 5) }
--   history = the validated versions, oldest first: { { version = n, validated_on } ... }
--             (an empty list: no fiche yet)
--   on_date = "AAAA-MM-JJ", the day of the question; the rules in force that day apply.
--
-- duerp_update_due(company, last_version, on_date) -> {
--   yearly_update = true | false,  -- R4121-2: at least yearly from 11 employees
--   due_on?       = "AAAA-MM-JJ",  -- the next version at the latest (yearly_update only)
--   outputs       = "papripact" | "liste_actions",  -- L4121-3-1 III: 50 employees and more
--   keep_until?   = "AAAA-MM-JJ",  -- the last version kept at least until (R4121-4)
--   basis, explanation              -- as above
-- }
--   company = { headcount = integer >= 0 (company_headcount's answer) }
--   last_version = { date = "AAAA-MM-JJ" }, or an empty table (no DUERP yet)
--
-- Sources: ../shared/domain/rules-and-figures.md §1.2 and worked cases TC34–TC36.
--   Fiche d'entreprise: R4624-46 to R4624-50; within one year of adhesion (R4624-47);
--   the Code sets no update rhythm, the offre socle asks at least every 4 years
--   (décret 2022-653): a service setting, update_years.
--   DUERP: R4121-2 (yearly update from 11 employees; otherwise on an important change
--   or new information), L4121-3-1 III (PAPRIPACT from 50, a list of actions below),
--   R4121-4 (every version kept 40 years), L4121-3-1 VI (sent to the SPST at each update).
-- A rule change on a date is a new dated entry, never an edit of an old one.

local D = socle.date

local fiche_rules = socle.dated {
  { from = "2017-01-01", basis = "R4624-47",
    first_years = 1, first_arts = "R4624-47",
    update_arts = "offre socle (décret 2022-653) : mise à jour au moins tous les %d ans" },
}

local duerp_rules = socle.dated {
  { from = "2022-03-31", basis = "R4121-2 ; L4121-3-1",
    yearly_from = 11, yearly_arts = "R4121-2",
    papripact_from = 50, outputs_arts = "L4121-3-1 III",
    keep_years = 40, keep_arts = "R4121-4" },
}

-- The entry in force on @p on_date, or the first one for an earlier day.
local function in_force(table_, on_date)
  return table_:at(on_date) or table_:entries()[1]
end

local fr = D.words -- "1er juin 2025"

socle.rule("fiche_entreprise_due", function(company, history, on_date)
  local rule = in_force(fiche_rules, on_date)
  local years = company.update_years or 4
  local last
  for _, v in ipairs(history or {}) do
    if v.validated_on and D.compare(v.validated_on, on_date) <= 0
       and (last == nil or D.compare(v.validated_on, last.validated_on) > 0) then
      last = v
    end
  end
  local r
  if last == nil then
    local due = D.add_years(company.joined_on, rule.first_years)
    r = { due_on = due, kind = "premiere", basis = { rule.first_arts },
          explanation = "Adhésion le " .. fr(company.joined_on) .. " : la fiche d'entreprise "
            .. "est à établir dans l'année qui suit l'adhésion, au plus tard le " .. fr(due)
            .. " (R4624-47)." }
  else
    local due = D.add_years(last.validated_on, years)
    r = { due_on = due, kind = "mise_a_jour",
          basis = { rule.first_arts, string.format(rule.update_arts, years) },
          explanation = "Dernière fiche d'entreprise validée le " .. fr(last.validated_on)
            .. " (version " .. tostring(last.version) .. ") : elle est à mettre à jour au "
            .. "moins tous les " .. years .. " ans, au plus tard le " .. fr(due)
            .. " (offre socle ; le Code du travail ne fixe pas de rythme, R4624-47)." }
  end
  r.overdue = D.compare(r.due_on, on_date) < 0
  if r.overdue then
    r.explanation = r.explanation .. " Échéance dépassée au " .. fr(on_date) .. "."
  end
  return r
end)

socle.rule("duerp_update_due", function(company, last_version, on_date)
  local rule = in_force(duerp_rules, on_date)
  if type(last_version) ~= "table" then last_version = nil end
  local n = company.headcount or 0
  local r = { basis = {} }
  local parts = {}
  if n >= rule.papripact_from then
    r.outputs = "papripact"
    parts[#parts + 1] = "à partir de " .. rule.papripact_from .. " salariés, le DUERP débouche "
      .. "sur un programme annuel de prévention (PAPRIPACT : mesures, indicateurs, coût, "
      .. "calendrier)"
  else
    r.outputs = "liste_actions"
    parts[#parts + 1] = "sous " .. rule.papripact_from .. " salariés, le DUERP comporte une "
      .. "liste d'actions de prévention (pas de PAPRIPACT)"
  end
  r.basis[#r.basis + 1] = rule.outputs_arts
  if n >= rule.yearly_from then
    r.yearly_update = true
    r.basis[#r.basis + 1] = rule.yearly_arts
    if last_version and last_version.date then
      r.due_on = D.add_years(last_version.date, 1)
      table.insert(parts, 1, "la version du " .. fr(last_version.date) .. " est à mettre à jour "
        .. "au moins une fois par an, au plus tard le " .. fr(r.due_on))
    else
      r.due_on = on_date
      table.insert(parts, 1, "aucun DUERP connu : il est à établir sans attendre")
    end
  else
    r.yearly_update = false
    r.basis[#r.basis + 1] = rule.yearly_arts
    table.insert(parts, 1, "moins de " .. rule.yearly_from .. " salariés : pas d'obligation de "
      .. "mise à jour annuelle, le DUERP est mis à jour lors de tout aménagement important "
      .. "ou de toute information nouvelle sur un risque")
  end
  if last_version and last_version.date then
    r.keep_until = D.add_years(last_version.date, rule.keep_years)
    r.basis[#r.basis + 1] = rule.keep_arts
    parts[#parts + 1] = "chaque version est conservée " .. rule.keep_years .. " ans (celle du "
      .. fr(last_version.date) .. " au moins jusqu'au " .. fr(r.keep_until) .. ") et "
      .. "transmise au service de prévention et de santé au travail à chaque mise à jour"
    r.basis[#r.basis + 1] = "L4121-3-1 VI"
  end
  local text = "Entreprise de " .. n .. " salarié" .. (n > 1 and "s" or "") .. " : "
    .. table.concat(parts, " ; ") .. "."
  r.explanation = text
  return r
end)
