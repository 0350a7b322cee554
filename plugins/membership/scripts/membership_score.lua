-- Default rule pack of the membership plugin: the prevention-culture score.
--
-- prevention_score(answers) -> {
--   score = number in [0, 5],
--   details = { { question = key, label = "...", answer = true|false|"non renseigné",
--                 points = number, max = number }, ... },   -- one per question, in order
--   explanation = "..." }                                   -- for people, in French
--
-- Source: cahier des charges de l'offre des SSTI, 3.2.1.3 ("score de culture
-- prévention de l'entreprise, calculé sur une échelle de 0 à 5 selon les
-- réponses aux questions suivantes"). The seed gives the six questions but no
-- weights and the score has no legal definition (rules-and-figures.md §3), so
-- the scale below is this pack's choice, made to be explainable:
--
--   four "pillar" questions, one point each:
--     duerp                 Présence d'un DUERP ?                          1
--     action_plan           Présence d'un plan d'actions de prévention ?   1
--     staff_representation  Instances représentatives du personnel ou
--                           salariés désignés compétents (L4644-1) ?       1
--     onboarding            Processus / livret d'accueil des nouveaux
--                           salariés ?                                     1
--   two "quality" questions, half a point each, that only count when their
--   parent pillar is answered yes (a DUERP "made with the workers" that does
--   not exist is not a practice):
--     duerp_with_workers    DUERP élaboré avec les salariés ?              0.5 (if duerp)
--     action_plan_reviewed  Plan d'actions avec bilans réguliers et
--                           mise à jour ?                                  0.5 (if action_plan)
--
-- inputs (second argument, issue 9 item 1): what other plugins know, nil
-- fields when they are off. inputs.duerp comes from riskeval's DUERP vault
-- ({versions, transmitted_this_year, last_version_on, last_received_on,
-- yearly_update, update_due_on, update_overdue}, docs/lua-api.md): a version
-- deposited with the service answers the "duerp" question whatever was
-- declared — yes while it is up to date, no once its yearly update (R4121-2)
-- is overdue. With no version in the vault, the declared answer stands.
--
-- Total 5. An unanswered question (absent, or anything but true/false) gives
-- no point and is named as such in the explanation. A service changes the
-- scale by redefining socle.rule("prevention_score", ...) in its own scripts.

local QUESTIONS = {
  { key = "duerp", label = "DUERP présent", points = 1 },
  { key = "duerp_with_workers", label = "DUERP élaboré avec les salariés", points = 0.5,
    parent = "duerp" },
  { key = "action_plan", label = "plan d'actions de prévention", points = 1 },
  { key = "action_plan_reviewed", label = "plan d'actions revu et mis à jour régulièrement",
    points = 0.5, parent = "action_plan" },
  { key = "staff_representation",
    label = "instances représentatives du personnel ou salariés désignés compétents", points = 1 },
  { key = "onboarding", label = "processus ou livret d'accueil des nouveaux salariés", points = 1 },
}

-- "3,5" rather than "3.5": the explanation is read by French employers.
local function fr(n)
  local s = string.format("%.1f", n)
  s = s:gsub("%.0$", ""):gsub("%.", ",")
  return s
end

local function answer_of(answers, key)
  local a = answers[key]
  if a == true or a == false then return a end
  return nil
end

-- "1er juin 2025"; what is not a date is written as given.
local function fr_date(d)
  if socle.date.valid(d) then return socle.date.words(d) end
  return d
end

local function vault_of(inputs)
  local d = type(inputs) == "table" and inputs.duerp or nil
  if type(d) ~= "table" or (d.versions or 0) < 1 or type(d.last_version_on) ~= "string" then
    return nil
  end
  return d
end

