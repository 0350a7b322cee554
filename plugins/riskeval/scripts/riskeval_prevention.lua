-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default rule pack of the riskeval plugin: the primary prevention action
-- (cahier des charges 3.2.3), proposed to each member company at least every
-- five years, in one of two parcours:
--   parcours 1 — the company has a DUERP in the vault: a gap analysis between
--                its DUERP and the fiche d'entreprise; the fiche's risks that
--                the DUERP does not name are listed, to be added to it;
--   parcours 2 — no DUERP: a proposal of individual or collective support,
--                by the company's risks (those of its fiche).
--
-- prevention_action(company, fiche, duerp, on_date) -> {
--   parcours    = 1 | 2,
--   gaps        = { { code, libelle } ... },  -- parcours 1: the fiche's risks absent
--                                             -- from the DUERP (may be empty); parcours 2: {}
--   support?    = "individuel" | "collectif", -- parcours 2 only
--   risks       = { { code, libelle } ... },  -- the risks the action is about
--   proposal    = "Texte de la proposition, en français",
--   next_due_on = "AAAA-MM-JJ",               -- the next action at the latest
--   basis       = { ... }, explanation = "Phrase en français",
-- }
--   company = { headcount = integer >= 0 }
--   fiche   = { version, validated_on, risks = { { code, libelle } } }, or {} (no
--             validated fiche yet)
--   duerp   = { version_on = "AAAA-MM-JJ", risks = { "code", ... } } (the latest
--             version in the vault and the risk codes the company declared with it),
--             or {} (none)
--   on_date = "AAAA-MM-JJ", the day of the proposal.
-- The five years and the 11-worker threshold between individual and collective
-- support are this pack's choices where the seed gives no figure for the latter
-- (a service redefines the rule in its own scripts).

local D = socle.date

local rules = socle.dated {
  { from = "2022-03-31", every_years = 5, collective_from = 11,
    basis = "cahier des charges de l'offre socle 3.2.3" },
}

local fr = D.words -- "1er juin 2025"

local function names(list)
  local out = {}
  for _, r in ipairs(list) do out[#out + 1] = (r.libelle or r.code) .. " (" .. r.code .. ")" end
  return table.concat(out, ", ")
end

socle.rule("prevention_action", function(company, fiche, duerp, on_date)
  local rule = rules:at(on_date) or rules:entries()[1]
  local fiche_risks = {}
  for _, r in ipairs((fiche or {}).risks or {}) do
    fiche_risks[#fiche_risks + 1] = { code = r.code, libelle = r.libelle or r.code }
  end
  local next_due = D.add_years(on_date, rule.every_years)
  local r = { basis = { rule.basis }, next_due_on = next_due, gaps = {} }
  local again = " Prochaine action de prévention primaire au plus tard le " .. fr(next_due)
    .. " (au moins tous les " .. rule.every_years .. " ans)."
  if duerp and duerp.version_on then
    local declared = {}
    for _, c in ipairs(duerp.risks or {}) do declared[c] = true end
    for _, fr_ in ipairs(fiche_risks) do
      if not declared[fr_.code] then r.gaps[#r.gaps + 1] = fr_ end
    end
    r.parcours = 1
    r.risks = r.gaps
    if #fiche_risks == 0 then
      r.proposal = "Analyse des écarts entre le DUERP et la fiche d'entreprise à mener lors "
        .. "de la prochaine visite : aucune fiche d'entreprise validée ne nomme encore de risque."
    elseif #r.gaps == 0 then
      r.proposal = "Le DUERP du " .. fr(duerp.version_on) .. " nomme tous les risques de la "
        .. "fiche d'entreprise : revue des mesures de prévention avec l'employeur."
    else
      r.proposal = "Compléter le DUERP du " .. fr(duerp.version_on) .. " : la fiche "
        .. "d'entreprise relève " .. #r.gaps .. " risque" .. (#r.gaps > 1 and "s" or "")
        .. " qu'il ne nomme pas : " .. names(r.gaps) .. "."
    end
    r.explanation = "Parcours 1 (un DUERP existe) : analyse des écarts entre le DUERP et la "
      .. "fiche d'entreprise. " .. r.proposal .. again
  else
    r.parcours = 2
    r.risks = fiche_risks
    local n = (company or {}).headcount or 0
    r.support = n >= rule.collective_from and "collectif" or "individuel"
    local about = #fiche_risks > 0 and (" sur les risques de la fiche d'entreprise : "
      .. names(fiche_risks)) or " à partir du modèle de DUERP de la branche"
    if r.support == "collectif" then
      r.proposal = "Accompagnement collectif à l'élaboration du DUERP (atelier avec "
        .. "l'employeur et les salariés désignés)" .. about .. "."
    else
      r.proposal = "Accompagnement individuel de l'employeur à l'élaboration de son DUERP"
        .. about .. "."
    end
    r.explanation = "Parcours 2 (aucun DUERP déposé) : entreprise de " .. n .. " salarié"
      .. (n > 1 and "s" or "") .. ", accompagnement " .. r.support
      .. (r.support == "collectif" and (" (à partir de " .. rule.collective_from .. " salariés)")
          or (" (moins de " .. rule.collective_from .. " salariés)")) .. ". " .. r.proposal
      .. again
  end
  return r
end)
