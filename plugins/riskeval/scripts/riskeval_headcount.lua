-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default rule of the riskeval plugin: which headcount decides the DUERP's
-- thresholds (11: yearly update, R4121-2; 50: PAPRIPACT, L4121-3-1 III) and
-- the prevention action's support. A service replaces it by shipping its own
-- riskeval_headcount.lua.
--
-- company_headcount(company, on_date) -> {
--   headcount   = integer >= 0,
--   basis       = { "..." },    -- never empty
--   explanation = "Phrase en français",
-- }
--   company = { id, declared_headcount? (what the employer declared to
--               membership), active_workers (the workers declared to the
--               service and employed on on_date), sir_workers }
--
-- Default (DECISION): the headcount the employer declared, the company's own
-- statement of its workforce (L1111-2 counts it; the service cannot); when
-- none was declared, the workers declared to the service and employed that
-- day. A rule change on a date is a new dated entry.

local rules = socle.dated {
  { from = "2017-01-01", basis = "L1111-2 ; R4121-2 ; L4121-3-1" },
}

local function plural(n)
  return n .. " salarié" .. (n > 1 and "s" or "")
end

socle.rule("company_headcount", function(company, on_date)
  local rule = rules:at(on_date) or rules:entries()[1]
  if company.declared_headcount ~= nil then
    return {
      headcount = company.declared_headcount,
      basis = { rule.basis },
      explanation = "Effectif déclaré par l'employeur : " .. plural(company.declared_headcount)
        .. " (salariés déclarés au service et employés ce jour : " .. company.active_workers .. ").",
    }
  end
  return {
    headcount = company.active_workers,
    basis = { rule.basis },
    explanation = "Aucun effectif déclaré : les salariés déclarés au service et employés ce jour, "
      .. plural(company.active_workers) .. ".",
  }
end)
