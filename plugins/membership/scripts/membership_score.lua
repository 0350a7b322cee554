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

socle.rule("prevention_score", function(answers)
  answers = answers or {}
  local score, details, parts = 0, {}, {}
  for _, q in ipairs(QUESTIONS) do
    local a = answer_of(answers, q.key)
    local pts, why = 0
    if a == nil then
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
