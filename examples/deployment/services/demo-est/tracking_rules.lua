-- demo-est: this service's own order of the visits to plan. The file name
-- differs from the default pack's (tracking/scripts/tracking_planning.lua),
-- so the default pack loads first (assign_slot, convocation_text stay the
-- defaults) and the socle.rule below replaces visit_priority for this service
-- only.
--
-- DECISION of demo-est (its médecins' project de service, keeping workers in
-- employment first): the pré-reprise, which prepares the return of a worker on
-- long leave, comes before the orientation to the médecin and right after the
-- reprise and the EMA; the VIP initiale of a newly hired worker comes before
-- the worker's or employer's own requests; periodic visits keep the default's
-- order. Ties are broken by the host as for every service: nearest deadline,
-- then oldest request.
--
--   type                    default  demo-est
--   visite_reprise             100     100
--   ema_initial                100     100
--   pre_reprise                 80      95
--   orientation_medecin         90      90
--   vip_initiale                70      85
--   attestation_caces           60      60
--   visite_a_la_demande         50      50
--   post_exposition             50      50
--   suivi_adapte                40      40
--   ema_periodique              40      40
--   visite_intermediaire        30      30
--   vip_periodique              30      30
--   mi_carriere                 20      20
--   rendez_vous_liaison         10      10

local PRIORITY = {
  visite_reprise = { 100, "visite de reprise : le jour du retour et au plus tard dans les 8 jours "
                       .. "(R4624-31)" },
  ema_initial = { 100, "examen médical d'aptitude avant l'affectation au poste à risque "
                    .. "(R4624-24)" },
  pre_reprise = { 95, "visite de pré-reprise, pendant l'arrêt (L4624-2-4) : priorité du service "
                    .. "au maintien en emploi" },
  orientation_medecin = { 90, "orientation vers le médecin du travail, sans délai (L4624-1)" },
  vip_initiale = { 85, "visite d'information et de prévention initiale, dans les 3 mois de la "
                     .. "prise de poste ou avant l'affectation (R4624-10, R4624-18) : priorité "
                     .. "du service à l'accueil des nouveaux salariés" },
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

socle.rule("visit_priority", function(request)
  if type(request) ~= "table" then error("visit_priority : request doit être une table") end
  local p = PRIORITY[request.type]
  if not p then error("request.type inconnu : " .. tostring(request.type)) end
  local reason = "Priorité " .. p[1] .. " (SPSTI Est) : " .. p[2]
  if request.due_before then
    reason = reason .. " ; échéance le " .. socle.date.words(request.due_before)
  end
  return { priority = p[1], reason = reason .. "." }
end)

socle.test {
  rule = "visit_priority",
  name = "demo-est : la pré-reprise passe avant l'orientation vers le médecin",
  args = { { type = "pre_reprise", who = "medecin", requested_by = "worker",
             requested_on = "2025-03-12", worker_id = 1, company_id = 1 } },
  expect = { priority = 95,
             reason = "Priorité 95 (SPSTI Est) : visite de pré-reprise, pendant l'arrêt "
               .. "(L4624-2-4) : priorité du service au maintien en emploi." },
}

socle.test {
  rule = "visit_priority",
  name = "demo-est : la VIP initiale passe avant les visites à la demande",
  args = { { type = "vip_initiale", who = "professionnel_sante", requested_by = "employer",
             requested_on = "2025-03-12", due_before = "2025-06-12", worker_id = 1,
             company_id = 1 } },
  expect = { priority = 85,
             reason = "Priorité 85 (SPSTI Est) : visite d'information et de prévention "
               .. "initiale, dans les 3 mois de la prise de poste ou avant l'affectation "
               .. "(R4624-10, R4624-18) : priorité du service à l'accueil des nouveaux "
               .. "salariés ; échéance le 12 juin 2025." },
}

-- DECISION of demo-est (its médecins' protocol): workers in simple follow-up
-- (SI) are seen every 3 years instead of the 5-year legal ceiling
-- (R4624-16 leaves the periodicity to the médecin's protocol, 5 years at most).
-- The default engine is wrapped, not copied: the protocol's periodicity is set
-- to 36 months unless the worker's own protocol is already shorter; every other
-- rule, date and explanation stays the default pack's.
local default_next_visits = socle.rule_get("next_visits")

socle.rule("next_visits", function(worker, history, on_date)
  if type(worker) == "table" and worker.category == "SI" then
    local w = {}
    for k, v in pairs(worker) do w[k] = v end
    local p = type(w.protocol) == "table" and w.protocol or {}
    local protocol = {}
    for k, v in pairs(p) do protocol[k] = v end
    if type(protocol.periodicity_months) ~= "number" or protocol.periodicity_months > 36 then
      protocol.periodicity_months = 36
    end
    w.protocol = protocol
    worker = w
  end
  return default_next_visits(worker, history, on_date)
end)

socle.test {
  rule = "next_visits",
  name = "demo-est : VIP faite le 2025-04-01, renouvellement au plus tard le 2028-04-01 (3 ans)",
  args = {
    { birth_date = "1990-04-12", start_date = "2025-03-10", category = "SI" },
    { { type = "vip_initiale", date = "2025-04-01", by = "infirmier", attestation = true } },
    "2025-04-01",
  },
  expect = {
    visits = {
      {
        type = "vip_periodique",
        earliest = "2025-04-02",
        latest = "2028-04-01",
        who = "professionnel_sante",
        basis = { "R4624-16" },
        explanation = "Visite d'information et de prévention à renouveler au plus tard le "
          .. "1er avril 2028 (périodicité de 36 mois fixée par le protocole du médecin du "
          .. "travail, plus tôt que le plafond légal du 1er avril 2030) ; plafond : 5 ans au "
          .. "plus après la visite du 1er avril 2025 (R4624-16).",
        overdue = false,
      },
    },
  },
}