socle.rule("prevention_score", function(answers, inputs)
  answers = answers or {}
  local vault = vault_of(inputs)
  if vault then
    local eff = {}
    for k, v in pairs(answers) do eff[k] = v end
    eff.duerp = not vault.update_overdue
    answers = eff
  end
  local score, details, parts = 0, {}, {}
  for _, q in ipairs(QUESTIONS) do
    local a = answer_of(answers, q.key)
    local pts, why = 0
    if vault and q.key == "duerp" then
      if a then
        pts = q.points
        why = q.label .. " : oui, version du " .. fr_date(vault.last_version_on)
          .. " déposée au service" .. (vault.transmitted_this_year
            and " et transmise cette année (L4121-3-1 VI)" or "") .. " (+" .. fr(pts) .. ")"
      else
        why = q.label .. " : version du " .. fr_date(vault.last_version_on) .. " à mettre à jour"
          .. " depuis le " .. fr_date(vault.update_due_on or vault.last_version_on)
          .. " (R4121-2) (0)"
      end
    elseif a == nil then
      why = q.label .. " : non renseigné (0)"
    elseif q.parent and answer_of(answers, q.parent) ~= true then
      why = q.label .. " : ne compte pas sans réponse oui à la question précédente (0)"
    elseif a then
      pts = q.points
      why = q.label .. " : oui (+" .. fr(pts) .. ")"
    else
      why = q.label .. " : non (0)"
    end
    score = score + pts
    details[#details + 1] = {
      question = q.key, label = q.label,
      answer = (a == nil) and "non renseigné" or a,
      points = pts, max = q.points,
      source = (vault and q.key == "duerp") and "coffre DUERP" or nil,
    }
    parts[#parts + 1] = why
  end
  return {
    score = score,
    details = details,
    explanation = "Score de culture de prévention " .. fr(score) .. " sur 5 (cahier des charges "
      .. "3.2.1.3) : " .. table.concat(parts, " ; ") .. ".",
  }
end)

-- Test vectors (socle check runs them): the whole result is compared, the
-- explanation included, since it is what the employer reads.
local function all(v)
  return { duerp = v, duerp_with_workers = v, action_plan = v, action_plan_reviewed = v,
           staff_representation = v, onboarding = v }
end

local function expected(score, pts, answers, explanation)
  local d = {}
  for i, q in ipairs(QUESTIONS) do
    local a = answers[q.key]
    if a == nil then a = "non renseigné" end
    d[i] = { question = q.key, label = q.label, answer = a, points = pts[i], max = q.points }
  end
  return { score = score, details = d, explanation = explanation }
end

socle.test {
  rule = "prevention_score", name = "toutes les réponses oui : 5",
  args = { all(true) },
  expect = expected(5, { 1, 0.5, 1, 0.5, 1, 1 }, all(true),
    "Score de culture de prévention 5 sur 5 (cahier des charges 3.2.1.3) : DUERP présent : oui (+1) ; "
    .. "DUERP élaboré avec les salariés : oui (+0,5) ; plan d'actions de prévention : oui (+1) ; "
    .. "plan d'actions revu et mis à jour régulièrement : oui (+0,5) ; instances représentatives "
    .. "du personnel ou salariés désignés compétents : oui (+1) ; processus ou livret d'accueil "
    .. "des nouveaux salariés : oui (+1)."),
}

socle.test {
  rule = "prevention_score", name = "toutes les réponses non : 0",
  args = { all(false) },
  expect = expected(0, { 0, 0, 0, 0, 0, 0 }, all(false),
    "Score de culture de prévention 0 sur 5 (cahier des charges 3.2.1.3) : DUERP présent : non (0) ; "
    .. "DUERP élaboré avec les salariés : ne compte pas sans réponse oui à la question précédente (0) ; "
    .. "plan d'actions de prévention : non (0) ; plan d'actions revu et mis à jour régulièrement : "
    .. "ne compte pas sans réponse oui à la question précédente (0) ; instances représentatives du "
    .. "personnel ou salariés désignés compétents : non (0) ; processus ou livret d'accueil des "
    .. "nouveaux salariés : non (0)."),
}

do
  -- A dependent "yes" without its parent earns nothing; half points show as ",5".
  local a = { duerp = false, duerp_with_workers = true, action_plan = true,
              action_plan_reviewed = true, staff_representation = false, onboarding = true }
  socle.test {
    rule = "prevention_score", name = "question dépendante sans son parent : 0 point",
    args = { a },
    expect = expected(2.5, { 0, 0, 1, 0.5, 0, 1 }, a,
      "Score de culture de prévention 2,5 sur 5 (cahier des charges 3.2.1.3) : DUERP présent : non (0) ; "
      .. "DUERP élaboré avec les salariés : ne compte pas sans réponse oui à la question précédente (0) ; "
      .. "plan d'actions de prévention : oui (+1) ; plan d'actions revu et mis à jour régulièrement : "
      .. "oui (+0,5) ; instances représentatives du personnel ou salariés désignés compétents : non (0) ; "
      .. "processus ou livret d'accueil des nouveaux salariés : oui (+1)."),
  }
end

do
  local a = { duerp = true, onboarding = true }
  socle.test {
    rule = "prevention_score", name = "questions non renseignées : 0 point chacune",
    args = { a },
    expect = expected(2, { 1, 0, 0, 0, 0, 1 }, a,
      "Score de culture de prévention 2 sur 5 (cahier des charges 3.2.1.3) : DUERP présent : oui (+1) ; "
      .. "DUERP élaboré avec les salariés : non renseigné (0) ; plan d'actions de prévention : "
      .. "non renseigné (0) ; plan d'actions revu et mis à jour régulièrement : non renseigné (0) ; "
      .. "instances représentatives du personnel ou salariés désignés compétents : non renseigné (0) ; "
      .. "processus ou livret d'accueil des nouveaux salariés : oui (+1)."),
  }
end

do
  -- riskeval's vault: a version deposited this year answers "duerp" yes even
  -- though the company declared no; the dependent question then counts.
  local a = { duerp = false, duerp_with_workers = true, onboarding = true }
  local inputs = { duerp = { versions = 1, transmitted_this_year = true,
                             last_version_on = "2025-01-15", last_received_on = "2025-02-01",
                             yearly_update = false, update_overdue = false } }
  local r = expected(2.5, { 1, 0.5, 0, 0, 0, 1 },
    { duerp = true, duerp_with_workers = true, onboarding = true },
    "Score de culture de prévention 2,5 sur 5 (cahier des charges 3.2.1.3) : DUERP présent : oui, "
    .. "version du 15 janvier 2025 déposée au service et transmise cette année (L4121-3-1 VI) (+1) ; "
    .. "DUERP élaboré avec les salariés : oui (+0,5) ; plan d'actions de prévention : non renseigné "
    .. "(0) ; plan d'actions revu et mis à jour régulièrement : non renseigné (0) ; instances "
    .. "représentatives du personnel ou salariés désignés compétents : non renseigné (0) ; "
    .. "processus ou livret d'accueil des nouveaux salariés : oui (+1).")
  r.details[1].source = "coffre DUERP"
  socle.test {
    rule = "prevention_score", name = "coffre DUERP : version déposée cette année, oui",
    args = { a, inputs }, expect = r,
  }

  -- The yearly update is overdue (11 employees and more): the declared yes no
  -- longer counts.
  local late = { duerp = { versions = 1, transmitted_this_year = false,
                           last_version_on = "2023-03-01", last_received_on = "2023-03-02",
                           yearly_update = true, update_due_on = "2024-03-01",
                           update_overdue = true } }
  local r2 = expected(1, { 0, 0, 0, 0, 0, 1 }, { duerp = false, onboarding = true },
    "Score de culture de prévention 1 sur 5 (cahier des charges 3.2.1.3) : DUERP présent : version "
    .. "du 1er mars 2023 à mettre à jour depuis le 1er mars 2024 (R4121-2) (0) ; DUERP élaboré avec "
    .. "les salariés : non renseigné (0) ; plan d'actions de prévention : non renseigné (0) ; plan "
    .. "d'actions revu et mis à jour régulièrement : non renseigné (0) ; instances représentatives "
    .. "du personnel ou salariés désignés compétents : non renseigné (0) ; processus ou livret "
    .. "d'accueil des nouveaux salariés : oui (+1).")
  r2.details[1].source = "coffre DUERP"
  socle.test {
    rule = "prevention_score", name = "coffre DUERP : mise à jour annuelle dépassée, non",
    args = { { duerp = true, onboarding = true }, late }, expect = r2,
  }

  -- riskeval off (inputs.duerp nil) or no version yet: the declared answers stand.
  socle.test {
    rule = "prevention_score", name = "coffre DUERP vide : la réponse déclarée compte",
    args = { { duerp = true, onboarding = true },
             { duerp = { versions = 0, transmitted_this_year = false, update_overdue = false } } },
    expect = expected(2, { 1, 0, 0, 0, 0, 1 }, { duerp = true, onboarding = true },
      "Score de culture de prévention 2 sur 5 (cahier des charges 3.2.1.3) : DUERP présent : oui (+1) ; "
      .. "DUERP élaboré avec les salariés : non renseigné (0) ; plan d'actions de prévention : "
      .. "non renseigné (0) ; plan d'actions revu et mis à jour régulièrement : non renseigné (0) ; "
      .. "instances représentatives du personnel ou salariés désignés compétents : non renseigné (0) ; "
      .. "processus ou livret d'accueil des nouveaux salariés : oui (+1)."),
  }
end
