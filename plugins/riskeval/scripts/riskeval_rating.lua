-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default rule of the riskeval plugin: how the online DUERP rates a risk.
--
-- risk_rating(risk) -> {
--   score       = integer 0..1000,
--   level       = "faible" | "moyen" | "eleve" | "critique",
--   priority    = 1 (act first) .. 4,
--   basis       = { "..." },       -- never empty
--   explanation = "Phrase en français",
-- }
--   risk = { code (of the thesaurus), famille?, gravite = 1..4, probabilite = 1..4 }
--
-- Default (DECISION, the usual matrix of the INRS's ED 840 method): severity
-- × probability, each on four levels, so a score of 1 to 16; 12 and more is
-- critical (priority 1), 8 and 9 high (2), 4 to 6 medium (3), 1 to 3 low (4).
-- The Code asks for an evaluation (L4121-3, R4121-1) but no method: a service
-- changes the scales or weighs some families by redefining this rule. A rule
-- change on a date is a new dated entry.

local rules = socle.dated {
  { from = "2008-05-01", basis = "L4121-3 ; R4121-1 (méthode du service : gravité × probabilité)",
    critique = 12, eleve = 8, moyen = 4 },
}

local GRAVITE = { "faible (soins sans arrêt)", "moyenne (arrêt de travail)",
                  "grave (incapacité permanente)", "très grave (décès, invalidité lourde)" }
local PROBABILITE = { "improbable", "rare (quelques fois par an)",
                      "fréquente (chaque mois)", "très fréquente (chaque semaine ou plus)" }
local LEVEL_FR = { faible = "faible", moyen = "moyen", eleve = "élevé", critique = "critique" }

socle.rule("risk_rating", function(risk)
  local rule = rules:at(socle.today()) or rules:entries()[1]
  local g, p = risk.gravite, risk.probabilite
  local score = g * p
  local level, priority = "faible", 4
  if score >= rule.critique then level, priority = "critique", 1
  elseif score >= rule.eleve then level, priority = "eleve", 2
  elseif score >= rule.moyen then level, priority = "moyen", 3 end
  return {
    score = score,
    level = level,
    priority = priority,
    basis = { rule.basis },
    explanation = "Gravité " .. g .. " (" .. GRAVITE[g] .. ") × probabilité " .. p .. " ("
      .. PROBABILITE[p] .. ") = " .. score .. " : risque " .. LEVEL_FR[level]
      .. ", priorité " .. priority .. ".",
  }
end)
