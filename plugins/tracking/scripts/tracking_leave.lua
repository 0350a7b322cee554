-- Default rule pack of the tracking plugin: sick leave (arrêts de travail) and
-- visit requests. Two rule points:
--
-- leave_obligations(leave, on_date) -> {
--   obligations = {                      -- always three entries, in this order
--     { type = "visite_reprise",         -- required = true | false
--       required, earliest?, latest?, who = "medecin", initiative = { ... },
--       window_status?, provisional?, basis = { ... }, explanation = "..." },
--     { type = "pre_reprise", available = true | false, earliest?, latest?, ... },
--     { type = "rendez_vous_liaison", available = true | false, earliest?, latest?, ... },
--   },
--   duration_days?,   -- length of the arrêt, bounds inclusive, when its end is known
--   return_date?,     -- the (expected) return day
--   rules_of,         -- the leave's start date: the date that chose the rules
-- }
--   leave = { cause, start, expected_end?, actual_end?, return_date? } ("AAAA-MM-JJ")
--   on_date: "AAAA-MM-JJ", the day the question is asked. It only matters for a
--   leave whose end is unknown (its length so far) and for window_status
--   ("a_venir", "en_cours", "passee": where on_date stands against the window).
--
-- visit_request_allowed(request) -> { allowed = bool, reason = "...", basis = { ... } }
--   request = { type = "embauche" | "reprise" | "a_la_demande" | "pre_reprise"
--                      | "post_exposition",
--               requested_by = "employer" | "worker" | "medecin" (du travail)
--                      | "medecin_traitant" | "medecin_conseil",
--               date? (the day of the request; today by default),
--               leave? (as above: the arrêt the request is about),
--               exposure_end? (post-exposition: last day of exposure or of work),
--               sir_or_exposed? (post-exposition: false when the worker was never
--                      in SIR nor exposed to R4624-23 I risks) }
--
-- Sources (../shared/domain/rules-and-figures.md §1.1 and §2, Code du travail):
--   Reprise   R4624-31: after a congé de maternité; after an absence for
--             maladie professionnelle (any length); after an absence of at least
--             30 days for an accident du travail; after an absence of at least
--             60 days for a non-occupational illness or accident (décret
--             2022-372, for arrêts starting after 31 March 2022; before: 30 days
--             for every cause other than maternity and maladie professionnelle,
--             R4624-31 of décret 2016-1908, R4624-22 of décret 2012-135 before
--             2017). The exam takes place on the day of return, at the latest
--             within 8 days (R4624-31; R4624-23 before 2017). The employer seizes
--             the service as soon as he knows the end date.
--   Pré-reprise  L4624-2-4, R4624-29, R4624-30: during an arrêt of more than
--             30 days (arrêts starting after 31 March 2022; before: more than 3
--             months, R4624-29 old, R4624-20 before 2017), by the médecin du
--             travail, at the initiative of the worker, the médecin traitant, the
--             médecin-conseil or (since 2022) the médecin du travail; never the
--             employer, who only informs the worker.
--   Rendez-vous de liaison  L1226-1-3, D1226-8-1 (décret 2022-373): arrêt of
--             more than 30 days starting after 31 March 2022; between employer and
--             worker with the service, not a medical exam; initiative of either.
--   Accident de trajet: DECISION of this pack, it is a non-occupational accident
--             for these rules (60 days), since the Code du travail keeps the
--             accident du travail regime for accidents "autre qu'un accident de
--             trajet" (L1226-7). A service that reads R4624-31 otherwise redefines
--             the cause table in its own file.
--   Visite à la demande  R4624-34: worker, employer or médecin du travail.
--   Post-exposition  L4624-2-1, R4624-28-1 to R4624-28-3: workers in SIR or
--             formerly exposed; the worker may ask himself from 1 month before to
--             6 months after the end of exposure, in the reading most favourable to
--             him: the widest of "a month's end stays a month's end" (TC31:
--             2025-09-30 gives 2025-08-31 … 2026-03-31) and the Code de procédure
--             civile art. 641 (same day number, or the month's last day when it has
--             none: 2025-08-30 … 2026-03-30), so 2025-08-30 … 2026-03-31.
--
-- Every sentence (explanation, reason) cites its articles and writes its dates
-- in words ("10 mars 2025"), as next_visits does.
--
-- Counting: calendar days, arrêt bounds inclusive (2025-01-06 → 2025-03-09 is
-- 63 days); "day 31" is start + 30 days. The rules that apply are those in force
-- on the LEAVE'S START DATE, whatever on_date is (a rule change on a date is a
-- new dated entry).

