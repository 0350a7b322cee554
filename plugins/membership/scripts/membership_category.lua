-- Default rule pack of the membership plugin: the follow-up category of a worker.
--
-- follow_up_category(worker, on_date) -> {
--   category          = "SI" | "SIA" | "SIR",
--   reasons           = { "phrase en français", ... },  -- one per criterion met (never empty)
--   basis             = { "R4624-23 I", ... },          -- the articles applied (never empty)
--   attestation_caces = true | false,   -- CACES / habilitation électrique regime of
--                                       -- décret 2025-355 (see below)
--   review_on         = "AAAA-MM-JJ" (optional): the next date on which the same
--                       inputs may give another result (18th birthday, a dated
--                       rule taking effect); the plugin recomputes the worker then.
-- }
--
-- worker: the declared worker (birth_date, night_worker, rqth, invalidity_pension,
-- exposures = { risk codes }, sir_post, caces_or_electrical, ionising_category_a,
-- minor_regulated_work, ...); on_date: "AAAA-MM-JJ", the date the category holds on.
--
-- Sources (../shared/domain/rules-and-figures.md §1.1, Code du travail):
--   SIR  R4624-23 I: amiante; plomb (R4412-160 thresholds, removed from
--        10 Apr 2026 by décret 2026-253: TO VERIFY, kept as a dated entry a
--        service can override); CMR agents (R4412-60); biological agents of
--        groups 3 and 4; ionising radiation; hyperbaric risk; fall from height
--        when assembling or dismantling scaffolding.
--        R4624-23 II: posts whose assignment needs a specific aptitude exam
--        (minors on travaux réglementés under dérogation, R4153-40).
--        R4624-23 III: the employer's own list of SIR posts (sir_post).
--        R4451-82: ionising radiation category A (yearly EMA, no intermediate visit).
--   CACES / habilitation électrique: SIR (specific aptitude exam, R4624-23 II)
--        until 30 Sep 2025; from 1 Oct 2025 (décret 2025-355) no longer SIR: VIP
--        regime plus an exam by the médecin du travail giving an attestation
--        d'absence de contre-indication valid 5 years. Decision of this pack:
--        the category is then SI (or SIA when an adapted-follow-up criterion
--        applies) with attestation_caces = true, so the visits plugin can plan
--        the médecin's exam and its 5-year renewal.
--   SIA  R4624-17 (RQTH, invalidity pension, night workers: suivi adapté) and
--        R4624-18 (night workers and workers under 18: VIP before assignment).
--   SI   otherwise: VIP (R4624-10), renewed at most every 5 years (R4624-16).
--
-- A rule change on a date is a new dated entry, never an edit of an old one.
-- Categories rank SIR > SIA > SI; every criterion met is listed in reasons.

-- R4624-23 I risks, by exposure code (the codes of GET /membership/risks;
-- plomb_sous_seuils, lead below the R4412-160 thresholds, is SIR only from
-- 2026-04-10).
local sir_risks = socle.dated {
  { from = "2017-01-01", to = "2026-04-10", basis = "R4624-23 I",
    risks = {
      amiante = { "R4624-23 I 1°", "exposition à l'amiante" },
      plomb = { "R4624-23 I 2° ; R4412-160",
                "exposition au plomb au-delà des seuils de l'article R4412-160" },
      cmr = { "R4624-23 I 3° ; R4412-60",
              "exposition à des agents cancérogènes, mutagènes ou toxiques pour la reproduction" },
      agents_biologiques_3_4 = { "R4624-23 I 4°",
                                 "exposition à des agents biologiques des groupes 3 et 4" },
      rayonnements_ionisants = { "R4624-23 I 5°", "exposition aux rayonnements ionisants" },
      milieu_hyperbare = { "R4624-23 I 6°", "exposition au risque hyperbare" },
      echafaudages = { "R4624-23 I 7°",
                       "risque de chute de hauteur lors du montage et du démontage d'échafaudages" },
    } },
  -- Décret 2026-253 (to verify): the R4412-160 thresholds are abrogated and any
  -- lead exposure is SIR. A service that does not apply it redefines this rule.
  { from = "2026-04-10", basis = "R4624-23 I ; décret 2026-253 (à vérifier)",
    risks = {
      amiante = { "R4624-23 I 1°", "exposition à l'amiante" },
      plomb = { "R4624-23 I 2° ; décret 2026-253", "exposition au plomb" },
      plomb_sous_seuils = { "R4624-23 I 2° ; décret 2026-253",
                            "exposition au plomb, sans condition de seuil depuis le 10 avril 2026" },
      cmr = { "R4624-23 I 3° ; R4412-60",
              "exposition à des agents cancérogènes, mutagènes ou toxiques pour la reproduction" },
      agents_biologiques_3_4 = { "R4624-23 I 4°",
                                 "exposition à des agents biologiques des groupes 3 et 4" },
      rayonnements_ionisants = { "R4624-23 I 5°", "exposition aux rayonnements ionisants" },
      milieu_hyperbare = { "R4624-23 I 6°", "exposition au risque hyperbare" },
      echafaudages = { "R4624-23 I 7°",
                       "risque de chute de hauteur lors du montage et du démontage d'échafaudages" },
    } },
}

