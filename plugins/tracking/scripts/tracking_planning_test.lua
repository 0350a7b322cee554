-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of tracking_planning.lua (beside it, as SQLite keeps its tests beside
-- the code): `socle check` runs each one against the rule the service has,
-- and a service that redefines a rule keeps only its contract check.

-- The sentences the convocation repeats, as the rule pack words them: a
-- vector states the exact text a worker reads.
local DOCS = "Apportez vos lunettes ou lentilles si vous en portez, la liste de vos traitements "
  .. "en cours et tout document utile à votre suivi (comptes rendus, carnet de vaccination)."
local INTERVIEW = "Entretien sur votre poste, vos conditions de travail et les risques "
  .. "auxquels vous êtes exposé(e)."
local PREVENTION = "Conseils de prévention adaptés à votre poste ; le professionnel peut vous "
  .. "orienter vers le médecin du travail ou vers le soin si besoin."

-- ---- test vectors (socle check runs them) ----------------------------------------

socle.test {
  rule = "visit_priority",
  name = "la reprise passe avant le renouvellement de la VIP",
  args = { { type = "visite_reprise", who = "medecin", requested_by = "employer",
             requested_on = "2025-03-12", due_before = "2025-03-18", worker_id = 1,
             company_id = 1 } },
  expect = { priority = 100,
             reason = "Priorité 100 : visite de reprise : le jour du retour et au plus tard dans "
               .. "les 8 jours (R4624-31) ; échéance le 18 mars 2025." },
}

socle.test {
  rule = "visit_priority",
  name = "VIP périodique sans échéance",
  args = { { type = "vip_periodique", who = "professionnel_sante", requested_by = "service",
             requested_on = "2025-03-12", worker_id = 1, company_id = 1 } },
  expect = { priority = 30,
             reason = "Priorité 30 : renouvellement de la visite d'information et de prévention "
               .. "(R4624-16)." },
}

local SLOTS = {
  { id = 1, professional_id = 10, role = "infirmier", site = "Lyon", starts_at = "2025-03-17T09:00",
    duration_min = 30, mode = "in_person", visit_types = socle.array({}) },
  { id = 2, professional_id = 11, role = "medecin", site = "Villeurbanne",
    starts_at = "2025-03-18T09:00", duration_min = 30, mode = "in_person",
    visit_types = socle.array({}) },
  { id = 3, professional_id = 11, role = "medecin", site = "Lyon", starts_at = "2025-03-20T09:00",
    duration_min = 30, mode = "in_person", visit_types = socle.array({}) },
}

socle.test {
  rule = "assign_slot",
  name = "EMA : jamais chez l'infirmier, le premier créneau du médecin",
  args = { { id = 7, type = "ema_initial", who = "medecin", requested_by = "employer",
             requested_on = "2025-03-12", worker_id = 1, company_id = 1 }, SLOTS },
  expect = { slot_id = 2,
             reason = "Premier créneau libre qui convient : le 18 mars 2025 à 9 h 00 à "
               .. "Villeurbanne, avec le médecin du travail." },
}

socle.test {
  rule = "assign_slot",
  name = "VIP : tout professionnel de santé, le plus tôt",
  args = { { id = 8, type = "vip_initiale", who = "professionnel_sante",
             requested_by = "employer", requested_on = "2025-03-12", worker_id = 1,
             company_id = 1 }, SLOTS },
  expect = { slot_id = 1,
             reason = "Premier créneau libre qui convient : le 17 mars 2025 à 9 h 00 à Lyon, avec "
               .. "l'infirmier(e) en santé au travail." },
}

socle.test {
  rule = "assign_slot",
  name = "reprise à Lyon avant le 2025-03-19 : aucun créneau, avec les raisons",
  args = { { id = 9, type = "visite_reprise", who = "medecin", requested_by = "employer",
             requested_on = "2025-03-12", due_before = "2025-03-19", site = "Lyon",
             worker_id = 1, company_id = 1 }, SLOTS },
  expect = { reason = "Aucun créneau ne convient : 1 créneau écarté(s) : visite réservée au "
               .. "médecin du travail ; 1 créneau écarté(s) : après l'échéance du 19 mars 2025 ; "
               .. "1 créneau écarté(s) : hors du site Lyon." },
}

socle.test {
  rule = "convocation_text",
  name = "VIP initiale en téléconsultation",
  args = { { type = "vip_initiale", label = "Visite d'information et de prévention initiale",
             who = "professionnel_sante", role = "infirmier", mode = "teleconsultation",
             site = "Lyon", starts_at = "2025-03-17T09:00", duration_min = 30 } },
  expect = {
    objectives = "Vous informer sur les risques de votre poste et les moyens de prévention, "
      .. "vous sensibiliser, interroger votre état de santé et vous informer sur votre suivi "
      .. "(R4624-11). La visite est assurée par l'infirmier(e) en santé au travail.",
    steps = { "Connexion au lien de téléconsultation quelques minutes avant l'heure, depuis "
                .. "un lieu calme ; le lien vous est communiqué par le service.",
              DOCS, INTERVIEW, PREVENTION,
              "Remise d'une attestation de suivi (à vous et à votre employeur)." },
  },
}