local D = socle.date

-- ---- effective-dated rules (chosen by the leave's start date) -------------

-- How each cause counts for R4624-31. kind: "maternite", "mp" (maladie
-- professionnelle), "at" (accident du travail), "non_pro" (maladie ou accident
-- non professionnel).
local causes = socle.dated {
  { from = "2012-07-01", basis = "R4624-31 ; L1226-7",
    maternite = { kind = "maternite", label = "congé de maternité" },
    maladie_professionnelle = { kind = "mp", label = "maladie professionnelle" },
    accident_travail = { kind = "at", label = "accident du travail" },
    maladie = { kind = "non_pro", label = "maladie non professionnelle" },
    accident_non_professionnel = { kind = "non_pro", label = "accident non professionnel" },
    accident_trajet = { kind = "non_pro", label = "accident de trajet",
                        note = "l'accident de trajet suit le régime des accidents non "
                            .. "professionnels (L1226-7)",
                        arts = { "L1226-7" } },
  },
}

local reprise_rules = socle.dated {
  { from = "2012-07-01", to = "2017-01-01", basis = "R4624-22 ; R4624-23 (décret 2012-135)",
    arts = { "R4624-22", "R4624-23", "décret 2012-135" },
    at_days = 30, non_pro_days = 30, delay_days = 8,
    regime = "pour un arrêt commencé au plus tard le 31 mars 2022, règle antérieure" },
  { from = "2017-01-01", to = "2022-04-01", basis = "R4624-31 (décret 2016-1908)",
    arts = { "R4624-31", "décret 2016-1908" },
    at_days = 30, non_pro_days = 30, delay_days = 8,
    regime = "pour un arrêt commencé au plus tard le 31 mars 2022, règle antérieure" },
  { from = "2022-04-01", basis = "R4624-31 (décret 2022-372)",
    arts = { "R4624-31", "décret 2022-372" },
    at_days = 30, non_pro_days = 60, delay_days = 8,
    regime = "pour un arrêt commençant après le 31 mars 2022" },
}

local pre_reprise_rules = socle.dated {
  { from = "2012-07-01", to = "2017-01-01", basis = "R4624-20 (décret 2012-135)",
    arts = { "R4624-20", "décret 2012-135" }, months = 3, threshold = "plus de 3 mois",
    initiative = { "worker", "medecin_traitant", "medecin_conseil" },
    regime = "pour un arrêt commencé au plus tard le 31 mars 2022, règle antérieure" },
  { from = "2017-01-01", to = "2022-04-01", basis = "R4624-29 (décret 2016-1908)",
    arts = { "R4624-29", "décret 2016-1908" }, months = 3, threshold = "plus de 3 mois",
    initiative = { "worker", "medecin_traitant", "medecin_conseil" },
    regime = "pour un arrêt commencé au plus tard le 31 mars 2022, règle antérieure" },
  { from = "2022-04-01", basis = "L4624-2-4 ; R4624-29 ; R4624-30 (décret 2022-372)",
    arts = { "L4624-2-4", "R4624-29", "R4624-30", "décret 2022-372" }, days = 30,
    threshold = "plus de 30 jours",
    initiative = { "worker", "medecin_traitant", "medecin_conseil", "medecin_du_travail" },
    regime = "pour un arrêt commençant après le 31 mars 2022" },
}

local liaison_rules = socle.dated {
  { from = "2022-04-01", basis = "L1226-1-3 ; D1226-8-1 (décret 2022-373)",
    arts = { "L1226-1-3", "D1226-8-1", "décret 2022-373" }, days = 30,
    initiative = { "employer", "worker" } },
}

-- Who may ask for what (by the request's date), R4624-34 and the others.
local request_rules = socle.dated {
  { from = "2022-04-01", basis = "R4624-10 ; R4624-24 ; R4624-31 ; R4624-34 ; L4624-2-1 ; "
                               .. "L4624-2-4 ; R4624-28-1 à R4624-28-3",
    exposure_before_months = 1, exposure_after_months = 6 },
}

-- ---- helpers ----------------------------------------------------------------

local INITIATIVE_LABEL = {
  worker = "du salarié", employer = "de l'employeur", medecin_traitant = "du médecin traitant",
  medecin_conseil = "du médecin-conseil de l'assurance maladie",
  medecin_du_travail = "du médecin du travail",
}

local REQUESTED_BY = {
  worker = "par le salarié", medecin_traitant = "par le médecin traitant",
  medecin_conseil = "par le médecin-conseil de l'assurance maladie",
  medecin_du_travail = "par le médecin du travail",
}

local function int(n)
  return string.format("%d", math.tointeger(n) or n)
end

local fr = D.words -- "2025-06-01" -> "1er juin 2025"

-- The articles of a list as a sentence cites them: "(R4624-31, décret 2022-372)".
local function cite(list)
  return "(" .. table.concat(list, ", ") .. ")"
end

local function copy(list)
  local out = {}
  for i, v in ipairs(list) do out[i] = v end
  return out
end

local function concat_lists(...)
  local out, seen = {}, {}
  for _, list in ipairs({ ... }) do
    for _, v in ipairs(list) do
      if not seen[v] then
        seen[v] = true
        out[#out + 1] = v
      end
    end
  end
  return out
end

-- "du salarié, du médecin traitant et du médecin du travail"
local function initiative_text(list)
  local parts = {}
  for i, who in ipairs(list) do parts[i] = INITIATIVE_LABEL[who] or who end
  if #parts == 1 then return parts[1] end
  return table.concat(parts, ", ", 1, #parts - 1) .. " ou " .. parts[#parts]
end

local function days_between(a, b) -- bounds inclusive
  return D.diff_days(a, b) + 1
end

-- Months added with a month's end kept a month's end (2025-09-30 - 1 month =
-- 2025-08-31), otherwise socle.date.add_months (day clamped).
local function add_months_eom(d, n)
  local r = D.add_months(d, n)
  if D.day(D.add_days(d, 1)) == 1 then
    local first = string.format("%04d-%02d-01", D.year(r), D.month(r))
    r = D.add_days(D.add_months(first, 1), -1)
  end
  return r
end

local function min_date(a, b) if a < b then return a end return b end
local function max_date(a, b) if a > b then return a end return b end

local function window_status(on_date, earliest, latest)
  if earliest and on_date < earliest then return "a_venir" end
  if latest and on_date > latest then return "passee" end
  return "en_cours"
end

local function check_date(v, what, optional)
  if v == nil and optional then return end
  if type(v) ~= "string" or not D.valid(v) then
    error(what .. " doit être une date AAAA-MM-JJ", 3)
  end
end

-- The leave's known facts: end (actual, or the day before the return, or
-- expected), return day, length. Raises on inconsistent input.
local function leave_facts(leave, on_date)
  if type(leave) ~= "table" then error("leave doit être une table", 2) end
  check_date(leave.start, "leave.start")
  check_date(leave.expected_end, "leave.expected_end", true)
  check_date(leave.actual_end, "leave.actual_end", true)
  check_date(leave.return_date, "leave.return_date", true)
  check_date(on_date, "on_date")
  local s = leave.start
  if leave.expected_end and leave.expected_end < s then
    error("leave.expected_end est antérieure au début de l'arrêt", 2)
  end
  if leave.actual_end and leave.actual_end < s then
    error("leave.actual_end est antérieure au début de l'arrêt", 2)
  end
  if leave.return_date and leave.return_date <= (leave.actual_end or s) then
    error("leave.return_date doit suivre la fin de l'arrêt", 2)
  end
  local f = { start = s }
  if leave.actual_end then
    f.last, f.source = leave.actual_end, "actual"
  elseif leave.return_date then
    f.last, f.source = D.add_days(leave.return_date, -1), "actual"
  elseif leave.expected_end then
    f.last, f.source = leave.expected_end, "expected"
  end
  if leave.return_date then
    f.back = leave.return_date
  elseif f.last then
    f.back = D.add_days(f.last, 1)
  end
  f.provisional = f.source == "expected"
  if f.last then
    f.days = days_between(s, f.last)
  elseif on_date >= s then
    f.so_far = days_between(s, on_date)
  end
  return f
end

local function cause_of(leave)
  local table_ = causes:at(leave.start)
  if not table_ then
    error("leave_obligations : aucune règle pour un arrêt commençant le " .. leave.start
          .. " (règles connues à partir du 2012-07-01)", 3)
  end
  local c = type(leave.cause) == "string" and table_[leave.cause]
  if not c then
    error("leave.cause inconnue : maternite, maladie_professionnelle, accident_travail, "
          .. "maladie, accident_non_professionnel ou accident_trajet attendue", 3)
  end
  -- A fresh table: the entry's nested tables are shared by every copy.
  return { kind = c.kind, label = c.label, note = c.note, arts = copy(c.arts or {}) }
end

-- "Arrêt pour maladie non professionnelle de 63 jours (du 6 janvier 2025 au 9 mars 2025)"
local function leave_text(c, f)
  local what = c.kind == "maternite" and "Congé de maternité" or ("Arrêt pour " .. c.label)
  if f.days then
    return string.format("%s de %s jours (du %s au %s%s)", what, int(f.days), fr(f.start),
                         fr(f.last), f.provisional and ", fin prévue" or "")
  elseif f.so_far then
    return string.format("%s en cours depuis le %s, sans date de fin connue (%s jours à ce jour)",
                         what, fr(f.start), int(f.so_far))
  end
  return string.format("%s commençant le %s, sans date de fin connue", what, fr(f.start))
end

-- ---- the three obligations --------------------------------------------------

local function reprise(c, f, on_date)
  local r = reprise_rules:at(f.start)
  if not r then
    error("leave_obligations : aucune règle de reprise pour un arrêt commençant le " .. f.start
          .. " (règles connues à partir du 2012-07-01)", 3)
  end
  local o = { type = "visite_reprise", who = "medecin", initiative = { "employer", "worker" } }
  local because -- follows the leave's description
  if c.kind == "maternite" then
    o.required = true
    because = " : examen de reprise obligatoire après un congé de maternité,"
  elseif c.kind == "mp" then
    o.required = true
    because = " : examen de reprise obligatoire après une absence pour maladie professionnelle, "
           .. "quelle qu'en soit la durée,"
  else
    local threshold = c.kind == "at" and r.at_days or r.non_pro_days
    local n = f.days or f.so_far
    if n and n >= threshold then
      o.required = true
      because = string.format(", au moins %s jours %s : examen de reprise obligatoire",
                              int(threshold), r.regime)
    else
      o.required = false
      local when
      if f.days then
        when = string.format(", moins de %s jours %s : pas d'examen de reprise obligatoire %s",
                             int(threshold), r.regime, cite(r.arts))
      else
        when = string.format(", moins de %s jours %s : l'examen de reprise deviendra "
                             .. "obligatoire si l'arrêt dure au moins jusqu'au %s %s",
                             int(threshold), r.regime, fr(D.add_days(f.start, threshold - 1)),
                             cite(r.arts))
      end
      o.basis = concat_lists(r.arts, c.arts, { "R4624-34" })
      o.explanation = leave_text(c, f) .. (c.note and (" ; " .. c.note) or "") .. when
                   .. " ; le salarié, l'employeur ou le médecin du travail peuvent demander une "
                   .. "visite à la demande (R4624-34)."
      return o
    end
  end
  o.basis = concat_lists(r.arts, c.arts)
  local text = leave_text(c, f) .. (c.note and (" ; " .. c.note) or "") .. because
  if f.back then
    o.earliest = f.back
    o.latest = D.add_days(f.back, r.delay_days)
    o.window_status = window_status(on_date, o.earliest, o.latest)
    if f.provisional then o.provisional = true end
    text = text .. string.format(" par le médecin du travail, le jour de la reprise (%s%s) et "
                                 .. "au plus tard le %s (%s jours après) ; l'employeur saisit le "
                                 .. "service dès qu'il connaît la date de fin de l'arrêt %s.",
                                 fr(f.back), f.provisional and ", prévue" or "", fr(o.latest),
                                 int(r.delay_days), cite(o.basis))
  else
    text = text .. string.format(" par le médecin du travail, le jour de la reprise et au plus "
                                 .. "tard %s jours après ; l'employeur saisit le service dès qu'il "
                                 .. "connaît la date de fin de l'arrêt %s.", int(r.delay_days),
                                 cite(o.basis))
  end
  o.explanation = text
  return o
end

-- First day beyond the threshold of an entry ("plus de 30 jours": day 31).
local function opens_on(start, rule)
  if rule.days then return D.add_days(start, rule.days) end
  return D.add_months(start, rule.months)
end

-- Shared by pré-reprise and the rendez-vous de liaison: is the leave longer
-- than the threshold (known end, or still running past it on on_date)?
local function beyond(f, opens, on_date)
  if f.last then return f.last >= opens end
  return on_date >= opens
end

local function pre_reprise(c, f, on_date)
  local p = pre_reprise_rules:at(f.start)
  if not p then
    error("leave_obligations : aucune règle de pré-reprise pour un arrêt commençant le "
          .. f.start, 3)
  end
  local o = { type = "pre_reprise", who = "medecin", initiative = copy(p.initiative),
              basis = copy(p.arts) }
  if c.kind == "maternite" then
    o.available = false
    o.explanation = "La visite de pré-reprise concerne les arrêts pour maladie ou accident ; "
                 .. "elle ne s'applique pas au congé de maternité " .. cite(p.arts) .. "."
    return o
  end
  local opens = opens_on(f.start, p)
  local who = initiative_text(p.initiative)
  if beyond(f, opens, on_date) then
    o.available = true
    o.earliest = opens
    o.latest = f.last
    o.window_status = window_status(on_date, o.earliest, o.latest)
    if f.provisional then o.provisional = true end
    o.explanation = string.format(
      "%s, donc de %s (seuil applicable %s) : une visite de pré-reprise par le médecin du "
      .. "travail est possible pendant l'arrêt, à partir du %s%s, à l'initiative %s ; "
      .. "l'employeur ne peut pas la demander, il informe le salarié de cette possibilité %s.",
      leave_text(c, f), p.threshold, p.regime, fr(opens),
      f.last and (" et jusqu'au " .. fr(f.last)) or "", who, cite(p.arts))
  else
    o.available = false
    o.explanation = string.format(
      "%s : la visite de pré-reprise n'est possible que pendant un arrêt de %s (seuil applicable "
      .. "%s), soit à partir du %s si l'arrêt dure jusque-là %s.", leave_text(c, f), p.threshold,
      p.regime, fr(opens), cite(p.arts))
  end
  return o
end

local function liaison(c, f, on_date)
  local l = liaison_rules:at(f.start)
  local o = { type = "rendez_vous_liaison", who = "employer" }
  if not l then
    o.available = false
    o.initiative = { "employer", "worker" }
    o.basis = { "L1226-1-3", "décret 2022-373" }
    o.explanation = "Le rendez-vous de liaison n'existe que pour les arrêts commençant après le "
                 .. "31 mars 2022 ; cet arrêt a commencé le " .. fr(f.start) .. " "
                 .. cite(o.basis) .. "."
    return o
  end
  o.initiative = copy(l.initiative)
  o.basis = copy(l.arts)
  if c.kind == "maternite" then
    o.available = false
    o.explanation = "Le rendez-vous de liaison concerne les arrêts pour maladie ou accident ; il "
                 .. "ne s'applique pas au congé de maternité " .. cite(l.arts) .. "."
    return o
  end
  local opens = opens_on(f.start, l)
  if beyond(f, opens, on_date) then
    o.available = true
    o.earliest = opens
    o.latest = f.last
    o.window_status = window_status(on_date, o.earliest, o.latest)
    if f.provisional then o.provisional = true end
    o.explanation = string.format(
      "%s, donc de plus de %s jours : un rendez-vous de liaison entre l'employeur et le salarié, "
      .. "associant le service de prévention et de santé au travail, peut être organisé à partir "
      .. "du %s%s, à l'initiative de l'un ou de l'autre ; ce n'est pas un examen médical, "
      .. "l'employeur informe le salarié qu'il peut le demander et le salarié peut le refuser "
      .. "sans conséquence %s.",
      leave_text(c, f), int(l.days), fr(opens), f.last and (" et jusqu'au " .. fr(f.last)) or "",
      cite(l.arts))
  else
    o.available = false
    o.explanation = string.format(
      "%s : le rendez-vous de liaison n'est possible que pendant un arrêt de plus de %s jours, "
      .. "soit à partir du %s si l'arrêt dure jusque-là %s.", leave_text(c, f), int(l.days),
      fr(opens), cite(l.arts))
  end
  return o
end

local function obligations(leave, on_date)
  local f = leave_facts(leave, on_date)
  local c = cause_of(leave)
  local result = {
    obligations = { reprise(c, f, on_date), pre_reprise(c, f, on_date), liaison(c, f, on_date) },
    rules_of = f.start,
  }
  if f.days then result.duration_days = f.days end
  if f.back then result.return_date = f.back end
  return result
end

socle.rule("leave_obligations", function(leave, on_date)
  return obligations(leave, on_date)
end)

-- ---- visit requests -----------------------------------------------------------

local REQUESTERS = { employer = true, worker = true, medecin = true, medecin_traitant = true,
                     medecin_conseil = true }

local function answer(allowed, reason, basis)
  return { allowed = allowed, reason = reason, basis = basis }
end

local function find(list, v)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end

local function obligation_of(leave, date, kind)
  for _, o in ipairs(obligations(leave, date).obligations) do
    if o.type == kind then return o end
  end
end

local REQUEST = {}

function REQUEST.embauche(req)
  local basis = { "R4624-10", "R4624-24" }
  if req.requested_by == "employer" then
    return answer(true, "L'employeur organise la visite d'embauche : visite d'information et de "
                     .. "prévention dans les 3 mois de la prise de poste (R4624-10), ou examen "
                     .. "médical d'aptitude avant l'affectation pour un poste à risque (R4624-24).",
                  basis)
  end
  return answer(false, "La visite d'embauche est demandée par l'employeur, qui en a "
                    .. "l'obligation ; le salarié ou le médecin du travail peuvent demander une "
                    .. "visite à la demande (R4624-34).", { "R4624-10", "R4624-24", "R4624-34" })
end

function REQUEST.reprise(req, date)
  local by = req.requested_by
  if by ~= "employer" and by ~= "worker" then
    return answer(false, "L'examen de reprise est demandé par l'employeur, qui saisit le service "
                      .. "dès qu'il connaît la date de fin de l'arrêt, ou par le salarié en "
                      .. "avertissant l'employeur (R4624-31).", { "R4624-31" })
  end
  -- The window the visit must fall in: from the day of return, at the latest
  -- 8 days after (R4624-31). The host books no slot outside it.
  local window
  if req.leave ~= nil then
    local o = obligation_of(req.leave, date, "visite_reprise")
    if not o.required then
      return answer(false, "Pas d'examen de reprise obligatoire pour cet arrêt. "
                        .. o.explanation, o.basis)
    end
    if o.earliest then window = { earliest = o.earliest, latest = o.latest } end
  end
  local a
  if by == "employer" then
    a = answer(true, "L'employeur saisit le service de prévention et de santé au travail, qui "
                  .. "organise l'examen de reprise le jour de la reprise et au plus tard dans "
                  .. "les 8 jours (R4624-31).", { "R4624-31" })
  else
    a = answer(true, "Le salarié peut solliciter lui-même l'examen de reprise auprès du service, "
                  .. "en avertissant préalablement l'employeur (R4624-31).", { "R4624-31" })
  end
  a.window = window
  return a
end

function REQUEST.a_la_demande(req)
  local by, basis = req.requested_by, { "R4624-34" }
  if by == "worker" then
    return answer(true, "Le salarié peut demander à tout moment un examen par le médecin du "
                     .. "travail, notamment s'il anticipe un risque d'inaptitude ; cette demande "
                     .. "ne peut motiver aucune sanction (R4624-34, L4624-1).",
                  { "R4624-34", "L4624-1" })
  elseif by == "employer" then
    return answer(true, "L'employeur peut demander à tout moment un examen du salarié par le "
                     .. "médecin du travail (R4624-34).", basis)
  elseif by == "medecin" then
    return answer(true, "Le médecin du travail peut organiser une visite pour tout salarié le "
                     .. "nécessitant (R4624-34).", basis)
  end
  return answer(false, "Une visite à la demande est demandée par le salarié, l'employeur ou le "
                    .. "médecin du travail ; le médecin traitant et le médecin-conseil peuvent "
                    .. "en revanche être à l'initiative d'une visite de pré-reprise pendant un "
                    .. "arrêt (L4624-2-4).", { "R4624-34", "L4624-2-4" })
end

function REQUEST.pre_reprise(req, date)
  local by = req.requested_by
  local rules = pre_reprise_rules:at(req.leave and req.leave.start or date)
  if not rules then
    error("visit_request_allowed : aucune règle de pré-reprise à cette date", 3)
  end
  local basis = copy(rules.arts)
  if by == "employer" then
    return answer(false, "L'employeur ne peut pas demander une visite de pré-reprise ; il peut "
                      .. "seulement en informer le salarié, qui peut la demander lui-même, comme "
                      .. "son médecin traitant, le médecin-conseil de l'assurance maladie ou le "
                      .. "médecin du travail " .. cite(basis) .. ".", basis)
  end
  local as = by == "medecin" and "medecin_du_travail" or by
  if not find(rules.initiative, as) then
    return answer(false, "La visite de pré-reprise est à l'initiative "
                      .. initiative_text(rules.initiative) .. " " .. rules.regime .. " "
                      .. cite(basis) .. ".", basis)
  end
  if req.leave ~= nil then
    local o = obligation_of(req.leave, date, "pre_reprise")
    if not o.available then
      return answer(false, o.explanation, o.basis)
    end
    if date < o.earliest then
      return answer(false, string.format("La visite de pré-reprise pourra être demandée à partir "
                                         .. "du %s. %s", fr(o.earliest), o.explanation), o.basis)
    end
    if o.latest and date > o.latest then
      return answer(false, string.format("L'arrêt se termine le %s : la visite de pré-reprise a "
                                         .. "lieu pendant l'arrêt ; au retour, c'est l'examen de "
                                         .. "reprise qui s'applique (R4624-31).", fr(o.latest)),
                    concat_lists(o.basis, { "R4624-31" }))
    end
    return answer(true, string.format("Demande faite %s : la visite de pré-reprise est "
                                      .. "possible pendant l'arrêt depuis le %s ; elle est faite "
                                      .. "par le médecin du travail %s.", REQUESTED_BY[as],
                                      fr(o.earliest), cite(o.basis)), o.basis)
  end
  return answer(true, string.format("La visite de pré-reprise peut être demandée %s pendant un "
                                    .. "arrêt de %s %s.", REQUESTED_BY[as], rules.threshold,
                                    cite(basis)), basis)
end

function REQUEST.post_exposition(req, date)
  local by = req.requested_by
  local r = request_rules:at(date)
  if not r then
    error("visit_request_allowed : pas de règle de visite post-exposition avant le 2022-04-01", 3)
  end
  if req.sir_or_exposed == false then
    return answer(false, "Le salarié n'a pas relevé du suivi individuel renforcé et n'a pas été "
                      .. "exposé aux risques de l'article R4624-23 I : pas de visite "
                      .. "post-exposition (L4624-2-1, R4624-28-1).", { "L4624-2-1", "R4624-28-1" })
  end
  if by == "employer" then
    return answer(true, "L'employeur informe le service et le salarié de la cessation de "
                     .. "l'exposition ou du départ ; le service organise la visite "
                     .. "post-exposition dans les meilleurs délais (L4624-2-1, R4624-28-2).",
                  { "L4624-2-1", "R4624-28-2" })
  elseif by == "medecin" then
    return answer(true, "Le médecin du travail organise la visite post-exposition et établit un "
                     .. "état des lieux des expositions (L4624-2-1, R4624-28-1).",
                  { "L4624-2-1", "R4624-28-1" })
  elseif by ~= "worker" then
    return answer(false, "La visite post-exposition est organisée sur information de "
                      .. "l'employeur ou à la demande du salarié ; le médecin traitant et le "
                      .. "médecin-conseil ne peuvent pas la demander (L4624-2-1, R4624-28-2).",
                  { "L4624-2-1", "R4624-28-2" })
  end
  local ends = req.exposure_end
  if ends == nil then
    return answer(false, "Le salarié peut demander la visite post-exposition dans un délai "
                      .. "calculé à partir de la fin de l'exposition : cette date est "
                      .. "nécessaire (R4624-28-2).", { "R4624-28-2" })
  end
  -- The widest of the two readings of "one month" (see the top of the file).
  local from = min_date(add_months_eom(ends, -r.exposure_before_months),
                        D.add_months(ends, -r.exposure_before_months))
  local to = max_date(add_months_eom(ends, r.exposure_after_months),
                      D.add_months(ends, r.exposure_after_months))
  if date < from or date > to then
    return answer(false, string.format("Le salarié peut demander lui-même la visite "
                                       .. "post-exposition du %s au %s (un mois avant à six mois "
                                       .. "après la fin de l'exposition le %s) ; la demande du %s "
                                       .. "est hors de ce délai. L'employeur ou le médecin du "
                                       .. "travail peuvent encore l'organiser (L4624-2-1, "
                                       .. "R4624-28-2).", fr(from), fr(to), fr(ends), fr(date)),
                  { "L4624-2-1", "R4624-28-2" })
  end
  return answer(true, string.format("Le salarié peut demander lui-même la visite post-exposition "
                                    .. "du %s au %s (un mois avant à six mois après la fin de "
                                    .. "l'exposition le %s) : la demande du %s est dans ce délai "
                                    .. "(L4624-2-1, R4624-28-2).", fr(from), fr(to), fr(ends),
                                    fr(date)), { "L4624-2-1", "R4624-28-2" })
end

socle.rule("visit_request_allowed", function(request)
  if type(request) ~= "table" then error("visit_request_allowed : request doit être une table") end
  local handler = type(request.type) == "string" and REQUEST[request.type]
  if not handler then
    error("request.type inconnu : embauche, reprise, a_la_demande, pre_reprise ou "
          .. "post_exposition attendu")
  end
  if not REQUESTERS[request.requested_by] then
    error("request.requested_by inconnu : employer, worker, medecin, medecin_traitant ou "
          .. "medecin_conseil attendu")
  end
  check_date(request.date, "request.date", true)
  check_date(request.exposure_end, "request.exposure_end", true)
  return handler(request, request.date or socle.today())
end)