-- The order in which risks are cited, so that reasons are stable.
local RISK_ORDER = { "amiante", "plomb", "plomb_sous_seuils", "cmr", "agents_biologiques_3_4",
                     "rayonnements_ionisants", "milieu_hyperbare", "echafaudages" }

local caces = socle.dated {
  { from = "2017-01-01", to = "2025-10-01", basis = "R4624-23 II ; R4323-56 ; R4544-10",
    sir = true,
    reason = "conduite d'engins (CACES) ou habilitation électrique : examen d'aptitude "
          .. "spécifique, suivi individuel renforcé jusqu'au 30 septembre 2025" },
  { from = "2025-10-01", basis = "décret 2025-355", sir = false, attestation_years = 5,
    reason = "conduite d'engins (CACES) ou habilitation électrique : depuis le 1er octobre 2025, "
          .. "plus de suivi renforcé ; examen par le médecin du travail et attestation "
          .. "d'absence de contre-indication valable 5 ans" },
}

local specific = socle.dated {
  { from = "2017-01-01", basis = "R4624-23",
    minor_regulated = { "R4624-23 II ; R4153-40",
                        "mineur affecté à des travaux réglementés (dérogation) : avis "
                     .. "d'aptitude médicale annuel" },
    ionising_a = { "R4624-23 I 5° ; R4451-82",
                   "rayonnements ionisants, catégorie A : examen médical d'aptitude chaque "
                .. "année, sans visite intermédiaire" },
    employer_list = { "R4624-23 III",
                      "poste figurant sur la liste des postes à risque établie par l'employeur" },
  },
}

local adapted = socle.dated {
  { from = "2017-01-01", basis = "R4624-17 ; R4624-18",
    night = { "R4624-18 ; R4624-17 ; L3122-5",
              "travailleur de nuit : visite avant l'affectation et suivi adapté" },
    minor = { "R4624-18", "salarié de moins de 18 ans : visite avant l'affectation et suivi adapté" },
    rqth = { "R4624-17 ; L4624-1",
             "travailleur handicapé (RQTH) : suivi adapté et orientation vers le médecin du travail" },
    invalidity = { "R4624-17 ; L4624-1",
                   "titulaire d'une pension d'invalidité : suivi adapté et orientation vers le "
                .. "médecin du travail" },
  },
}

local simple = socle.dated {
  { from = "2017-01-01", basis = "R4624-10 ; R4624-16",
    reason = "aucun critère de suivi adapté ou renforcé déclaré : suivi individuel simple "
          .. "(visite d'information et de prévention, renouvelée au plus tous les 5 ans)" },
}

