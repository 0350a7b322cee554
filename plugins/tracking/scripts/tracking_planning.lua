-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Planning and convocations: the default rule points of the tracking plugin's
-- planning (plugins/tracking/planning.c). A service redefines any of them with
-- socle.rule(name, fn) in its own scripts.
--
-- visit_priority(request) -> { priority = number (highest first), reason }
--   request = { type, who = "medecin" | "professionnel_sante" | "service",
--               requested_by, requested_on, due_before?, site?, worker_id, company_id }
--   Computed when the request is stored. Ties are broken by the host: the
--   nearest deadline (due_before, the last day the visit may take place), then
--   the oldest request.
--   DECISION of this pack: visits that condition the worker's presence at his
--   post come first — reprise (R4624-31: within 8 days of the return) and the
--   EMA before assignment to a SIR post (R4624-24) — then the orientation to
--   the médecin (sans délai, L4624-1), pré-reprise (during the leave,
--   L4624-2-4), the VIP before or within 3 months of hiring (R4624-10), the
--   CACES / habilitation électrique exam, worker- or employer-requested visits,
--   then the periodic ones.
--
-- assign_slot(request, slots) -> { slot_id = id or nil, reason }
--   request as above plus id; slots: the free future slots the host found for
--   this visit type (role, site), earliest first. The default respects:
--     * role: visits reserved to the médecin du travail (EMA, reprise,
--       pré-reprise, orientation, mi-carrière, post-exposition, CACES) never go
--       to an infirmier slot (R4624-24, R4624-31, L4624-1...); the others may
--       go to any health professional of the service (R4624-10, protocol);
--     * deadline: the slot's day is on or before due_before;
--     * site: the slot is at the requested site when one is given;
--   and takes the earliest slot that fits.
--
-- convocation_text(visit) -> { objectives, steps }
--   The convocation's objectives and main steps per visit type (seed
--   3.3.1.2.1), never any medical content: it is also sent to the employer.

local ROLE_LABEL = { medecin = "le médecin du travail",
                     infirmier = "l'infirmier(e) en santé au travail" }

-- ---- visit_priority ----------------------------------------------------------

local PRIORITY = {
  visite_reprise = { 100, "visite de reprise : le jour du retour et au plus tard dans les 8 jours "
                       .. "(R4624-31)" },
  ema_initial = { 100, "examen médical d'aptitude avant l'affectation au poste à risque "
                    .. "(R4624-24)" },
  orientation_medecin = { 90, "orientation vers le médecin du travail, sans délai (L4624-1)" },
  pre_reprise = { 80, "visite de pré-reprise, pendant l'arrêt (L4624-2-4)" },
  vip_initiale = { 70, "visite d'information et de prévention initiale, dans les 3 mois de la "
                     .. "prise de poste ou avant l'affectation (R4624-10, R4624-18)" },
  attestation_caces = { 60, "examen d'absence de contre-indication (décret 2025-355)" },
  visite_a_la_demande = { 50, "visite à la demande (R4624-34)" },
  post_exposition = { 50, "visite post-exposition ou de fin de carrière (L4624-2-1)" },
  suivi_adapte = { 40, "visite de suivi individuel adapté (R4624-17)" },
  ema_periodique = { 40, "renouvellement de l'examen médical d'aptitude (R4624-28)" },
  visite_intermediaire = { 30, "visite intermédiaire du suivi renforcé (R4624-28)" },
  vip_periodique = { 30, "renouvellement de la visite d'information et de prévention "
                       .. "(R4624-16)" },
  mi_carriere = { 20, "visite de mi-carrière (L4624-2-2)" },
  rendez_vous_liaison = { 10, "rendez-vous de liaison, non médical (L1226-1-3)" },
}

-- Dates as people read them: "10 mars 2026"; a slot "10 mars 2026 à 14 h 30".
-- What is not a date (a request may carry a malformed deadline) is left as given.
local function words(d)
  if type(d) == "string" and socle.date.valid(string.sub(d, 1, 10)) then
    return socle.date.words(string.sub(d, 1, 10))
  end
  return tostring(d)
end

local function when(starts_at)
  local h, m = string.match(starts_at, "T(%d%d):(%d%d)")
  if not h then return words(starts_at) end
  return words(starts_at) .. " à " .. tonumber(h) .. " h " .. m
end

socle.rule("visit_priority", function(request)
  if type(request) ~= "table" then error("visit_priority : request doit être une table") end
  local p = PRIORITY[request.type]
  if not p then error("request.type inconnu : " .. tostring(request.type)) end
  local reason = "Priorité " .. p[1] .. " : " .. p[2]
  if request.due_before then
    reason = reason .. " ; échéance le " .. words(request.due_before)
  end
  return { priority = p[1], reason = reason .. "." }
end)

