-- Default rule pack of the tracking plugin: the regulatory visit engine.
--
-- next_visits(worker, history, on_date) -> {
--   visits = { {                    -- sorted by deadline (latest, else before), then type
--     type        = "vip_initiale" | "vip_periodique" | "suivi_adapte" | "ema_initial"
--                 | "ema_periodique" | "visite_intermediaire" | "attestation_caces"
--                 | "mi_carriere" | "post_exposition" | "orientation_medecin" | ...
--                   (the list of GET /tracking/visit-types; reprise, pré-reprise and
--                   rendez-vous de liaison come from the rule point of sick leave),
--     earliest    = "AAAA-MM-JJ",   -- first day the visit answers the obligation
--     latest      = "AAAA-MM-JJ",   -- at the latest on this day (inclusive), or absent when
--     before      = "AAAA-MM-JJ",   -- the visit must take place before the assignment (day
--                                   -- of prise de poste; latest is then absent)
--     who         = "medecin" | "professionnel_sante",  -- médecin du travail only, or any
--                                   -- health professional under protocol
--     basis       = { "R4624-10", ... },   -- articles applied, never empty
--     explanation = "Phrase en français ...",  -- cites its articles in the sentence, dates
--                                   -- in words ("10 mars 2025"), no internal code; when
--                                   -- overdue, says since when the visit is late
--     overdue     = true | false,   -- latest (or before) is earlier than on_date
--     to_verify   = { "R4426-7" }   -- optional: articles of basis whose number is still to
--                                   -- be verified (for the service's staff; the routes
--                                   -- leave it out for employers and workers)
--     combinable_from = "AAAA-MM-JJ" (mi_carriere only: may be brought forward and combined
--                                   -- with a médecin visit from this day),
--   } ... },
--   notes = { "Phrase en français", ... },  -- optional: exemptions applied, inputs ignored,
--                                           -- obligations without a visit (TC32)
-- }
--
-- worker (the membership worker, with its computed category, plus what the service knows):
--   birth_date, start_date (prise effective du poste) "AAAA-MM-JJ"  required
--   category "SI" | "SIA" | "SIR"        required: follow_up_category of membership
--   contract_type "cdi"|"cdd"|"interim"|"apprentissage"   (apprentissage: 2 months)
--   end_date                              exit date; after it only post-exposition remains
--   night_worker, rqth, invalidity_pension, sir_post, caces_or_electrical,
--   ionising_category_a, minor_regulated_work           booleans (membership's flags)
--   exposures = { risk codes of membership }: agents_biologiques_2 and
--     champs_electromagnetiques put the VIP before assignment; travail_de_nuit counts as
--     night work; conduite_engins and habilitation_electrique as caces_or_electrical
--   pregnant, post_partum, breastfeeding                booleans (R4624-19)
--   formerly_sir, formerly_exposed   booleans: formerly in SIR, or exposed to an R4624-23 I
--                                    risk before the SIR existed (post-exposition)
--   exposure_end_date, retirement_date   "AAAA-MM-JJ": end of the exposure, retirement
--   assigned_on, assignment_declared_on  "AAAA-MM-JJ": a change bringing night work or the
--     SIR takes effect / was declared (the visit before assignment is owed before it)
--   mi_carriere_age                  integer: the age of a branch agreement (default 45)
--   protocol = { periodicity_months, next_visit_on }    set by the médecin du travail: a
--     date earlier than the legal ceiling always wins; a later one is capped (note)
--   (minor is derived from birth_date: at start_date for the visit before assignment, on
--   on_date for the yearly opinion of travaux réglementés)
-- history: past visits { type, date, by = "medecin" | "infirmier" (absent: not known to be
--   the médecin; EMA types are the médecin's by law), attestation = true (an attestation de
--   suivi was issued and the health professional holds it), avis = "aptitude" |
--   "inaptitude", restrictions = true (a measure of L4624-3 or an inaptitude),
--   previous_employer = true (a visit of a former employment: counts only for the
--   exemptions R4624-15 and R4624-27, with equivalent_job = true) }.
--   Visits dated after on_date are ignored (note).
-- on_date: "AAAA-MM-JJ", the day the question is asked; the rules in force on that day apply.
--
-- Sources: ../shared/domain/rules-and-figures.md §1.1 (Code du travail); worked cases §2
-- (TC01–TC33) are the test vectors below and plugins/tracking/tests/test_visits.c.
-- Date arithmetic is "de date à date" (socle.date: a month's missing day becomes its last
-- day, as the Code de procédure civile art. 641 counts months), except the post-exposition
-- window the worker may ask in: the widest of that reading and the one where a month end
-- stays a month end (TC31), the reading most favourable to the worker.
-- A rule change on a date is a new dated entry, never an edit of an old one.

local D = socle.date

-- ---- effective-dated rules -------------------------------------------------

-- The individual follow-up regime of the loi du 8 août 2016 and décret 2016-1908.
local regime = socle.dated {
  { from = "2017-01-01", basis = "R4624-10 ; R4624-16 ; R4624-17 ; R4624-28",
    vip = { months = 3, arts = "R4624-10 ; L4624-1" },
    apprentice = { months = 2, arts = "R6222-40-1" },
    vip_renewal = { years = 5, arts = "R4624-16" },
    sia_renewal = { years = 3, arts = "R4624-17" },
    ema_initial = { arts = "R4624-22 ; R4624-24" },
    ema_renewal = { years = 4, arts = "R4624-28" },
    intermediate = { years = 2, arts = "R4624-28" },
    ionising_a = { years = 1, arts = "R4451-82" },
    minor_regulated = { years = 1, arts = "R4153-40 ; R4624-23 II" },
    vip_exemption = { years = 5, sia_years = 3, arts = "R4624-15" },
    ema_exemption = { years = 2, arts = "R4624-27" },
    measure = "L4624-3", inaptitude = "L4624-4",
  },
}

-- Visit before assignment instead of within 3 months.
local before_assignment = socle.dated {
  { from = "2017-01-01", basis = "R4624-18",
    night = { "R4624-18 ; L3122-5", "travailleur de nuit" },
    minor = { "R4624-18", "salarié de moins de 18 ans à la prise de poste" },
    exposures = {
      agents_biologiques_2 = { "R4426-7 (à vérifier)",
                               "exposition à des agents biologiques du groupe 2" },
      champs_electromagnetiques = { "R4453-10 (à vérifier)",
                                    "exposition à des champs électromagnétiques au-delà des "
                                 .. "valeurs limites d'exposition" },
    },
  },
}

-- Orientation without delay to the médecin du travail.
local orientation = socle.dated {
  { from = "2017-01-01", basis = "L4624-1 ; R4624-19 ; R4624-20",
    disabled = { "L4624-1 ; R4624-20", "travailleur handicapé (RQTH) ou titulaire d'une pension "
                                    .. "d'invalidité" },
    maternity = { "R4624-19", "travailleuse enceinte, venant d'accoucher ou allaitante" },
  },
}

-- CACES / habilitation électrique: SIR (hence the EMA) until 30 Sep 2025; from 1 Oct
-- 2025 an exam by the médecin giving an attestation d'absence de contre-indication valid
-- 5 years, aptitude opinions issued before counting as attestation for 5 years.
local caces = socle.dated {
  { from = "2017-01-01", to = "2025-10-01", basis = "R4624-23 II", attestation = false },
  { from = "2025-10-01", basis = "décret 2025-355", attestation = true, validity_years = 5,
    transition_before = "2025-10-01" },
}

-- Mi-carrière and post-exposition: loi 2021-1018, in force 31 Mar 2022 (décret 2022-372
-- for the post-exposition window).
local mid_career = socle.dated {
  { from = "2022-03-31", basis = "L4624-2-2", age = 45, anticipation_years = 2 },
}

local post_exposure = socle.dated {
  { from = "2022-03-31", basis = "L4624-2-1 ; R4624-28-1 ; R4624-28-2 ; R4624-28-3",
    months_before = 1, months_after = 6 },
}

-- The entries in force on one date, resolved once per date (a recomputation of a whole
-- service asks for every worker with the same on_date).
local resolved = { on = nil, rules = nil }

local function rules_on(on_date)
  if resolved.on == on_date then return resolved.rules end
  local r = {
    regime = regime:at(on_date), before = before_assignment:at(on_date),
    orientation = orientation:at(on_date), caces = caces:at(on_date),
    mid_career = mid_career:at(on_date), post = post_exposure:at(on_date),
  }
  if not (r.regime and r.before and r.orientation and r.caces) then
    error("next_visits : aucune règle en vigueur le " .. on_date
          .. " (le régime des visites date du 1er janvier 2017)")
  end
  resolved.on, resolved.rules = on_date, r
  return r
end

-- ---- helpers ---------------------------------------------------------------

-- A recomputation of a whole service formats the same few thousand dates and
-- splits the same article lists for every worker: both are memoised (the date
-- cache is emptied when it grows past CACHE_MAX entries).
local CACHE_MAX = 20000
local fr_cache, fr_count = {}, 0
local arts_cache = {}

-- "2025-06-01" -> "1er juin 2025"
local function fr(d)
  local s = fr_cache[d]
  if s then return s end
  s = D.words(d)
  if fr_count >= CACHE_MAX then fr_cache, fr_count = {}, 0 end
  fr_cache[d], fr_count = s, fr_count + 1
  return s
end

-- "R4624-10 ; L4624-1" -> { "R4624-10", "L4624-1" }, appended to @p into without
-- duplicates; a new list when @p into is nil (results are never shared).
local function arts(str, into)
  local list = arts_cache[str]
  if list == nil then
    list = {}
    for art in str:gmatch("[^;]+") do list[#list + 1] = art:match("^%s*(.-)%s*$") end
    arts_cache[str] = list
  end
  into = into or {}
  for _, a in ipairs(list) do
    local seen = false
    for _, x in ipairs(into) do if x == a then seen = true end end
    if not seen then into[#into + 1] = a end
  end
  return into
end

local function month_end(d)
  return D.add_days(D.add_months(d:sub(1, 8) .. "01", 1), -1)
end

-- Months added with a month end kept a month end (2025-09-30 - 1 month = 2025-08-31).
local function add_months_eom(d, n)
  if d == month_end(d) then return month_end(D.add_months(d, n)) end
  return D.add_months(d, n)
end

local function age_on(birth_date, on_date)
  local age = D.year(on_date) - D.year(birth_date)
  if on_date:sub(6, 10) < birth_date:sub(6, 10) then age = age - 1 end
  return age
end

local function min_date(a, b) if a < b then return a end return b end
local function max_date(a, b) if a > b then return a end return b end

-- The visit types as people read them (GET /tracking/visit-types), for the notes.
local LABEL = {
  vip_initiale = "visite d'information et de prévention initiale",
  vip_periodique = "renouvellement de la visite d'information et de prévention",
  suivi_adapte = "visite de suivi individuel adapté",
  ema_initial = "examen médical d'aptitude à l'embauche",
  ema_periodique = "renouvellement de l'examen médical d'aptitude",
  visite_intermediaire = "visite intermédiaire du suivi renforcé",
  attestation_caces = "examen d'absence de contre-indication (CACES, habilitation électrique)",
  visite_reprise = "visite de reprise", pre_reprise = "visite de pré-reprise",
  rendez_vous_liaison = "rendez-vous de liaison", mi_carriere = "visite de mi-carrière",
  post_exposition = "visite post-exposition", visite_a_la_demande = "visite à la demande",
  orientation_medecin = "orientation vers le médecin du travail",
}
local function label_of(type_) return LABEL[type_] or "visite" end

-- "R4426-7 (à vérifier)": the bare article into @p basis and into @p unsure (the
-- staff's flag); people read the article without the flag.
local function arts_checked(str, basis, unsure)
  for art in str:gmatch("[^;]+") do
    art = art:match("^%s*(.-)%s*$")
    local bare = art:match("^(.-)%s*%(à vérifier%)$")
    arts(bare or art, basis)
    if bare then unsure[#unsure + 1] = bare end
  end
end

-- The articles of @p basis as a sentence cites them: "(R4624-10, L4624-1)".
local function cite(basis)
  return "(" .. table.concat(basis, ", ") .. ")"
end

-- Numbers in sentences: `"..." .. n` formats n with the C library at every
-- call (780 instructions each under callgrind); integers of up to four
-- digits (months, years, ages, calendar years) are formatted once.
local num_cache = {}
local function num(n)
  local s = num_cache[n]
  if s == nil then
    s = tostring(n)
    if math.type(n) == "integer" and n >= 0 and n <= 9999 then num_cache[n] = s end
  end
  return s
end

-- The mi-carrière window of one calendar year: "AAAA-01-01", "AAAA-12-31".
local year_cache = {}
local function year_bounds(y)
  local b = year_cache[y]
  if b == nil then
    local s = string.format("%04d", y)
    b = { s .. "-01-01", s .. "-12-31" }
    if y >= 1 and y <= 9999 then year_cache[y] = b end
  end
  return b[1], b[2]
end

-- Visits in the order of the answer: by deadline, then by type.
local function by_deadline(a, b)
  local da, db = a.latest or a.before, b.latest or b.before
  if da ~= db then return da < db end
  return a.type < b.type
end

-- Every worker's dates are checked several times; the answers are memoised
-- like fr() (a table lookup instead of a call into C).
local valid_cache, valid_count = {}, 0
local function valid_date(v)
  if type(v) ~= "string" then return false end
  local ok = valid_cache[v]
  if ok == nil then
    ok = D.valid(v)
    if valid_count >= CACHE_MAX then valid_cache, valid_count = {}, 0 end
    valid_cache[v], valid_count = ok, valid_count + 1
  end
  return ok
end

-- An empty table shared by every call (no exposures, no protocol, no former
-- employment): read only, so that no call can fill it for the next ones.
local NONE = setmetatable({}, { __newindex = function() error("NONE est en lecture seule") end })
local POST_EXPOSITION = { post_exposition = true }

local FOLLOW_UP = { vip_initiale = true, vip_periodique = true, suivi_adapte = true,
                    ema_initial = true, ema_periodique = true, visite_intermediaire = true }
local EMA = { ema_initial = true, ema_periodique = true }
local ANY = setmetatable({}, { __index = function() return true end })
local PS_PERIODIC = { vip_initiale = true, vip_periodique = true, suivi_adapte = true,
                      visite_intermediaire = true }

local function by_medecin(h)
  return h.by == "medecin" or EMA[h.type] == true
end

-- The latest visit of @p list whose type is in @p types (and passes @p ok), or nil.
local function last_of(list, types, ok)
  local best
  for _, h in ipairs(list) do
    if types[h.type] and (ok == nil or ok(h)) and (best == nil or h.date >= best.date) then
      best = h
    end
  end
  return best
end

-- A measure (L4624-3) or an avis d'inaptitude (L4624-4) issued from @p from to @p to
-- (inclusive), or nil.
local function restricted_between(history, from, to)
  for _, h in ipairs(history) do
    if h.date >= from and h.date <= to and (h.restrictions == true or h.avis == "inaptitude") then
      return h
    end
  end
  return nil
end

-- Why the visit of @p ex does not exempt from the hiring visit: the measure or
-- inaptitude @p r issued within the @p years before the hire on @p start.
local function exemption_refused(ex, r, years, start, arts_str, what)
  return "La visite du " .. fr(ex.date) .. " pour un emploi équivalent ne dispense pas "
      .. what .. " : " .. (r.avis == "inaptitude"
        and ("un avis d'inaptitude (L4624-4) a été rendu le " .. fr(r.date))
        or ("une mesure d'aménagement (L4624-3) a été formulée le " .. fr(r.date)))
      .. ", au cours des " .. years .. " années précédant l'embauche du " .. fr(start)
      .. " (" .. arts_str .. " 3°)."
end

-- ---- the rule --------------------------------------------------------------

socle.rule("next_visits", function(worker, history, on_date)
  if type(worker) ~= "table" then error("next_visits : worker doit être une table") end
  if not valid_date(on_date) then error("next_visits : on_date doit être une date AAAA-MM-JJ") end
  if not valid_date(worker.birth_date) then
    error("next_visits : worker.birth_date doit être une date AAAA-MM-JJ")
  end
  if not valid_date(worker.start_date) then
    error("next_visits : worker.start_date doit être une date AAAA-MM-JJ")
  end
  local cat = worker.category
  if cat ~= "SI" and cat ~= "SIA" and cat ~= "SIR" then
    error("next_visits : worker.category doit valoir SI, SIA ou SIR (follow_up_category)")
  end
  if history == nil or history == socle.null then history = {} end
  if type(history) ~= "table" then error("next_visits : history doit être une liste") end

  local R = rules_on(on_date)
  local G = R.regime
  local start = worker.start_date
  local protocol = type(worker.protocol) == "table" and worker.protocol or NONE
  local visits, notes = {}, {}
  local protocol_date_used = false

  local function note(s) notes[#notes + 1] = s end

  -- A late visit says so, and since when, in words.
  local function add(v)
    v.overdue = on_date > (v.latest or v.before)
    if v.overdue then
      if v.latest then
        v.explanation = v.explanation .. " Cette visite est en retard depuis le "
                     .. fr(D.add_days(v.latest, 1)) .. "."
      else
        v.explanation = v.explanation .. " Cette visite est en retard : elle devait avoir "
                     .. "lieu avant la prise de poste du " .. fr(v.before) .. "."
      end
    end
    visits[#visits + 1] = v
  end

  -- History: this employment's visits, a former employment's, the future ignored.
  -- Most histories hold only this employment's past visits: then the history
  -- itself is both lists (a recomputation of a service does this 500,000 times).
  local plain = true
  for i, h in ipairs(history) do
    if type(h) ~= "table" or type(h.type) ~= "string" or not valid_date(h.date) then
      error("next_visits : history[" .. i .. "] doit porter type et date AAAA-MM-JJ")
    end
    if h.date > on_date or h.previous_employer == true then plain = false end
  end
  -- A change of assignment that brought night work or the SIR (assigned_on, after the
  -- hire): the visit before assignment is owed before that day (R4624-18, R4624-24); a
  -- follow-up visit counts for it from the day the change was declared.
  if valid_date(worker.assigned_on) and worker.assigned_on > start then
    start = worker.assigned_on
    local since = valid_date(worker.assignment_declared_on)
                  and worker.assignment_declared_on < start and worker.assignment_declared_on
                  or start
    local kept = {}
    for _, h in ipairs(history) do
      if not FOLLOW_UP[h.type] or h.date >= since then kept[#kept + 1] = h end
    end
    history = kept
  end
  local cur, prev, all = history, NONE, history
  if not plain then
    cur, prev, all = {}, {}, {}
    for _, h in ipairs(history) do
      if h.date > on_date then
        note("La visite du " .. fr(h.date) .. " (" .. label_of(h.type) .. ") est postérieure "
             .. "au " .. fr(on_date) .. " : elle n'est pas prise en compte.")
      else
        all[#all + 1] = h
        if h.previous_employer == true then prev[#prev + 1] = h else cur[#cur + 1] = h end
      end
    end
  end

  local exposed = NONE
  if type(worker.exposures) == "table" and #worker.exposures > 0 then
    exposed = {}
    for _, code in ipairs(worker.exposures) do exposed[code] = true end
  end
  local night = worker.night_worker == true or exposed.travail_de_nuit == true
  local minor_at_start = age_on(worker.birth_date, start) < 18
  local minor_now = age_on(worker.birth_date, on_date) < 18
  local gone = (valid_date(worker.end_date) and worker.end_date < on_date)
            or (valid_date(worker.retirement_date) and worker.retirement_date < on_date)

  -- The periodic visit renewing @p anchor: legal ceiling, then the médecin's protocol
  -- (periodicity, then the date of the next visit when @p with_date).
  local function periodic(type_, who, anchor, years, basis_str, label, with_date, anchor_label)
    local ceiling = D.add_years(anchor, years)
    local latest, why = ceiling, nil
    local basis = arts(basis_str)
    local p = protocol.periodicity_months
    if type(p) == "number" and p >= 1 then
      local d = D.add_months(anchor, math.floor(p))
      if d < latest then
        latest = d
        why = "périodicité de " .. num(math.floor(p)) .. " mois fixée par le protocole du "
           .. "médecin du travail"
      elseif d > ceiling then
        note("La périodicité de " .. num(math.floor(p)) .. " mois du protocole dépasse le "
             .. "plafond légal de " .. num(years) .. " an" .. (years > 1 and "s" or "") .. " ("
             .. basis_str
             .. ") : le plafond s'applique.")
      end
    end
    if with_date and valid_date(protocol.next_visit_on) then
      protocol_date_used = true
      local d = protocol.next_visit_on
      if d <= anchor then
        note("La date de prochaine visite du protocole (" .. fr(d) .. ") n'est pas postérieure "
             .. "à la dernière visite du " .. fr(anchor) .. " : elle est ignorée.")
      elseif d < latest then
        latest = d
        why = "date fixée par le protocole du médecin du travail"
      elseif d > ceiling then
        note("La date de prochaine visite du protocole (" .. fr(d) .. ") dépasse le plafond "
             .. "légal du " .. fr(ceiling) .. " : le plafond s'applique.")
      end
    end
    local text = label .. " au plus tard le " .. fr(latest)
    if why then
      text = text .. " (" .. why .. ", plus tôt que le plafond légal du " .. fr(ceiling) .. ")"
    end
    text = text .. " ; plafond : " .. num(years) .. " an" .. (years > 1 and "s" or "")
        .. " au plus après " .. (anchor_label or "la visite") .. " du " .. fr(anchor) .. " ("
        .. basis_str .. ")."
    add { type = type_, earliest = D.add_days(anchor, 1), latest = latest, who = who,
          basis = basis, explanation = text }
  end

  if not gone then
    if cat ~= "SIR" then
      -- ---- SI / SIA: VIP, then its renewal ----
      local last = last_of(cur, FOLLOW_UP)
      local anchor = last and last.date
      if anchor == nil then
        -- R4624-15: a VIP of a former employment within 5 years (3 for R4624-17
        -- workers) exempts from the initial one, when the health professional holds
        -- the last attestation or avis d'aptitude (2°) and no measure nor inaptitude
        -- was issued during those years before the hire (3°), before the exempting
        -- visit as well as after it.
        local ex_years = cat == "SIA" and G.vip_exemption.sia_years or G.vip_exemption.years
        local window = D.add_years(start, -ex_years)
        local ex = last_of(prev, FOLLOW_UP, function(h)
          return h.equivalent_job == true and (h.attestation == true or h.avis == "aptitude")
             and h.date >= window and h.date <= start
        end)
        local r = ex and restricted_between(all, window, start)
        if r then
          note(exemption_refused(ex, r, ex_years, start, G.vip_exemption.arts,
                                 "de la visite d'information et de prévention à l'embauche"))
        elseif ex then
          anchor = ex.date
          note("Pas de nouvelle visite d'information et de prévention à l'embauche : visite du "
               .. fr(ex.date) .. " pour un emploi équivalent, moins de " .. ex_years
               .. " ans avant la prise de poste, " .. (ex.attestation == true
                 and "dernière attestation de suivi détenue"
                 or "dernier avis d'aptitude détenu")
               .. " par le professionnel de santé, et aucune mesure (" .. G.measure
               .. ") ni inaptitude (" .. G.inaptitude .. ") au cours des " .. ex_years
               .. " années précédant l'embauche (" .. G.vip_exemption.arts .. ").")
        end
      end
      if anchor == nil then
        local B = R.before
        local reasons, basis, unsure = {}, {}, {}
        if night then reasons[#reasons + 1] = B.night[2]; arts(B.night[1], basis) end
        if minor_at_start then reasons[#reasons + 1] = B.minor[2]; arts(B.minor[1], basis) end
        for _, code in ipairs({ "agents_biologiques_2", "champs_electromagnetiques" }) do
          if exposed[code] then
            reasons[#reasons + 1] = B.exposures[code][2]
            arts_checked(B.exposures[code][1], basis, unsure)
          end
        end
        -- Minor when asked, adult on the day of assignment: the visit of an adult,
        -- said once (the age that matters is the one at the prise de poste).
        local adult = ""
        if minor_now and not minor_at_start then
          adult = " ; le salarié aura 18 ans le " .. fr(D.add_years(worker.birth_date, 18))
               .. ", avant sa prise de poste : la visite avant l'affectation des salariés de "
               .. "moins de 18 ans (" .. B.minor[1] .. ") ne s'applique pas"
        end
        if #reasons > 0 then
          arts(G.vip.arts, basis)
          add { type = "vip_initiale", earliest = min_date(on_date, start), before = start,
                who = "professionnel_sante", basis = basis,
                to_verify = #unsure > 0 and unsure or nil,
                explanation = "Visite d'information et de prévention avant l'affectation au "
                  .. "poste, prévue le " .. fr(start) .. " (" .. table.concat(reasons, " ; ")
                  .. "), par un professionnel de santé ; elle donne lieu à une attestation "
                  .. "de suivi " .. cite(basis) .. adult .. "." }
        elseif worker.contract_type == "apprentissage" then
          local latest = D.add_months(start, G.apprentice.months)
          local b = arts(G.apprentice.arts, arts(G.vip.arts))
          add { type = "vip_initiale", earliest = start, latest = latest,
                who = "professionnel_sante", basis = b,
                explanation = "Apprenti : visite d'information et de prévention dans les "
                  .. num(G.apprentice.months) .. " mois de l'embauche du " .. fr(start)
                  .. ", au plus tard le " .. fr(latest)
                  .. ", par un professionnel de santé ; attestation de suivi " .. cite(b)
                  .. adult .. "." }
        else
          local latest = D.add_months(start, G.vip.months)
          local b = arts(G.vip.arts)
          add { type = "vip_initiale", earliest = start, latest = latest,
                who = "professionnel_sante", basis = b,
                explanation = "Visite d'information et de prévention dans les "
                  .. num(G.vip.months) .. " mois de la prise de poste du " .. fr(start)
                  .. ", au plus tard le " .. fr(latest) .. ", par un professionnel de santé ; "
                  .. "attestation de suivi " .. cite(b) .. adult .. "." }
        end
      elseif cat == "SIA" then
        periodic("suivi_adapte", "professionnel_sante", anchor, G.sia_renewal.years,
                 G.sia_renewal.arts, "Suivi individuel adapté : visite à renouveler", true)
      else
        periodic("vip_periodique", "professionnel_sante", anchor, G.vip_renewal.years,
                 G.vip_renewal.arts, "Visite d'information et de prévention à renouveler", true)
      end
    else
      -- ---- SIR: EMA before assignment, renewal, intermediate visit ----
      local ema = last_of(cur, EMA)
      local refused = last_of(cur, EMA, function(h) return h.by ~= nil and h.by ~= "medecin" end)
      if refused then
        note("L'examen médical d'aptitude du " .. fr(refused.date) .. " est enregistré comme "
             .. "fait par un autre professionnel que le médecin du travail : seul le médecin "
             .. "du travail le réalise (R4624-24).")
        ema = last_of(cur, EMA, function(h) return h.by == nil or h.by == "medecin" end)
      end
      if ema == nil then
        -- R4624-27: an EMA of a former employment within 2 years, same job, and no
        -- measure nor inaptitude issued during the 2 years before the hire (3°),
        -- before the exempting exam as well as after it.
        local years = G.ema_exemption.years
        local window = D.add_years(start, -years)
        local ex = last_of(prev, EMA, function(h)
          return h.equivalent_job == true and h.avis == "aptitude" and h.by ~= "infirmier"
             and h.date >= window and h.date <= start
        end)
        local r = ex and restricted_between(all, window, start)
        if r then
          note(exemption_refused(ex, r, years, start, G.ema_exemption.arts,
                                 "de l'examen médical d'aptitude à l'embauche"))
        elseif ex then
          ema = ex
          note("Pas de nouvel examen médical d'aptitude à l'embauche : examen du "
               .. fr(ex.date) .. " pour le même emploi, moins de " .. years
               .. " ans avant la prise de poste, avis d'aptitude, et aucune mesure ("
               .. G.measure .. ") ni inaptitude (" .. G.inaptitude .. ") au cours des " .. years
               .. " années précédant l'embauche (" .. G.ema_exemption.arts .. ").")
        end
      end
      if ema == nil then
        local b = arts("R4624-23", arts(G.ema_initial.arts))
        add { type = "ema_initial", earliest = min_date(on_date, start), before = start,
              who = "medecin", basis = b,
              explanation = "Suivi individuel renforcé : examen médical d'aptitude par le "
                .. "médecin du travail avant l'affectation au poste, prévue le " .. fr(start)
                .. " ; il remplace la visite d'information et de prévention et donne lieu à "
                .. "un avis d'aptitude " .. cite(b) .. "." }
      else
        local E = ema.date
        local years, basis_str, label, intermediate = G.ema_renewal.years,
          G.ema_renewal.arts, "Suivi individuel renforcé : examen médical d'aptitude par le "
          .. "médecin du travail à renouveler", true
        if worker.ionising_category_a == true then
          years, basis_str, intermediate = G.ionising_a.years, G.ionising_a.arts, false
          label = "Rayonnements ionisants, catégorie A : examen médical d'aptitude annuel, "
               .. "sans visite intermédiaire, à renouveler"
        elseif worker.minor_regulated_work == true and minor_now then
          years, basis_str, intermediate = G.minor_regulated.years, G.minor_regulated.arts, false
          label = "Mineur affecté à des travaux réglementés : avis d'aptitude médicale annuel "
               .. "à renouveler"
          local adult = D.add_years(worker.birth_date, 18)
          note("Le salarié aura 18 ans le " .. fr(adult) .. " : l'avis annuel des travaux "
               .. "réglementés ne s'appliquera plus ensuite.")
        end
        local ilatest = D.add_years(E, G.intermediate.years)
        local pending = intermediate and D.add_years(E, years) > ilatest
          and last_of(cur, PS_PERIODIC, function(h) return h.date > E end) == nil
        if pending then
          local latest, why = ilatest, nil
          if valid_date(protocol.next_visit_on) and protocol.next_visit_on > E then
            protocol_date_used = true
            if protocol.next_visit_on < latest then
              latest = protocol.next_visit_on
              why = "date fixée par le protocole du médecin du travail"
            end
          end
          add { type = "visite_intermediaire", earliest = D.add_days(E, 1), latest = latest,
                who = "professionnel_sante", basis = arts(G.intermediate.arts),
                explanation = "Suivi individuel renforcé : visite intermédiaire par un "
                  .. "professionnel de santé au plus tard le " .. fr(latest)
                  .. (why and (" (" .. why .. ", plus tôt que le plafond légal du "
                               .. fr(ilatest) .. ")") or "")
                  .. " ; plafond : " .. num(G.intermediate.years) .. " ans au plus après "
                  .. "l'examen d'aptitude du " .. fr(E) .. " (" .. G.intermediate.arts .. ")." }
        end
        periodic("ema_periodique", "medecin", E, years, basis_str, label, not pending,
                 "l'examen d'aptitude")
      end
    end

    if valid_date(protocol.next_visit_on) and not protocol_date_used then
      note("La date de prochaine visite du protocole (" .. fr(protocol.next_visit_on)
           .. ") ne s'applique pas avant la première visite.")
    end

    -- ---- CACES / habilitation électrique (décret 2025-355) ----
    local C = R.caces
    if C.attestation and (worker.caces_or_electrical == true or exposed.conduite_engins
                          or exposed.habilitation_electrique) then
      local held, how
      for _, h in ipairs(all) do
        local d
        if h.type == "attestation_caces" and h.avis ~= "inaptitude" then
          d = h.date
        elseif h.avis == "aptitude" and h.date < C.transition_before then
          d = h.date
        end
        if d and (held == nil or d >= held) then
          held = d
          how = h.type == "attestation_caces" and "attestation" or "aptitude"
        end
      end
      local basis = arts(C.basis)
      if held then
        local valid = D.add_years(held, C.validity_years)
        add { type = "attestation_caces", earliest = D.add_days(held, 1), latest = valid,
              who = "medecin", basis = basis,
              explanation = "Conduite d'engins (CACES) ou habilitation électrique : "
                .. (how == "attestation"
                    and ("l'attestation d'absence de contre-indication du " .. fr(held))
                    or ("l'avis d'aptitude du " .. fr(held) .. ", antérieur au 1er octobre "
                        .. "2025, vaut attestation d'absence de contre-indication et"))
                .. " est valable " .. num(C.validity_years) .. " ans, jusqu'au " .. fr(valid)
                .. " ; nouvel examen par le médecin du travail au plus tard à cette date "
                .. cite(basis) .. "." }
      else
        local due = start > C.from and start or C.from
        add { type = "attestation_caces", earliest = min_date(on_date, due), before = due,
              who = "medecin", basis = basis,
              explanation = "Conduite d'engins (CACES) ou habilitation électrique : depuis le "
                .. "1er octobre 2025, examen par le médecin du travail avant la conduite ou "
                .. "les opérations, prévue le " .. fr(due) .. " ; il donne une attestation "
                .. "d'absence de contre-indication valable " .. num(C.validity_years) .. " ans "
                .. cite(basis) .. "." }
      end
    end

    -- ---- orientation sans délai vers le médecin du travail ----
    local O = R.orientation
    local disabled = worker.rqth == true or worker.invalidity_pension == true
    local maternity = worker.pregnant == true or worker.post_partum == true
                   or worker.breastfeeding == true
    if disabled or maternity then
      local why, basis = {}, {}
      if disabled then why[#why + 1] = O.disabled[2]; arts(O.disabled[1], basis) end
      if maternity then why[#why + 1] = O.maternity[2]; arts(O.maternity[1], basis) end
      local v = last_of(cur, FOLLOW_UP)
      if v == nil then
        note("À l'issue de la visite d'information et de prévention, orientation sans délai "
             .. "vers le médecin du travail (" .. table.concat(why, " ; ") .. " ; "
             .. table.concat(basis, ", ") .. ").")
      elseif last_of(cur, ANY, function(h) return by_medecin(h) and h.date >= v.date end)
             == nil then
        add { type = "orientation_medecin", earliest = v.date, latest = v.date,
              who = "medecin", basis = basis,
              explanation = "Orientation sans délai vers le médecin du travail à l'issue de la "
                .. "visite du " .. fr(v.date) .. " (" .. table.concat(why, " ; ") .. ") ; "
                .. "le médecin fixe ensuite les modalités du suivi " .. cite(basis) .. "." }
      end
    end

    -- ---- mi-carrière ----
    local M = R.mid_career
    if M then
      local age = math.tointeger(worker.mi_carriere_age) or M.age
      local y = D.year(worker.birth_date) + age
      local ws, we = year_bounds(y)
      local from = year_bounds(y - M.anticipation_years)
      local done
      for _, h in ipairs(all) do
        if h.type == "mi_carriere" and h.date >= from then done = h end
      end
      if done == nil and on_date >= from and on_date <= we then
        add { type = "mi_carriere", earliest = ws, latest = we, combinable_from = from,
              who = "medecin", basis = arts(M.basis),
              explanation = "Visite de mi-carrière pendant l'année civile des " .. num(age)
                .. " ans (" .. num(y) .. "), du " .. fr(ws) .. " au " .. fr(we) .. " ; elle peut "
                .. "être avancée et couplée à une autre visite du médecin du travail à partir "
                .. "du " .. fr(from) .. " ; par le médecin du travail ou un infirmier en "
                .. "pratique avancée (" .. M.basis .. ")." }
      elseif done == nil and on_date > we and start <= we and we >= M.from then
        -- Not held in its year (while the law was in force and the worker
        -- employed): it stays owed, late, until it is held.
        add { type = "mi_carriere", earliest = ws, latest = we, combinable_from = from,
              who = "medecin", basis = arts(M.basis),
              explanation = "Visite de mi-carrière de l'année civile des " .. num(age)
                .. " ans (" .. num(y) .. "), du " .. fr(ws) .. " au " .. fr(we) .. ", pas "
                .. "encore faite : elle reste due jusqu'à ce qu'elle ait lieu, par le médecin "
                .. "du travail ou un infirmier en pratique avancée (" .. M.basis .. ")." }
      elseif done == nil and on_date > we and start > we then
        note("Visite de mi-carrière : le salarié avait déjà " .. age .. " ans à son embauche "
             .. "du " .. fr(start) .. " ; elle peut être organisée à la reprise d'emploi ("
             .. M.basis .. ").")
      end
    end
  else
    note("Le salarié a quitté l'entreprise ou son poste : seules les obligations de fin "
         .. "d'exposition demeurent.")
  end

  -- ---- post-exposition / fin de carrière ----
  local P = R.post
  local ends = valid_date(worker.exposure_end_date) and worker.exposure_end_date
            or valid_date(worker.retirement_date) and worker.retirement_date or nil
  if P and ends then
    local reason
    if cat == "SIR" then
      reason = "salarié en suivi individuel renforcé"
    elseif worker.formerly_sir == true then
      reason = "salarié ayant bénéficié d'un suivi individuel renforcé"
    elseif worker.formerly_exposed == true then
      reason = "salarié exposé à des risques de l'article R4624-23 I avant la mise en place "
            .. "du suivi renforcé"
    end
    if reason then
      -- The reading most favourable to the worker: the widest of "a month end
      -- stays a month end" and the CPC art. 641 (same day number, or the month's
      -- last day when it has none: socle.date.add_months).
      local earliest = min_date(add_months_eom(ends, -P.months_before),
                                D.add_months(ends, -P.months_before))
      local latest = max_date(add_months_eom(ends, P.months_after),
                              D.add_months(ends, P.months_after))
      if last_of(all, POST_EXPOSITION, function(h) return h.date >= earliest end)
         == nil then
        local b = arts(P.basis)
        add { type = "post_exposition", earliest = earliest, latest = latest, who = "medecin",
              basis = b,
              explanation = "Visite post-exposition (" .. reason .. ") : fin de l'exposition ou "
                .. "départ le " .. fr(ends) .. " ; l'employeur en informe le service et le "
                .. "salarié, la visite a lieu dès que possible ; le salarié peut la demander "
                .. "lui-même du " .. fr(earliest) .. " au " .. fr(latest) .. ". Le médecin "
                .. "du travail établit un état des lieux des expositions " .. cite(b) .. "." }
      end
    else
      note("Aucune visite post-exposition : le salarié n'est pas en suivi renforcé, ne l'a "
           .. "pas été et n'a pas été exposé aux risques de l'article R4624-23 I "
           .. "(R4624-28-1).")
    end
  end

  -- A known departure ends the obligations that fall after it (not the post-exposition).
  local leaves = valid_date(worker.end_date) and worker.end_date or nil
  if valid_date(worker.retirement_date) and (leaves == nil or worker.retirement_date < leaves) then
    leaves = worker.retirement_date
  end
  if leaves and not gone then
    local kept = {}
    for _, v in ipairs(visits) do
      local due = v.latest or v.before
      if v.type ~= "post_exposition" and due > leaves then
        note("Pas de « " .. label_of(v.type) .. " » (au plus tard le " .. fr(due)
             .. ") : le salarié quitte son poste le " .. fr(leaves) .. ".")
      else
        kept[#kept + 1] = v
      end
    end
    visits = kept
  end

  if #visits > 1 then table.sort(visits, by_deadline) end
  -- Only an empty list needs the mark that makes it [] rather than {} in
  -- JSON (each mark is an entry of a weak table the collector must clear).
  local result = { visits = #visits == 0 and socle.array(visits) or visits }
  if #notes > 0 then result.notes = notes end
  return result
end)
