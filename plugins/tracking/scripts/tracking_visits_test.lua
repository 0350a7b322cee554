-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of tracking_visits.lua (beside it, as SQLite keeps its tests beside
-- the code): `socle check` runs each one against the rule the service has,
-- and a service that redefines a rule keeps only its contract check.

-- ---- test vectors (socle check runs them; rules-and-figures.md §2, worked cases) ----

socle.test {
  rule = "next_visits",
  name = "TC01 CDI sans risque, prise de poste le 2025-03-10 : VIP au plus tard "
    .. "le 2025-06-10",
  args = {
    {
      birth_date = "1990-04-12",
      start_date = "2025-03-10",
      contract_type = "cdi",
      category = "SI",
    },
    {},
    "2025-03-10",
  },
  expect = {
    visits = {
      {
        type = "vip_initiale",
        earliest = "2025-03-10",
        latest = "2025-06-10",
        who = "professionnel_sante",
        basis = { "R4624-10", "L4624-1" },
        explanation = "Visite d'information et de prévention dans les 3 mois de la prise de "
          .. "poste du 10 mars 2025, au plus tard le 10 juin 2025, par un professionnel de "
          .. "santé ; attestation de suivi (R4624-10, L4624-1).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC02 VIP faite le 2025-04-01, protocole muet : renouvellement au plus "
    .. "tard le 2030-04-01",
  args = {
    { birth_date = "1990-04-12", start_date = "2025-03-10", category = "SI" },
    {
      {
        type = "vip_initiale",
        date = "2025-04-01",
        by = "infirmier",
        attestation = true,
      },
    },
    "2025-04-01",
  },
  expect = {
    visits = {
      {
        type = "vip_periodique",
        earliest = "2025-04-02",
        latest = "2030-04-01",
        who = "professionnel_sante",
        basis = { "R4624-16" },
        explanation = "Visite d'information et de prévention à renouveler au plus tard le 1er "
          .. "avril 2030 ; plafond : 5 ans au plus après la visite du 1er avril 2025 "
          .. "(R4624-16).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC03 le médecin fixe 3 ans : au plus tard le 2028-04-01",
  args = {
    {
      birth_date = "1990-04-12",
      start_date = "2025-03-10",
      category = "SI",
      protocol = { periodicity_months = 36 },
    },
    {
      {
        type = "vip_initiale",
        date = "2025-04-01",
        by = "infirmier",
        attestation = true,
      },
    },
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
        explanation = "Visite d'information et de prévention à renouveler au plus tard le 1er "
          .. "avril 2028 (périodicité de 36 mois fixée par le protocole du médecin du "
          .. "travail, plus tôt que le plafond légal du 1er avril 2030) ; plafond : 5 ans au "
          .. "plus après la visite du 1er avril 2025 (R4624-16).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC05 apprenti de 19 ans embauché le 2025-09-01 : VIP au plus tard le "
    .. "2025-11-01",
  args = {
    {
      birth_date = "2006-05-01",
      start_date = "2025-09-01",
      contract_type = "apprentissage",
      category = "SI",
    },
    {},
    "2025-08-20",
  },
  expect = {
    visits = {
      {
        type = "vip_initiale",
        earliest = "2025-09-01",
        latest = "2025-11-01",
        who = "professionnel_sante",
        basis = { "R4624-10", "L4624-1", "R6222-40-1" },
        explanation = "Apprenti : visite d'information et de prévention dans les 2 mois de "
          .. "l'embauche du 1er septembre 2025, au plus tard le 1er novembre 2025, par un "
          .. "professionnel de santé ; attestation de suivi (R4624-10, L4624-1, R6222-40-1).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC07 RQTH déclarée à la VIP du 2025-05-02 : orientation sans délai, "
    .. "SIA au plus tard le 2028-05-02",
  args = {
    {
      birth_date = "1990-04-12",
      start_date = "2025-03-10",
      category = "SIA",
      rqth = true,
    },
    { { type = "vip_initiale", date = "2025-05-02", by = "infirmier" } },
    "2025-05-02",
  },
  expect = {
    visits = {
      {
        type = "orientation_medecin",
        earliest = "2025-05-02",
        latest = "2025-05-02",
        who = "medecin",
        basis = { "L4624-1", "R4624-20" },
        explanation = "Orientation sans délai vers le médecin du travail à l'issue de la "
          .. "visite du 2 mai 2025 (travailleur handicapé (RQTH) ou titulaire d'une pension "
          .. "d'invalidité) ; le médecin fixe ensuite les modalités du suivi (L4624-1, "
          .. "R4624-20).",
        overdue = false,
      },
      {
        type = "suivi_adapte",
        earliest = "2025-05-03",
        latest = "2028-05-02",
        who = "professionnel_sante",
        basis = { "R4624-17" },
        explanation = "Suivi individuel adapté : visite à renouveler au plus tard le 2 mai "
          .. "2028 ; plafond : 3 ans au plus après la visite du 2 mai 2025 (R4624-17).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC08 salariée enceinte à la VIP du 2025-05-02 : orientation sans délai",
  args = {
    {
      birth_date = "1990-04-12",
      start_date = "2025-03-10",
      category = "SI",
      pregnant = true,
    },
    { { type = "vip_initiale", date = "2025-05-02", by = "infirmier" } },
    "2025-05-02",
  },
  expect = {
    visits = {
      {
        type = "orientation_medecin",
        earliest = "2025-05-02",
        latest = "2025-05-02",
        who = "medecin",
        basis = { "R4624-19" },
        explanation = "Orientation sans délai vers le médecin du travail à l'issue de la "
          .. "visite du 2 mai 2025 (travailleuse enceinte, venant d'accoucher ou allaitante) "
          .. "; le médecin fixe ensuite les modalités du suivi (R4624-19).",
        overdue = false,
      },
      {
        type = "vip_periodique",
        earliest = "2025-05-03",
        latest = "2030-05-02",
        who = "professionnel_sante",
        basis = { "R4624-16" },
        explanation = "Visite d'information et de prévention à renouveler au plus tard le 2 "
          .. "mai 2030 ; plafond : 5 ans au plus après la visite du 2 mai 2025 (R4624-16).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC09 agents biologiques du groupe 2 : VIP avant l'affectation",
  args = {
    {
      birth_date = "1990-04-12",
      start_date = "2025-03-10",
      category = "SI",
      exposures = { "agents_biologiques_2" },
    },
    {},
    "2025-02-20",
  },
  expect = {
    visits = {
      {
        type = "vip_initiale",
        earliest = "2025-02-20",
        before = "2025-03-10",
        who = "professionnel_sante",
        basis = { "R4426-7", "R4624-10", "L4624-1" },
        to_verify = { "R4426-7" },
        explanation = "Visite d'information et de prévention avant l'affectation au poste, "
          .. "prévue le 10 mars 2025 (exposition à des agents biologiques du groupe 2), par "
          .. "un professionnel de santé ; elle donne lieu à une attestation de suivi "
          .. "(R4426-7, R4624-10, L4624-1).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC10 désamiantage : EMA par le médecin avant le 2025-03-10",
  args = {
    {
      birth_date = "1985-01-01",
      start_date = "2025-03-10",
      category = "SIR",
      exposures = { "amiante" },
    },
    {},
    "2025-02-20",
  },
  expect = {
    visits = {
      {
        type = "ema_initial",
        earliest = "2025-02-20",
        before = "2025-03-10",
        who = "medecin",
        basis = { "R4624-22", "R4624-24", "R4624-23" },
        explanation = "Suivi individuel renforcé : examen médical d'aptitude par le médecin "
          .. "du travail avant l'affectation au poste, prévue le 10 mars 2025 ; il remplace "
          .. "la visite d'information et de prévention et donne lieu à un avis d'aptitude "
          .. "(R4624-22, R4624-24, R4624-23).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC11 EMA du 2025-03-05 : intermédiaire au plus tard le 2027-03-05, "
    .. "EMA le 2029-03-05",
  args = {
    {
      birth_date = "1985-01-01",
      start_date = "2025-03-10",
      category = "SIR",
      exposures = { "amiante" },
    },
    { { type = "ema_initial", date = "2025-03-05", by = "medecin", avis = "aptitude" } },
    "2025-03-10",
  },
  expect = {
    visits = {
      {
        type = "visite_intermediaire",
        earliest = "2025-03-06",
        latest = "2027-03-05",
        who = "professionnel_sante",
        basis = { "R4624-28" },
        explanation = "Suivi individuel renforcé : visite intermédiaire par un professionnel "
          .. "de santé au plus tard le 5 mars 2027 ; plafond : 2 ans au plus après l'examen "
          .. "d'aptitude du 5 mars 2025 (R4624-28).",
        overdue = false,
      },
      {
        type = "ema_periodique",
        earliest = "2025-03-06",
        latest = "2029-03-05",
        who = "medecin",
        basis = { "R4624-28" },
        explanation = "Suivi individuel renforcé : examen médical d'aptitude par le médecin "
          .. "du travail à renouveler au plus tard le 5 mars 2029 ; plafond : 4 ans au plus "
          .. "après l'examen d'aptitude du 5 mars 2025 (R4624-28).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC13 mineur sur travaux réglementés, avis du 2025-09-01 : nouvel avis "
    .. "au plus tard le 2026-09-01",
  args = {
    {
      birth_date = "2009-01-10",
      start_date = "2025-09-01",
      category = "SIR",
      minor_regulated_work = true,
    },
    { { type = "ema_initial", date = "2025-09-01", by = "medecin", avis = "aptitude" } },
    "2025-09-02",
  },
  expect = {
    visits = {
      {
        type = "ema_periodique",
        earliest = "2025-09-02",
        latest = "2026-09-01",
        who = "medecin",
        basis = { "R4153-40", "R4624-23 II" },
        explanation = "Mineur affecté à des travaux réglementés : avis d'aptitude médicale "
          .. "annuel à renouveler au plus tard le 1er septembre 2026 ; plafond : 1 an au plus "
          .. "après l'examen d'aptitude du 1er septembre 2025 (R4153-40 ; R4624-23 II).",
        overdue = false,
      },
    },
    notes = {
      "Le salarié aura 18 ans le 10 janvier 2027 : l'avis annuel des travaux réglementés ne "
        .. "s'appliquera plus ensuite.",
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC14 cariste (CACES) embauché le 2025-11-03 : VIP et examen du "
    .. "médecin, attestation jusqu'au 2030-11-03",
  args = {
    {
      birth_date = "1990-04-12",
      start_date = "2025-11-03",
      category = "SI",
      caces_or_electrical = true,
    },
    { { type = "attestation_caces", date = "2025-11-03", by = "medecin" } },
    "2025-11-04",
  },
  expect = {
    visits = {
      {
        type = "vip_initiale",
        earliest = "2025-11-03",
        latest = "2026-02-03",
        who = "professionnel_sante",
        basis = { "R4624-10", "L4624-1" },
        explanation = "Visite d'information et de prévention dans les 3 mois de la prise de "
          .. "poste du 3 novembre 2025, au plus tard le 3 février 2026, par un professionnel "
          .. "de santé ; attestation de suivi (R4624-10, L4624-1).",
        overdue = false,
      },
      {
        type = "attestation_caces",
        earliest = "2025-11-04",
        latest = "2030-11-03",
        who = "medecin",
        basis = { "décret 2025-355" },
        explanation = "Conduite d'engins (CACES) ou habilitation électrique : l'attestation "
          .. "d'absence de contre-indication du 3 novembre 2025 est valable 5 ans, jusqu'au 3 "
          .. "novembre 2030 ; nouvel examen par le médecin du travail au plus tard à cette "
          .. "date (décret 2025-355).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC16 VIP du 2022-01-15 pour un poste équivalent : pas de nouvelle VIP",
  args = {
    { birth_date = "1990-04-12", start_date = "2025-03-10", category = "SI" },
    {
      {
        type = "vip_initiale",
        date = "2022-01-15",
        previous_employer = true,
        equivalent_job = true,
        attestation = true,
      },
    },
    "2025-03-10",
  },
  expect = {
    visits = {
      {
        type = "vip_periodique",
        earliest = "2022-01-16",
        latest = "2027-01-15",
        who = "professionnel_sante",
        basis = { "R4624-16" },
        explanation = "Visite d'information et de prévention à renouveler au plus tard le 15 "
          .. "janvier 2027 ; plafond : 5 ans au plus après la visite du 15 janvier 2022 "
          .. "(R4624-16).",
        overdue = false,
      },
    },
    notes = {
      "Pas de nouvelle visite d'information et de prévention à l'embauche : visite du 15 "
        .. "janvier 2022 pour un emploi équivalent, moins de 5 ans avant la prise de poste, "
        .. "dernière attestation de suivi détenue par le professionnel de santé, et aucune "
        .. "mesure (L4624-3) ni inaptitude (L4624-4) au cours des 5 années précédant "
        .. "l'embauche (R4624-15).",
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC29 né le 1981-06-15 : mi-carrière du 2026-01-01 au 2026-12-31, "
    .. "couplable dès 2024",
  args = {
    { birth_date = "1981-06-15", start_date = "2010-01-04", category = "SI" },
    { { type = "vip_periodique", date = "2023-02-01", by = "infirmier" } },
    "2025-06-01",
  },
  expect = {
    visits = {
      {
        type = "mi_carriere",
        earliest = "2026-01-01",
        latest = "2026-12-31",
        who = "medecin",
        basis = { "L4624-2-2" },
        explanation = "Visite de mi-carrière pendant l'année civile des 45 ans (2026), du 1er "
          .. "janvier 2026 au 31 décembre 2026 ; elle peut être avancée et couplée à une "
          .. "autre visite du médecin du travail à partir du 1er janvier 2024 ; par le "
          .. "médecin du travail ou un infirmier en pratique avancée (L4624-2-2).",
        overdue = false,
        combinable_from = "2024-01-01",
      },
      {
        type = "vip_periodique",
        earliest = "2023-02-02",
        latest = "2028-02-01",
        who = "professionnel_sante",
        basis = { "R4624-16" },
        explanation = "Visite d'information et de prévention à renouveler au plus tard le 1er "
          .. "février 2028 ; plafond : 5 ans au plus après la visite du 1er février 2023 "
          .. "(R4624-16).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC31 salarié en SIR, retraite le 2025-09-30 : post-exposition (lecture la plus "
    .. "favorable) du "
    .. "2025-08-30 au 2026-03-31",
  args = {
    {
      birth_date = "1962-04-01",
      start_date = "2000-01-03",
      category = "SIR",
      exposures = { "amiante" },
      retirement_date = "2025-09-30",
    },
    {
      { type = "ema_periodique", date = "2022-10-01", by = "medecin", avis = "aptitude" },
      { type = "visite_intermediaire", date = "2024-09-02", by = "infirmier" },
    },
    "2025-09-01",
  },
  expect = {
    visits = {
      {
        type = "post_exposition",
        earliest = "2025-08-30",
        latest = "2026-03-31",
        who = "medecin",
        basis = { "L4624-2-1", "R4624-28-1", "R4624-28-2", "R4624-28-3" },
        explanation = "Visite post-exposition (salarié en suivi individuel renforcé) : fin de "
          .. "l'exposition ou départ le 30 septembre 2025 ; l'employeur en informe le service "
          .. "et le salarié, la visite a lieu dès que possible ; le salarié peut la demander "
          .. "lui-même du 30 août 2025 au 31 mars 2026. Le médecin du travail établit un état "
          .. "des lieux des expositions (L4624-2-1, R4624-28-1, R4624-28-2, R4624-28-3).",
        overdue = false,
      },
    },
    notes = {
      "Pas de « renouvellement de l'examen médical d'aptitude » (au plus tard le 1er octobre "
        .. "2026) : le salarié quitte son poste le 30 septembre 2025.",
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC32 ni SIR ni exposé, retraite : pas de visite post-exposition",
  args = {
    {
      birth_date = "1962-04-01",
      start_date = "2000-01-03",
      category = "SI",
      retirement_date = "2025-09-30",
    },
    { { type = "vip_periodique", date = "2024-03-01" } },
    "2025-09-01",
  },
  expect = {
    visits = socle.array({}),
    notes = {
      "Aucune visite post-exposition : le salarié n'est pas en suivi renforcé, ne l'a pas été "
        .. "et n'a pas été exposé aux risques de l'article R4624-23 I (R4624-28-1).",
      "Pas de « renouvellement de la visite d'information et de prévention » (au plus tard le "
        .. "1er mars 2029) : le salarié quitte son poste le 30 septembre 2025.",
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "TC33 plomb sous les seuils le 2026-05-01, catégorie SIR : EMA avant "
    .. "l'affectation",
  args = {
    {
      birth_date = "1985-01-01",
      start_date = "2026-05-01",
      category = "SIR",
      exposures = { "plomb_sous_seuils" },
    },
    {},
    "2026-04-20",
  },
  expect = {
    visits = {
      {
        type = "ema_initial",
        earliest = "2026-04-20",
        before = "2026-05-01",
        who = "medecin",
        basis = { "R4624-22", "R4624-24", "R4624-23" },
        explanation = "Suivi individuel renforcé : examen médical d'aptitude par le médecin "
          .. "du travail avant l'affectation au poste, prévue le 1er mai 2026 ; il remplace "
          .. "la visite d'information et de prévention et donne lieu à un avis d'aptitude "
          .. "(R4624-22, R4624-24, R4624-23).",
        overdue = false,
      },
    },
  },
}

-- ---- issue 10 (2026-12-04): each vector failed on the engine before its fix ----

socle.test {
  rule = "next_visits",
  name = "2026-12-04 R4624-15 3° : une mesure (L4624-3) émise AVANT la visite dispensante, "
    .. "moins de 5 ans avant l'embauche, interdit la dispense",
  args = {
    { birth_date = "1990-04-12", start_date = "2025-03-10", category = "SI" },
    {
      { type = "visite_a_la_demande", date = "2021-05-10", previous_employer = true,
        restrictions = true },
      { type = "vip_periodique", date = "2022-01-15", previous_employer = true,
        equivalent_job = true, attestation = true },
    },
    "2025-03-10",
  },
  expect = {
    visits = {
      {
        type = "vip_initiale",
        earliest = "2025-03-10",
        latest = "2025-06-10",
        who = "professionnel_sante",
        basis = { "R4624-10", "L4624-1" },
        explanation = "Visite d'information et de prévention dans les 3 mois de la prise de "
          .. "poste du 10 mars 2025, au plus tard le 10 juin 2025, par un professionnel de "
          .. "santé ; attestation de suivi (R4624-10, L4624-1).",
        overdue = false,
      },
    },
    notes = {
      "La visite du 15 janvier 2022 pour un emploi équivalent ne dispense pas de la visite "
        .. "d'information et de prévention à l'embauche : une mesure d'aménagement (L4624-3) "
        .. "a été formulée le 10 mai 2021, au cours des 5 années précédant l'embauche du 10 "
        .. "mars 2025 (R4624-15 3°).",
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "2026-12-04 R4624-15 2° : le dernier avis d'aptitude vaut comme la dernière attestation",
  args = {
    { birth_date = "1990-04-12", start_date = "2025-03-10", category = "SI" },
    {
      { type = "ema_periodique", date = "2022-01-15", previous_employer = true,
        equivalent_job = true, avis = "aptitude", by = "medecin" },
    },
    "2025-03-10",
  },
  expect = {
    visits = {
      {
        type = "vip_periodique",
        earliest = "2022-01-16",
        latest = "2027-01-15",
        who = "professionnel_sante",
        basis = { "R4624-16" },
        explanation = "Visite d'information et de prévention à renouveler au plus tard le 15 "
          .. "janvier 2027 ; plafond : 5 ans au plus après la visite du 15 janvier 2022 "
          .. "(R4624-16).",
        overdue = false,
      },
    },
    notes = {
      "Pas de nouvelle visite d'information et de prévention à l'embauche : visite du 15 "
        .. "janvier 2022 pour un emploi équivalent, moins de 5 ans avant la prise de poste, "
        .. "dernier avis d'aptitude détenu par le professionnel de santé, et aucune mesure "
        .. "(L4624-3) ni inaptitude (L4624-4) au cours des 5 années précédant l'embauche "
        .. "(R4624-15).",
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "2026-12-04 R4624-27 3° : une inaptitude (L4624-4) rendue AVANT l'examen dispensant, "
    .. "moins de 2 ans avant l'embauche, interdit la dispense",
  args = {
    { birth_date = "1985-01-01", start_date = "2025-03-10", category = "SIR" },
    {
      { type = "visite_a_la_demande", date = "2023-06-10", previous_employer = true,
        avis = "inaptitude", by = "medecin" },
      { type = "ema_periodique", date = "2024-01-10", previous_employer = true,
        equivalent_job = true, avis = "aptitude", by = "medecin" },
    },
    "2025-03-01",
  },
  expect = {
    visits = {
      {
        type = "ema_initial",
        earliest = "2025-03-01",
        before = "2025-03-10",
        who = "medecin",
        basis = { "R4624-22", "R4624-24", "R4624-23" },
        explanation = "Suivi individuel renforcé : examen médical d'aptitude par le médecin "
          .. "du travail avant l'affectation au poste, prévue le 10 mars 2025 ; il remplace "
          .. "la visite d'information et de prévention et donne lieu à un avis d'aptitude "
          .. "(R4624-22, R4624-24, R4624-23).",
        overdue = false,
      },
    },
    notes = {
      "La visite du 10 janvier 2024 pour un emploi équivalent ne dispense pas de l'examen "
        .. "médical d'aptitude à l'embauche : un avis d'inaptitude (L4624-4) a été rendu le "
        .. "10 juin 2023, au cours des 2 années précédant l'embauche du 10 mars 2025 "
        .. "(R4624-27 3°).",
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "2026-12-04 L4624-2-2 : la mi-carrière de 2024 non faite reste due, en retard, "
    .. "le 2025-06-01",
  args = {
    { birth_date = "1979-06-15", start_date = "2010-01-04", category = "SI" },
    { { type = "vip_periodique", date = "2023-02-01", by = "infirmier" } },
    "2025-06-01",
  },
  expect = {
    visits = {
      {
        type = "mi_carriere",
        earliest = "2024-01-01",
        latest = "2024-12-31",
        who = "medecin",
        basis = { "L4624-2-2" },
        explanation = "Visite de mi-carrière de l'année civile des 45 ans (2024), du 1er "
          .. "janvier 2024 au 31 décembre 2024, pas encore faite : elle reste due jusqu'à ce "
          .. "qu'elle ait lieu, par le médecin du travail ou un infirmier en pratique avancée "
          .. "(L4624-2-2). Cette visite est en retard depuis le 1er janvier 2025.",
        overdue = true,
        combinable_from = "2022-01-01",
      },
      {
        type = "vip_periodique",
        earliest = "2023-02-02",
        latest = "2028-02-01",
        who = "professionnel_sante",
        basis = { "R4624-16" },
        explanation = "Visite d'information et de prévention à renouveler au plus tard le 1er "
          .. "février 2028 ; plafond : 5 ans au plus après la visite du 1er février 2023 "
          .. "(R4624-16).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "2026-12-04 L4624-2-1, CPC art. 641 : fin d'exposition le 29 février 2024, "
    .. "demande possible du 29 janvier au 31 août 2024",
  args = {
    { birth_date = "1970-03-02", start_date = "2010-01-04", category = "SI",
      formerly_sir = true, exposure_end_date = "2024-02-29" },
    { { type = "vip_periodique", date = "2023-11-15", by = "infirmier" } },
    "2024-01-29",
  },
  expect = {
    visits = {
      {
        type = "post_exposition",
        earliest = "2024-01-29",
        latest = "2024-08-31",
        who = "medecin",
        basis = { "L4624-2-1", "R4624-28-1", "R4624-28-2", "R4624-28-3" },
        explanation = "Visite post-exposition (salarié ayant bénéficié d'un suivi individuel "
          .. "renforcé) : fin de l'exposition ou départ le 29 février 2024 ; l'employeur en "
          .. "informe le service et le salarié, la visite a lieu dès que possible ; le "
          .. "salarié peut la demander lui-même du 29 janvier 2024 au 31 août 2024. Le "
          .. "médecin du travail établit un état des lieux des expositions (L4624-2-1, "
          .. "R4624-28-1, R4624-28-2, R4624-28-3).",
        overdue = false,
      },
      {
        type = "vip_periodique",
        earliest = "2023-11-16",
        latest = "2028-11-15",
        who = "professionnel_sante",
        basis = { "R4624-16" },
        explanation = "Visite d'information et de prévention à renouveler au plus tard le 15 "
          .. "novembre 2028 ; plafond : 5 ans au plus après la visite du 15 novembre 2023 "
          .. "(R4624-16).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "2026-12-04 L4624-2-1 : fin d'exposition le 31 mars 2025, demande possible du "
    .. "28 février au 30 septembre 2025",
  args = {
    { birth_date = "1970-03-02", start_date = "2010-01-04", category = "SI",
      formerly_sir = true, exposure_end_date = "2025-03-31" },
    { { type = "vip_periodique", date = "2024-11-15", by = "infirmier" } },
    "2025-02-28",
  },
  expect = {
    visits = {
      {
        type = "post_exposition",
        earliest = "2025-02-28",
        latest = "2025-09-30",
        who = "medecin",
        basis = { "L4624-2-1", "R4624-28-1", "R4624-28-2", "R4624-28-3" },
        explanation = "Visite post-exposition (salarié ayant bénéficié d'un suivi individuel "
          .. "renforcé) : fin de l'exposition ou départ le 31 mars 2025 ; l'employeur en "
          .. "informe le service et le salarié, la visite a lieu dès que possible ; le "
          .. "salarié peut la demander lui-même du 28 février 2025 au 30 septembre 2025. Le "
          .. "médecin du travail établit un état des lieux des expositions (L4624-2-1, "
          .. "R4624-28-1, R4624-28-2, R4624-28-3).",
        overdue = false,
      },
      {
        type = "vip_periodique",
        earliest = "2024-11-16",
        latest = "2029-11-15",
        who = "professionnel_sante",
        basis = { "R4624-16" },
        explanation = "Visite d'information et de prévention à renouveler au plus tard le 15 "
          .. "novembre 2029 ; plafond : 5 ans au plus après la visite du 15 novembre 2024 "
          .. "(R4624-16).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "2026-12-04 R4624-18 : 17 ans le jour de la question, 18 ans à la prise de poste : "
    .. "la visite d'un adulte, dite une fois",
  args = {
    { birth_date = "2008-07-01", start_date = "2026-09-01", category = "SI" },
    {},
    "2026-05-01",
  },
  expect = {
    visits = {
      {
        type = "vip_initiale",
        earliest = "2026-09-01",
        latest = "2026-12-01",
        who = "professionnel_sante",
        basis = { "R4624-10", "L4624-1" },
        explanation = "Visite d'information et de prévention dans les 3 mois de la prise de "
          .. "poste du 1er septembre 2026, au plus tard le 1er décembre 2026, par un "
          .. "professionnel de santé ; attestation de suivi (R4624-10, L4624-1) ; le salarié "
          .. "aura 18 ans le 1er juillet 2026, avant sa prise de poste : la visite avant "
          .. "l'affectation des salariés de moins de 18 ans (R4624-18) ne s'applique pas.",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "2026-12-04 visite en retard : elle le dit, et depuis quand, en toutes lettres",
  args = {
    { birth_date = "1990-04-12", start_date = "2025-03-10", category = "SI",
      exposures = { "agents_biologiques_2" } },
    {},
    "2025-04-01",
  },
  expect = {
    visits = {
      {
        type = "vip_initiale",
        earliest = "2025-03-10",
        before = "2025-03-10",
        who = "professionnel_sante",
        basis = { "R4426-7", "R4624-10", "L4624-1" },
        to_verify = { "R4426-7" },
        explanation = "Visite d'information et de prévention avant l'affectation au poste, "
          .. "prévue le 10 mars 2025 (exposition à des agents biologiques du groupe 2), par "
          .. "un professionnel de santé ; elle donne lieu à une attestation de suivi "
          .. "(R4426-7, R4624-10, L4624-1). Cette visite est en retard : elle devait avoir "
          .. "lieu avant la prise de poste du 10 mars 2025.",
        overdue = true,
      },
    },
  },
}

-- ---- a change of assignment (worker.assigned_on; issue 10 item 13) ----

socle.test {
  rule = "next_visits",
  name = "R4624-18 salarié de jour passant de nuit le 2025-12-01 (déclaré le 2025-11-03) : "
    .. "VIP avant le 2025-12-01, la VIP d'embauche de 2024 n'y répond pas",
  args = {
    {
      birth_date = "1990-04-12",
      start_date = "2024-01-08",
      category = "SIA",
      night_worker = true,
      assigned_on = "2025-12-01",
      assignment_declared_on = "2025-11-03",
    },
    { { type = "vip_initiale", date = "2024-02-01", by = "infirmier", attestation = true } },
    "2025-11-03",
  },
  expect = {
    visits = {
      {
        type = "vip_initiale",
        earliest = "2025-11-03",
        before = "2025-12-01",
        who = "professionnel_sante",
        basis = { "R4624-18", "L3122-5", "R4624-10", "L4624-1" },
        explanation = "Visite d'information et de prévention avant l'affectation au poste, "
          .. "prévue le 1er décembre 2025 (travailleur de nuit), par un professionnel de "
          .. "santé ; elle donne lieu à une attestation de suivi (R4624-18, L3122-5, R4624-10, "
          .. "L4624-1).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "R4624-18 passage de nuit le 2025-12-01 : la VIP du 2025-11-20, tenue depuis la "
    .. "déclaration, y répond ; suivi adapté dans les 3 ans",
  args = {
    {
      birth_date = "1990-04-12",
      start_date = "2024-01-08",
      category = "SIA",
      night_worker = true,
      assigned_on = "2025-12-01",
      assignment_declared_on = "2025-11-03",
    },
    {
      { type = "vip_initiale", date = "2024-02-01", by = "infirmier", attestation = true },
      { type = "vip_initiale", date = "2025-11-20", by = "infirmier", attestation = true },
    },
    "2025-11-25",
  },
  expect = {
    visits = {
      {
        type = "suivi_adapte",
        earliest = "2025-11-21",
        latest = "2028-11-20",
        who = "professionnel_sante",
        basis = { "R4624-17" },
        explanation = "Suivi individuel adapté : visite à renouveler au plus tard le 20 "
          .. "novembre 2028 ; plafond : 3 ans au plus après la visite du 20 novembre 2025 "
          .. "(R4624-17).",
        overdue = false,
      },
    },
  },
}

socle.test {
  rule = "next_visits",
  name = "R4624-24 passage à un poste de désamiantage le 2026-01-05 : EMA par le médecin "
    .. "avant le 2026-01-05",
  args = {
    {
      birth_date = "1990-04-12",
      start_date = "2024-01-08",
      category = "SIR",
      exposures = { "amiante" },
      assigned_on = "2026-01-05",
      assignment_declared_on = "2025-11-03",
    },
    { { type = "vip_initiale", date = "2024-02-01", by = "infirmier", attestation = true } },
    "2025-11-03",
  },
  expect = {
    visits = {
      {
        type = "ema_initial",
        earliest = "2025-11-03",
        before = "2026-01-05",
        who = "medecin",
        basis = { "R4624-22", "R4624-24", "R4624-23" },
        explanation = "Suivi individuel renforcé : examen médical d'aptitude par le médecin "
          .. "du travail avant l'affectation au poste, prévue le 5 janvier 2026 ; il "
          .. "remplace la visite d'information et de prévention et donne lieu à un "
          .. "avis d'aptitude (R4624-22, R4624-24, R4624-23).",
        overdue = false,
      },
    },
  },
}