-- ---- assign_slot ---------------------------------------------------------------

local function plural(n, word)
  return n .. " " .. word .. (n > 1 and "s" or "")
end

socle.rule("assign_slot", function(request, slots)
  if type(request) ~= "table" or type(slots) ~= "table" then
    error("assign_slot : request et slots doivent être des tables")
  end
  local medecin_only = request.who == "medecin"
  local due, site = request.due_before, request.site
  local best
  local wrong_role, too_late, elsewhere = 0, 0, 0
  for _, s in ipairs(slots) do
    if medecin_only and s.role ~= "medecin" then
      wrong_role = wrong_role + 1
    elseif due and string.sub(s.starts_at, 1, 10) > due then
      too_late = too_late + 1
    elseif site and s.site ~= site then
      elsewhere = elsewhere + 1
    elseif best == nil or s.starts_at < best.starts_at
        or (s.starts_at == best.starts_at and s.id < best.id) then
      best = s
    end
  end
  if best then
    local where = best.mode == "teleconsultation" and "en téléconsultation"
      or ("à " .. best.site)
    return { slot_id = best.id,
             reason = string.format("Premier créneau libre qui convient : le %s %s, avec %s%s.",
               when(best.starts_at), where, ROLE_LABEL[best.role] or best.role,
               due and (", avant l'échéance du " .. words(due)) or "") }
  end
  local parts = {}
  if #slots == 0 then
    parts[#parts + 1] = "aucun créneau libre à venir n'admet ce type de visite"
        .. (medecin_only and " avec le médecin du travail" or "")
        .. (site and (" sur le site " .. site) or "")
  end
  if wrong_role > 0 then
    parts[#parts + 1] = plural(wrong_role, "créneau") .. " écarté(s) : visite réservée au "
        .. "médecin du travail"
  end
  if too_late > 0 then
    parts[#parts + 1] = plural(too_late, "créneau") .. " écarté(s) : après l'échéance du "
        .. words(due)
  end
  if elsewhere > 0 then
    parts[#parts + 1] = plural(elsewhere, "créneau") .. " écarté(s) : hors du site " .. site
  end
  return { reason = "Aucun créneau ne convient : " .. table.concat(parts, " ; ") .. "." }
end)

-- ---- convocation_text ------------------------------------------------------------

local WELCOME = "Accueil par le service et vérification de votre identité."
local DOCS = "Apportez vos lunettes ou lentilles si vous en portez, la liste de vos traitements "
  .. "en cours et tout document utile à votre suivi (comptes rendus, carnet de vaccination)."
local INTERVIEW = "Entretien sur votre poste, vos conditions de travail et les risques "
  .. "auxquels vous êtes exposé(e)."
local PREVENTION = "Conseils de prévention adaptés à votre poste ; le professionnel peut vous "
  .. "orienter vers le médecin du travail ou vers le soin si besoin."
local EXAM = "Examen clinique et, si nécessaire, examens complémentaires."

local TEXTS = {
  vip_initiale = {
    objectives = "Vous informer sur les risques de votre poste et les moyens de prévention, "
      .. "vous sensibiliser, interroger votre état de santé et vous informer sur votre suivi "
      .. "(R4624-11).",
    steps = { WELCOME, DOCS, INTERVIEW, PREVENTION,
              "Remise d'une attestation de suivi (à vous et à votre employeur)." },
  },
  vip_periodique = {
    objectives = "Faire le point sur votre état de santé au regard de votre poste et renouveler "
      .. "les informations et conseils de prévention (R4624-16).",
    steps = { WELCOME, DOCS, INTERVIEW, PREVENTION, "Remise d'une attestation de suivi." },
  },
  suivi_adapte = {
    objectives = "Assurer un suivi adapté à votre situation (travail de nuit, femme enceinte, "
      .. "travailleur handicapé ou titulaire d'une pension d'invalidité...) (R4624-17 à R4624-20).",
    steps = { WELCOME, DOCS, INTERVIEW, PREVENTION, "Remise d'une attestation de suivi." },
  },
  ema_initial = {
    objectives = "Vérifier, avant l'affectation, que vous êtes apte au poste qui vous expose à "
      .. "des risques particuliers et vous informer sur ces risques (R4624-24).",
    steps = { WELCOME, DOCS, INTERVIEW, EXAM, PREVENTION,
              "Avis d'aptitude ou d'inaptitude remis à vous et à votre employeur." },
  },
  ema_periodique = {
    objectives = "Renouveler l'examen médical d'aptitude au poste à risques particuliers "
      .. "(R4624-28).",
    steps = { WELCOME, DOCS, INTERVIEW, EXAM, PREVENTION,
              "Avis d'aptitude ou d'inaptitude remis à vous et à votre employeur." },
  },
  visite_intermediaire = {
    objectives = "Faire le point à mi-parcours du suivi renforcé, entre deux examens "
      .. "d'aptitude (R4624-28).",
    steps = { WELCOME, DOCS, INTERVIEW, PREVENTION, "Remise d'une attestation de suivi." },
  },
  attestation_caces = {
    objectives = "Vérifier l'absence de contre-indication médicale à la conduite d'engins ou "
      .. "aux travaux sous tension (décret 2025-355).",
    steps = { WELCOME, DOCS, INTERVIEW, EXAM, "Remise de l'attestation ou de l'avis." },
  },
  visite_reprise = {
    objectives = "Vérifier que votre poste est compatible avec votre état de santé à votre "
      .. "retour, examiner les aménagements nécessaires et, le cas échéant, émettre un avis "
      .. "d'inaptitude (R4624-31, R4624-32).",
    steps = { WELCOME, DOCS, INTERVIEW, EXAM,
              "Échange sur les aménagements ou adaptations du poste si nécessaire.",
              "Remise d'une attestation ou d'un avis, à vous et à votre employeur." },
  },
  pre_reprise = {
    objectives = "Préparer votre retour au travail pendant votre arrêt : aménagements, "
      .. "formation, reclassement si nécessaire (R4624-30). Votre employeur n'est pas informé "
      .. "de cette visite ; il ne reçoit que les recommandations du médecin du travail, et "
      .. "seulement si vous ne vous y opposez pas.",
    steps = { WELCOME, DOCS, INTERVIEW, EXAM,
              "Recommandations pour votre retour, transmises à votre employeur sauf si vous "
                .. "vous y opposez (R4624-30)." },
  },
  rendez_vous_liaison = {
    objectives = "Vous informer, pendant votre arrêt, des actions de prévention de la "
      .. "désinsertion professionnelle, de la visite de pré-reprise et des aménagements "
      .. "possibles (L1226-1-3). Ce n'est pas un examen médical ; vous pouvez le refuser.",
    steps = { WELCOME, "Échange entre vous, votre employeur et le service.",
              "Information sur les dispositifs de maintien en emploi." },
  },
  mi_carriere = {
    objectives = "Faire le point, à mi-carrière, sur l'adéquation entre votre poste et votre "
      .. "état de santé et prévenir la désinsertion professionnelle (L4624-2-2).",
    steps = { WELCOME, DOCS, INTERVIEW, PREVENTION, "Remise d'une attestation de suivi." },
  },
  post_exposition = {
    objectives = "Établir l'état des lieux de vos expositions et, le cas échéant, mettre en "
      .. "place une surveillance post-exposition ou post-professionnelle (L4624-2-1).",
    steps = { WELCOME, DOCS, "Entretien sur l'ensemble de vos expositions professionnelles.",
              EXAM, "Remise de l'état des lieux des expositions." },
  },
  orientation_medecin = {
    objectives = "Rencontrer le médecin du travail à la suite de votre dernière visite, pour "
      .. "examiner votre situation (L4624-1).",
    steps = { WELCOME, DOCS, INTERVIEW, EXAM, "Remise d'une attestation ou d'un avis." },
  },
  visite_a_la_demande = {
    objectives = "Répondre à la demande de visite et examiner la situation qui la motive "
      .. "(R4624-34) ; elle ne peut donner lieu à aucune sanction.",
    steps = { WELCOME, DOCS, INTERVIEW, PREVENTION, "Remise d'une attestation de suivi." },
  },
}

socle.rule("convocation_text", function(visit)
  if type(visit) ~= "table" then error("convocation_text : visit doit être une table") end
  local t = TEXTS[visit.type]
  if not t then error("visit.type inconnu : " .. tostring(visit.type)) end
  local steps = {}
  for i, s in ipairs(t.steps) do steps[i] = s end
  if visit.mode == "teleconsultation" then
    steps[1] = "Connexion au lien de téléconsultation quelques minutes avant l'heure, depuis "
      .. "un lieu calme ; le lien vous est communiqué par le service."
  end
  local with = ROLE_LABEL[visit.role]
  local objectives = t.objectives
  if with then
    objectives = objectives .. " La visite est assurée par " .. with .. "."
  end
  return { objectives = objectives, steps = steps }
end)
