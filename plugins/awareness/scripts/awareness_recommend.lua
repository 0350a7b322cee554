-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default rule pack of the awareness plugin: which actions to propose to a
-- company (cahier des charges 3.4.1.3: "nature et niveau des risques encourus
-- par l'entreprise ou son secteur d'activité", "score de prévention de
-- l'entreprise"). A service redefines it with socle.rule("recommend_actions", ...).
--
-- recommend_actions(company, actions, on_date) -> array of {
--   action_id = integer (one of actions' ids),
--   priority  = integer (higher first),
--   reason    = French sentence: why this company, in its own terms,
-- }, sorted by priority then action_id.
--   company = { id, naf_code, naf_division ("43"), risks = { codes },
--               risk_workers = { code = number of workers exposed },
--               prevention_score (0 to 5, absent when never scored),
--               attended = { { action_id, on = "YYYY-MM-DD" } },
--               expressed = { risk codes named in the needs it expressed } }
--   actions = the active catalogue: { id, kind, title, audience, risks, naf_divisions }
--
-- DECISION: an action counts when it addresses a risk the company's workers
-- are exposed to (10 points a risk, 2 more a worker up to 10) or the
-- company's NAF division (5 points), or a risk named in a need the company
-- expressed (8 points: it asked); a prevention score under 2.5 out of 5
-- adds 5 points to the actions meant for employers (the culture of
-- prevention starts with them). An action the company attended within the
-- last 3 years is not proposed again (a refresher after that).

local LABELS = {
  amiante = "amiante", plomb = "plomb", cmr = "agents CMR",
  rayonnements_ionisants = "rayonnements ionisants", echafaudages = "échafaudages",
  bruit = "bruit", vibrations = "vibrations", port_de_charges = "port de charges",
  gestes_repetitifs = "gestes répétitifs", travail_de_nuit = "travail de nuit",
  risques_psychosociaux = "risques psychosociaux", travail_sur_ecran = "travail sur écran",
  agents_chimiques = "agents chimiques", conduite_engins = "conduite d'engins",
  habilitation_electrique = "risque électrique", travail_en_hauteur = "travail en hauteur",
  temperatures_extremes = "ambiances thermiques", risque_routier = "risque routier",
  travail_isole = "travail isolé",
}

local REFRESH_YEARS = 3
local LOW_SCORE = 2.5

local function label(code)
  return LABELS[code] or code
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list or {}) do s[v] = true end
  return s
end

-- Whether @list holds @value: the lists of one action are short (a few codes),
-- a scan costs less than building a set for each action of each company.
local function holds(list, value)
  if list == nil or value == nil then return false end
  for i = 1, #list do
    if list[i] == value then return true end
  end
  return false
end

local function fr_score(x)
  return (string.format("%.1f", x):gsub("%.", ","))
end

local function by_priority(a, b)
  if a.priority ~= b.priority then return a.priority > b.priority end
  return a.action_id < b.action_id
end

socle.rule("recommend_actions", function(company, actions, on_date)
  local exposed = set_of(company.risks)
  local asked = set_of(company.expressed)
  local counts = company.risk_workers or {}
  local recent = {}
  local since = socle.date.add_years(on_date, -REFRESH_YEARS)
  for _, a in ipairs(company.attended or {}) do
    if socle.date.compare(a.on, since) >= 0 then recent[a.action_id] = true end
  end
  local low = company.prevention_score ~= nil and company.prevention_score < LOW_SCORE
  local division = company.naf_division
  local out = {}
  for _, action in ipairs(actions) do
    if not recent[action.id] then
      local risks = action.risks or {}
      local matched, wanted, priority, reasons = nil, nil, 0, {}
      for i = 1, #risks do
        local r = risks[i]
        if exposed[r] then
          matched = matched and (matched .. ", " .. label(r)) or label(r)
          priority = priority + 10 + math.min(2 * (counts[r] or 0), 10)
        end
        if asked[r] then
          wanted = wanted and (wanted .. ", " .. label(r)) or label(r)
        end
      end
      if matched then
        reasons[#reasons + 1] = "elle traite un risque auquel vos salariés sont exposés ("
          .. matched .. ")"
      end
      if wanted then
        priority = priority + 8
        reasons[#reasons + 1] = "elle répond à l'attente que vous avez exprimée (" .. wanted .. ")"
      end
      if holds(action.naf_divisions, division) then
        priority = priority + 5
        reasons[#reasons + 1] = "elle est conçue pour votre secteur (division NAF "
          .. division .. ")"
      end
      if #reasons > 0 and low and holds(action.audience, "employeurs") then
        priority = priority + 5
        reasons[#reasons + 1] = "votre score de prévention (" .. fr_score(company.prevention_score)
          .. " sur 5) invite à y associer la direction"
      end
      if #reasons > 0 then
        local text = table.concat(reasons, " ; ")
        out[#out + 1] = { action_id = action.id, priority = priority,
                          reason = text:sub(1, 1):upper() .. text:sub(2) .. "." }
      end
    end
  end
  table.sort(out, by_priority)
  return socle.array(out)
end)