-- Every date on which one of the tables above changes: a worker's result may
-- change on the next one after on_date (review_on).
local boundaries = {}
do
  local seen = {}
  for _, set in ipairs({ sir_risks, caces, specific, adapted, simple }) do
    for _, e in ipairs(set:entries()) do
      for _, d in ipairs({ e.from, e.to }) do
        if d and not seen[d] then
          seen[d] = true
          boundaries[#boundaries + 1] = d
        end
      end
    end
  end
  table.sort(boundaries)
end

local function next_boundary(on_date)
  for _, d in ipairs(boundaries) do
    if d > on_date then return d end
  end
  return nil
end

-- A criterion ready to cite: its articles split once and its sentence made
-- once, so that a call only copies references (a recomputation of a whole
-- service calls the rule for every worker with the same on_date).
local function first_upper(str)
  return str:sub(1, 1):upper() .. str:sub(2)
end

local function prepare(basis, text)
  local arts = {}
  for art in basis:gmatch("[^;]+") do arts[#arts + 1] = art:match("^%s*(.-)%s*$") end
  return { arts = arts, sentence = first_upper(text) .. "." }
end

local function prepare_all(r)
  local risks = {}
  for code, pair in pairs(r.sir.risks) do risks[code] = prepare(pair[1], pair[2]) end
  return {
    risks = risks,
    caces = prepare(r.caces.basis, r.caces.reason), caces_sir = r.caces.sir,
    ionising_a = prepare(r.specific.ionising_a[1], r.specific.ionising_a[2]),
    minor_regulated = prepare(r.specific.minor_regulated[1], r.specific.minor_regulated[2]),
    employer_list = prepare(r.specific.employer_list[1], r.specific.employer_list[2]),
    night = prepare(r.adapted.night[1], r.adapted.night[2]),
    minor = prepare(r.adapted.minor[1], r.adapted.minor[2]),
    rqth = prepare(r.adapted.rqth[1], r.adapted.rqth[2]),
    invalidity = prepare(r.adapted.invalidity[1], r.adapted.invalidity[2]),
    simple = prepare(r.simple.basis, r.simple.reason),
  }
end

-- The entries in force on one date, resolved once per date.
local resolved = { on = nil }

local function rules_on(on_date)
  if resolved.on ~= on_date then
    local r = {
      sir = sir_risks:at(on_date), caces = caces:at(on_date), specific = specific:at(on_date),
      adapted = adapted:at(on_date), simple = simple:at(on_date),
    }
    if not (r.sir and r.caces and r.specific and r.adapted and r.simple) then
      error("follow_up_category : aucune règle en vigueur le " .. on_date
            .. " (le régime SI/SIA/SIR date du 1er janvier 2017)")
    end
    resolved.rules = prepare_all(r)
    resolved.on = on_date
  end
  return resolved.rules
end

-- Age in whole years on on_date (both valid "AAAA-MM-JJ").
local function age_on(birth_date, on_date)
  local age = tonumber(on_date:sub(1, 4)) - tonumber(birth_date:sub(1, 4))
  if on_date:sub(6, 10) < birth_date:sub(6, 10) then age = age - 1 end
  return age
end

socle.rule("follow_up_category", function(worker, on_date)
  if type(worker) ~= "table" then error("follow_up_category : worker doit être une table") end
  if type(on_date) ~= "string" or not socle.date.valid(on_date) then
    error("follow_up_category : on_date doit être une date AAAA-MM-JJ")
  end
  local R = rules_on(on_date)
  local reasons, basis, seen_basis = {}, {}, {}
  local level = 1 -- 1 SI, 2 SIA, 3 SIR
  local attestation = false

  local function add(c, lvl)
    reasons[#reasons + 1] = c.sentence
    for _, art in ipairs(c.arts) do
      if not seen_basis[art] then
        seen_basis[art] = true
        basis[#basis + 1] = art
      end
    end
    if lvl > level then level = lvl end
  end

  local minor, review = false, nil
  if type(worker.birth_date) == "string" and socle.date.valid(worker.birth_date) then
    minor = age_on(worker.birth_date, on_date) < 18
    if minor then review = socle.date.add_years(worker.birth_date, 18) end
  end

  -- R4624-23 I: the declared exposures.
  local exposed = {}
  if type(worker.exposures) == "table" then
    for _, code in ipairs(worker.exposures) do exposed[code] = true end
  end
  for _, code in ipairs(RISK_ORDER) do
    local risk = R.risks[code]
    if exposed[code] and risk then add(risk, 3) end
  end
  if worker.ionising_category_a == true then add(R.ionising_a, 3) end
  -- R4624-23 II: a specific aptitude exam (minors on travaux réglementés).
  if worker.minor_regulated_work == true and minor then add(R.minor_regulated, 3) end
  -- R4624-23 III: the employer's list.
  if worker.sir_post == true then add(R.employer_list, 3) end
  -- CACES / habilitation électrique: SIR, then the attestation regime. The
  -- exposure codes conduite_engins and habilitation_electrique say the same.
  if worker.caces_or_electrical == true or exposed.conduite_engins
     or exposed.habilitation_electrique then
    if R.caces_sir then
      add(R.caces, 3)
    else
      add(R.caces, 1)
      attestation = true
    end
  end
  -- R4624-17 / R4624-18: suivi adapté.
  if worker.night_worker == true or exposed.travail_de_nuit then add(R.night, 2) end
  if minor then add(R.minor, 2) end
  if worker.rqth == true then add(R.rqth, 2) end
  if worker.invalidity_pension == true then add(R.invalidity, 2) end

  if level == 1 then
    -- The VIP regime is the ground of an SI result: cite it first.
    if #reasons == 0 then
      add(R.simple, 1)
    else
      local si_basis = {}
      for _, art in ipairs(R.simple.arts) do si_basis[#si_basis + 1] = art end
      for _, art in ipairs(basis) do
        local dup = false
        for _, a in ipairs(R.simple.arts) do if a == art then dup = true end end
        if not dup then si_basis[#si_basis + 1] = art end
      end
      basis = si_basis
    end
  end

  local nb = next_boundary(on_date)
  if nb and (review == nil or nb < review) then review = nb end
  local result = {
    category = ({ "SI", "SIA", "SIR" })[level],
    reasons = reasons,
    basis = basis,
    attestation_caces = attestation,
  }
  if review then result.review_on = review end
  return result
end)
