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

-- The library functions the rule calls for every action, looked up once (the
-- sandbox's libraries are read-only proxies: each lookup is a metamethod).
local min = math.min
local add_years, compare = socle.date.add_years, socle.date.compare
local sort = table.sort

local REFRESH_YEARS = 3
local LOW_SCORE = 2.5

local function set_of(list)
  local s = {}
  if list then
    for i = 1, #list do s[list[i]] = true end
  end
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

-- The answers' order: priority first (highest), then action_id. The
-- catalogue comes in id order (awareness_catalogue): the answers are then
-- put in one bucket per priority as they come, and read back from the
-- highest bucket, already in id order. A catalogue in another order gets
-- one integer key per answer (its place in the low 16 bits) sorted without
-- a Lua comparator. A comparator called per comparison was a fifth of the
-- rule's cost over a whole service (bench/awareness). Priorities stay far
-- below 2^22, ids below 2^24, a catalogue under 65,536 actions.
local PRIORITY_UNIT, ID_UNIT, PLACES = 1 << 40, 1 << 16, 1 << 16

socle.rule("recommend_actions", function(company, actions, on_date)
  local exposed = set_of(company.risks)
  local asked = set_of(company.expressed)
  local counts = company.risk_workers or {}
  local recent = {}
  local since = add_years(on_date, -REFRESH_YEARS)
  local attended = company.attended
  if attended then
    for i = 1, #attended do
      local a = attended[i]
      if compare(a.on, since) >= 0 then recent[a.action_id] = true end
    end
  end
  local low = company.prevention_score ~= nil and company.prevention_score < LOW_SCORE
  local division = company.naf_division
  local items, n = {}, 0
  local buckets, high, low_p, in_order, last_id = {}, nil, nil, true, nil
  for k = 1, #actions do
    local action = actions[k]
    local id = action.id
    if last_id ~= nil and id <= last_id then in_order = false end
    last_id = id
    if not recent[id] then
      local risks = action.risks
      local matched, wanted, priority, text = nil, nil, 0, nil
      if risks then
        for i = 1, #risks do
          local r = risks[i]
          if exposed[r] then
            local l = LABELS[r] or r
            matched = matched and (matched .. ", " .. l) or l
            priority = priority + 10 + min(2 * (counts[r] or 0), 10)
          end
          if asked[r] then
            local l = LABELS[r] or r
            wanted = wanted and (wanted .. ", " .. l) or l
          end
        end
      end
      -- The reasons joined by " ; ", the first one capitalised; each
      -- added in one concatenation (one new string).
      if matched then
        text = "Elle traite un risque auquel vos salariés sont exposés (" .. matched .. ")"
      end
      if wanted then
        priority = priority + 8
        text = text and (text .. " ; elle répond à l'attente que vous avez exprimée ("
                         .. wanted .. ")")
          or ("Elle répond à l'attente que vous avez exprimée (" .. wanted .. ")")
      end
      local sector = false
      local divisions = action.naf_divisions
      if divisions and division then
        for i = 1, #divisions do
          if divisions[i] == division then sector = true break end
        end
      end
      if sector then
        priority = priority + 5
        text = text and (text .. " ; elle est conçue pour votre secteur (division NAF "
                         .. division .. ")")
          or ("Elle est conçue pour votre secteur (division NAF " .. division .. ")")
      end
      if text and low and holds(action.audience, "employeurs") then
        priority = priority + 5
        text = text .. " ; votre score de prévention (" .. fr_score(company.prevention_score)
          .. " sur 5) invite à y associer la direction"
      end
      if text then
        n = n + 1
        local item = { action_id = id, priority = priority, reason = text .. "." }
        items[n] = item
        local b = buckets[priority]
        if b then
          b[#b + 1] = item
        else
          buckets[priority] = { item }
          if high == nil or priority > high then high = priority end
          if low_p == nil or priority < low_p then low_p = priority end
        end
      end
    end
  end
  local out = {}
  if in_order then
    local m = 0
    for p = high or 0, low_p or 1, -1 do
      local b = buckets[p]
      if b then
        for i = 1, #b do m = m + 1; out[m] = b[i] end
      end
    end
  else
    local keys = {}
    for i = 1, n do
      local it = items[i]
      keys[i] = -it.priority * PRIORITY_UNIT + it.action_id * ID_UNIT + i
    end
    sort(keys)
    for i = 1, n do out[i] = items[keys[i] % PLACES] end
  end
  return socle.array(out)
end)
