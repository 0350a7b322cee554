-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of tracking_leave.lua (beside it, as SQLite keeps its tests beside
-- the code): `socle check` runs each one against the rule the service has,
-- and a service that redefines a rule keeps only its contract check.

-- ---- test vectors (socle check runs them; rules-and-figures.md §1.1, §2) ----
-- Each expectation is the whole answer, explanations included: a change of
-- wording is a change of the conformance suite.

socle.test {
  rule = "leave_obligations",
  name = "arrêt maladie de 63 jours, reprise le 2025-03-10 : reprise, pré-reprise et liaison (TC19)",
  args = {
    {
      cause = "maladie",
      start = "2025-01-06",
      actual_end = "2025-03-09",
      return_date = "2025-03-10",
    },
    "2025-03-12",
  },
  expect = {
    return_date = "2025-03-10",
    obligations = {
      {
        type = "visite_reprise",
        required = true,
        earliest = "2025-03-10",
        latest = "2025-03-18",
        window_status = "en_cours",
        who = "medecin",
        initiative = { "employer", "worker" },
        basis = { "R4624-31", "décret 2022-372" },
        explanation = "Arrêt pour maladie non professionnelle de 63 jours (du 6 janvier 2025 "
          .. "au 9 mars 2025), au moins 60 jours pour un arrêt commençant après le 31 mars "
          .. "2022 : examen de reprise obligatoire par le médecin du travail, le jour de la "
          .. "reprise (10 mars 2025) et au plus tard le 18 mars 2025 (8 jours après) ; "
          .. "l'employeur saisit le service dès qu'il connaît la date de fin de l'arrêt "
          .. "(R4624-31, décret 2022-372).",
      },
      {
        type = "pre_reprise",
        available = true,
        earliest = "2025-02-05",
        latest = "2025-03-09",
        window_status = "passee",
        who = "medecin",
        initiative = { "worker", "medecin_traitant", "medecin_conseil", "medecin_du_travail" },
        basis = { "L4624-2-4", "R4624-29", "R4624-30", "décret 2022-372" },
        explanation = "Arrêt pour maladie non professionnelle de 63 jours (du 6 janvier 2025 "
          .. "au 9 mars 2025), donc de plus de 30 jours (seuil applicable pour un arrêt "
          .. "commençant après le 31 mars 2022) : une visite de pré-reprise par le médecin du "
          .. "travail est possible pendant l'arrêt, à partir du 5 février 2025 et jusqu'au 9 "
          .. "mars 2025, à l'initiative du salarié, du médecin traitant, du médecin-conseil "
          .. "de l'assurance maladie ou du médecin du travail ; l'employeur ne peut pas la "
          .. "demander, il informe le salarié de cette possibilité (L4624-2-4, R4624-29, "
          .. "R4624-30, décret 2022-372).",
      },
      {
        type = "rendez_vous_liaison",
        available = true,
        earliest = "2025-02-05",
        latest = "2025-03-09",
        window_status = "passee",
        who = "employer",
        initiative = { "employer", "worker" },
        basis = { "L1226-1-3", "D1226-8-1", "décret 2022-373" },
        explanation = "Arrêt pour maladie non professionnelle de 63 jours (du 6 janvier 2025 "
          .. "au 9 mars 2025), donc de plus de 30 jours : un rendez-vous de liaison entre "
          .. "l'employeur et le salarié, associant le service de prévention et de santé au "
          .. "travail, peut être organisé à partir du 5 février 2025 et jusqu'au 9 mars 2025, "
          .. "à l'initiative de l'un ou de l'autre ; ce n'est pas un examen médical, "
          .. "l'employeur informe le salarié qu'il peut le demander et le salarié peut le "
          .. "refuser sans conséquence (L1226-1-3, D1226-8-1, décret 2022-373).",
      },
    },
    duration_days = 63,
    rules_of = "2025-01-06",
  },
}

socle.test {
  rule = "leave_obligations",
  name = "arrêt maladie de 59 jours : pas de reprise obligatoire, pré-reprise possible (TC21)",
  args = {
    {
      cause = "maladie",
      start = "2025-01-06",
      actual_end = "2025-03-05",
    },
    "2025-03-12",
  },
  expect = {
    return_date = "2025-03-06",
    obligations = {
      {
        type = "visite_reprise",
        required = false,
        who = "medecin",
        initiative = { "employer", "worker" },
        basis = { "R4624-31", "décret 2022-372", "R4624-34" },
        explanation = "Arrêt pour maladie non professionnelle de 59 jours (du 6 janvier 2025 "
          .. "au 5 mars 2025), moins de 60 jours pour un arrêt commençant après le 31 mars "
          .. "2022 : pas d'examen de reprise obligatoire (R4624-31, décret 2022-372) ; le "
          .. "salarié, l'employeur ou le médecin du travail peuvent demander une visite à la "
          .. "demande (R4624-34).",
      },
      {
        type = "pre_reprise",
        available = true,
        earliest = "2025-02-05",
        latest = "2025-03-05",
        window_status = "passee",
        who = "medecin",
        initiative = { "worker", "medecin_traitant", "medecin_conseil", "medecin_du_travail" },
        basis = { "L4624-2-4", "R4624-29", "R4624-30", "décret 2022-372" },
        explanation = "Arrêt pour maladie non professionnelle de 59 jours (du 6 janvier 2025 "
          .. "au 5 mars 2025), donc de plus de 30 jours (seuil applicable pour un arrêt "
          .. "commençant après le 31 mars 2022) : une visite de pré-reprise par le médecin du "
          .. "travail est possible pendant l'arrêt, à partir du 5 février 2025 et jusqu'au 5 "
          .. "mars 2025, à l'initiative du salarié, du médecin traitant, du médecin-conseil "
          .. "de l'assurance maladie ou du médecin du travail ; l'employeur ne peut pas la "
          .. "demander, il informe le salarié de cette possibilité (L4624-2-4, R4624-29, "
          .. "R4624-30, décret 2022-372).",
      },
      {
        type = "rendez_vous_liaison",
        available = true,
        earliest = "2025-02-05",
        latest = "2025-03-05",
        window_status = "passee",
        who = "employer",
        initiative = { "employer", "worker" },
        basis = { "L1226-1-3", "D1226-8-1", "décret 2022-373" },
        explanation = "Arrêt pour maladie non professionnelle de 59 jours (du 6 janvier 2025 "
          .. "au 5 mars 2025), donc de plus de 30 jours : un rendez-vous de liaison entre "
          .. "l'employeur et le salarié, associant le service de prévention et de santé au "
          .. "travail, peut être organisé à partir du 5 février 2025 et jusqu'au 5 mars 2025, "
          .. "à l'initiative de l'un ou de l'autre ; ce n'est pas un examen médical, "
          .. "l'employeur informe le salarié qu'il peut le demander et le salarié peut le "
          .. "refuser sans conséquence (L1226-1-3, D1226-8-1, décret 2022-373).",
      },
    },
    duration_days = 59,
    rules_of = "2025-01-06",
  },
}

socle.test {
  rule = "leave_obligations",
  name = "accident du travail de 30 jours : reprise obligatoire (TC22)",
  args = {
    {
      cause = "accident_travail",
      start = "2025-01-06",
      actual_end = "2025-02-04",
    },
    "2025-03-12",
  },
  expect = {
    return_date = "2025-02-05",
    obligations = {
      {
        type = "visite_reprise",
        required = true,
        earliest = "2025-02-05",
        latest = "2025-02-13",
        window_status = "passee",
        who = "medecin",
        initiative = { "employer", "worker" },
        basis = { "R4624-31", "décret 2022-372" },
        explanation = "Arrêt pour accident du travail de 30 jours (du 6 janvier 2025 au 4 "
          .. "février 2025), au moins 30 jours pour un arrêt commençant après le 31 mars 2022 "
          .. ": examen de reprise obligatoire par le médecin du travail, le jour de la "
          .. "reprise (5 février 2025) et au plus tard le 13 février 2025 (8 jours après) ; "
          .. "l'employeur saisit le service dès qu'il connaît la date de fin de l'arrêt "
          .. "(R4624-31, décret 2022-372).",
      },
      {
        type = "pre_reprise",
        available = false,
        who = "medecin",
        initiative = { "worker", "medecin_traitant", "medecin_conseil", "medecin_du_travail" },
        basis = { "L4624-2-4", "R4624-29", "R4624-30", "décret 2022-372" },
        explanation = "Arrêt pour accident du travail de 30 jours (du 6 janvier 2025 au 4 "
          .. "février 2025) : la visite de pré-reprise n'est possible que pendant un arrêt de "
          .. "plus de 30 jours (seuil applicable pour un arrêt commençant après le 31 mars "
          .. "2022), soit à partir du 5 février 2025 si l'arrêt dure jusque-là (L4624-2-4, "
          .. "R4624-29, R4624-30, décret 2022-372).",
      },
      {
        type = "rendez_vous_liaison",
        available = false,
        who = "employer",
        initiative = { "employer", "worker" },
        basis = { "L1226-1-3", "D1226-8-1", "décret 2022-373" },
        explanation = "Arrêt pour accident du travail de 30 jours (du 6 janvier 2025 au 4 "
          .. "février 2025) : le rendez-vous de liaison n'est possible que pendant un arrêt "
          .. "de plus de 30 jours, soit à partir du 5 février 2025 si l'arrêt dure jusque-là "
          .. "(L1226-1-3, D1226-8-1, décret 2022-373).",
      },
    },
    duration_days = 30,
    rules_of = "2025-01-06",
  },
}

socle.test {
  rule = "leave_obligations",
  name = "maladie professionnelle de 3 jours : reprise obligatoire (TC24)",
  args = {
    {
      cause = "maladie_professionnelle",
      start = "2025-01-06",
      actual_end = "2025-01-08",
    },
    "2025-03-12",
  },
  expect = {
    return_date = "2025-01-09",
    obligations = {
      {
        type = "visite_reprise",
        required = true,
        earliest = "2025-01-09",
        latest = "2025-01-17",
        window_status = "passee",
        who = "medecin",
        initiative = { "employer", "worker" },
        basis = { "R4624-31", "décret 2022-372" },
        explanation = "Arrêt pour maladie professionnelle de 3 jours (du 6 janvier 2025 au 8 "
          .. "janvier 2025) : examen de reprise obligatoire après une absence pour maladie "
          .. "professionnelle, quelle qu'en soit la durée, par le médecin du travail, le jour "
          .. "de la reprise (9 janvier 2025) et au plus tard le 17 janvier 2025 (8 jours "
          .. "après) ; l'employeur saisit le service dès qu'il connaît la date de fin de "
          .. "l'arrêt (R4624-31, décret 2022-372).",
      },
      {
        type = "pre_reprise",
        available = false,
        who = "medecin",
        initiative = { "worker", "medecin_traitant", "medecin_conseil", "medecin_du_travail" },
        basis = { "L4624-2-4", "R4624-29", "R4624-30", "décret 2022-372" },
        explanation = "Arrêt pour maladie professionnelle de 3 jours (du 6 janvier 2025 au 8 "
          .. "janvier 2025) : la visite de pré-reprise n'est possible que pendant un arrêt de "
          .. "plus de 30 jours (seuil applicable pour un arrêt commençant après le 31 mars "
          .. "2022), soit à partir du 5 février 2025 si l'arrêt dure jusque-là (L4624-2-4, "
          .. "R4624-29, R4624-30, décret 2022-372).",
      },
      {
        type = "rendez_vous_liaison",
        available = false,
        who = "employer",
        initiative = { "employer", "worker" },
        basis = { "L1226-1-3", "D1226-8-1", "décret 2022-373" },
        explanation = "Arrêt pour maladie professionnelle de 3 jours (du 6 janvier 2025 au 8 "
          .. "janvier 2025) : le rendez-vous de liaison n'est possible que pendant un arrêt "
          .. "de plus de 30 jours, soit à partir du 5 février 2025 si l'arrêt dure jusque-là "
          .. "(L1226-1-3, D1226-8-1, décret 2022-373).",
      },
    },
    duration_days = 3,
    rules_of = "2025-01-06",
  },
}

socle.test {
  rule = "leave_obligations",
  name = "fin de congé de maternité, reprise le 2025-09-01 : au plus tard le 2025-09-09 (TC25)",
  args = {
    {
      cause = "maternite",
      start = "2025-04-21",
      actual_end = "2025-08-31",
      return_date = "2025-09-01",
    },
    "2025-09-03",
  },
  expect = {
    return_date = "2025-09-01",
    obligations = {
      {
        type = "visite_reprise",
        required = true,
        earliest = "2025-09-01",
        latest = "2025-09-09",
        window_status = "en_cours",
        who = "medecin",
        initiative = { "employer", "worker" },
        basis = { "R4624-31", "décret 2022-372" },
        explanation = "Congé de maternité de 133 jours (du 21 avril 2025 au 31 août 2025) : "
          .. "examen de reprise obligatoire après un congé de maternité, par le médecin du "
          .. "travail, le jour de la reprise (1er septembre 2025) et au plus tard le 9 "
          .. "septembre 2025 (8 jours après) ; l'employeur saisit le service dès qu'il "
          .. "connaît la date de fin de l'arrêt (R4624-31, décret 2022-372).",
      },
      {
        type = "pre_reprise",
        available = false,
        who = "medecin",
        initiative = { "worker", "medecin_traitant", "medecin_conseil", "medecin_du_travail" },
        basis = { "L4624-2-4", "R4624-29", "R4624-30", "décret 2022-372" },
        explanation = "La visite de pré-reprise concerne les arrêts pour maladie ou accident "
          .. "; elle ne s'applique pas au congé de maternité (L4624-2-4, R4624-29, R4624-30, "
          .. "décret 2022-372).",
      },
      {
        type = "rendez_vous_liaison",
        available = false,
        who = "employer",
        initiative = { "employer", "worker" },
        basis = { "L1226-1-3", "D1226-8-1", "décret 2022-373" },
        explanation = "Le rendez-vous de liaison concerne les arrêts pour maladie ou accident "
          .. "; il ne s'applique pas au congé de maternité (L1226-1-3, D1226-8-1, décret "
          .. "2022-373).",
      },
    },
    duration_days = 133,
    rules_of = "2025-04-21",
  },
}

socle.test {
  rule = "leave_obligations",
  name = "arrêt maladie de 30 jours commencé le 2022-03-31 : règle antérieure, reprise obligatoire",
  args = {
    {
      cause = "maladie",
      start = "2022-03-31",
      actual_end = "2022-04-29",
    },
    "2025-03-12",
  },
  expect = {
    return_date = "2022-04-30",
    obligations = {
      {
        type = "visite_reprise",
        required = true,
        earliest = "2022-04-30",
        latest = "2022-05-08",
        window_status = "passee",
        who = "medecin",
        initiative = { "employer", "worker" },
        basis = { "R4624-31", "décret 2016-1908" },
        explanation = "Arrêt pour maladie non professionnelle de 30 jours (du 31 mars 2022 au "
          .. "29 avril 2022), au moins 30 jours pour un arrêt commencé au plus tard le 31 "
          .. "mars 2022, règle antérieure : examen de reprise obligatoire par le médecin du "
          .. "travail, le jour de la reprise (30 avril 2022) et au plus tard le 8 mai 2022 (8 "
          .. "jours après) ; l'employeur saisit le service dès qu'il connaît la date de fin "
          .. "de l'arrêt (R4624-31, décret 2016-1908).",
      },
      {
        type = "pre_reprise",
        available = false,
        who = "medecin",
        initiative = { "worker", "medecin_traitant", "medecin_conseil" },
        basis = { "R4624-29", "décret 2016-1908" },
        explanation = "Arrêt pour maladie non professionnelle de 30 jours (du 31 mars 2022 au "
          .. "29 avril 2022) : la visite de pré-reprise n'est possible que pendant un arrêt "
          .. "de plus de 3 mois (seuil applicable pour un arrêt commencé au plus tard le 31 "
          .. "mars 2022, règle antérieure), soit à partir du 30 juin 2022 si l'arrêt dure "
          .. "jusque-là (R4624-29, décret 2016-1908).",
      },
      {
        type = "rendez_vous_liaison",
        available = false,
        who = "employer",
        initiative = { "employer", "worker" },
        basis = { "L1226-1-3", "décret 2022-373" },
        explanation = "Le rendez-vous de liaison n'existe que pour les arrêts commençant "
          .. "après le 31 mars 2022 ; cet arrêt a commencé le 31 mars 2022 (L1226-1-3, décret "
          .. "2022-373).",
      },
    },
    duration_days = 30,
    rules_of = "2022-03-31",
  },
}

socle.test {
  rule = "leave_obligations",
  name = "arrêt maladie de 30 jours commencé le 2022-04-01 : pas de reprise obligatoire",
  args = {
    {
      cause = "maladie",
      start = "2022-04-01",
      actual_end = "2022-04-30",
    },
    "2025-03-12",
  },
  expect = {
    return_date = "2022-05-01",
    obligations = {
      {
        type = "visite_reprise",
        required = false,
        who = "medecin",
        initiative = { "employer", "worker" },
        basis = { "R4624-31", "décret 2022-372", "R4624-34" },
        explanation = "Arrêt pour maladie non professionnelle de 30 jours (du 1er avril 2022 "
          .. "au 30 avril 2022), moins de 60 jours pour un arrêt commençant après le 31 mars "
          .. "2022 : pas d'examen de reprise obligatoire (R4624-31, décret 2022-372) ; le "
          .. "salarié, l'employeur ou le médecin du travail peuvent demander une visite à la "
          .. "demande (R4624-34).",
      },
      {
        type = "pre_reprise",
        available = false,
        who = "medecin",
        initiative = { "worker", "medecin_traitant", "medecin_conseil", "medecin_du_travail" },
        basis = { "L4624-2-4", "R4624-29", "R4624-30", "décret 2022-372" },
        explanation = "Arrêt pour maladie non professionnelle de 30 jours (du 1er avril 2022 "
          .. "au 30 avril 2022) : la visite de pré-reprise n'est possible que pendant un "
          .. "arrêt de plus de 30 jours (seuil applicable pour un arrêt commençant après le "
          .. "31 mars 2022), soit à partir du 1er mai 2022 si l'arrêt dure jusque-là "
          .. "(L4624-2-4, R4624-29, R4624-30, décret 2022-372).",
      },
      {
        type = "rendez_vous_liaison",
        available = false,
        who = "employer",
        initiative = { "employer", "worker" },
        basis = { "L1226-1-3", "D1226-8-1", "décret 2022-373" },
        explanation = "Arrêt pour maladie non professionnelle de 30 jours (du 1er avril 2022 "
          .. "au 30 avril 2022) : le rendez-vous de liaison n'est possible que pendant un "
          .. "arrêt de plus de 30 jours, soit à partir du 1er mai 2022 si l'arrêt dure "
          .. "jusque-là (L1226-1-3, D1226-8-1, décret 2022-373).",
      },
    },
    duration_days = 30,
    rules_of = "2022-04-01",
  },
}

socle.test {
  rule = "visit_request_allowed",
  name = "pré-reprise demandée par l'employeur : refusée (TC28)",
  args = {
    {
      type = "pre_reprise",
      requested_by = "employer",
      date = "2025-02-10",
    },
  },
  expect = {
    allowed = false,
    basis = { "L4624-2-4", "R4624-29", "R4624-30", "décret 2022-372" },
    reason = "L'employeur ne peut pas demander une visite de pré-reprise ; il peut seulement "
      .. "en informer le salarié, qui peut la demander lui-même, comme son médecin traitant, "
      .. "le médecin-conseil de l'assurance maladie ou le médecin du travail (L4624-2-4, "
      .. "R4624-29, R4624-30, décret 2022-372).",
  },
}

socle.test {
  rule = "visit_request_allowed",
  name = "visite à la demande du salarié : autorisée",
  args = {
    {
      type = "a_la_demande",
      requested_by = "worker",
      date = "2025-03-12",
    },
  },
  expect = {
    allowed = true,
    basis = { "R4624-34", "L4624-1" },
    reason = "Le salarié peut demander à tout moment un examen par le médecin du travail, "
      .. "notamment s'il anticipe un risque d'inaptitude ; cette demande ne peut motiver "
      .. "aucune sanction (R4624-34, L4624-1).",
  },
}

socle.test {
  rule = "visit_request_allowed",
  name = "post-exposition demandée par le salarié un mois avant la fin (TC31)",
  args = {
    {
      type = "post_exposition",
      requested_by = "worker",
      date = "2025-08-31",
      exposure_end = "2025-09-30",
    },
  },
  expect = {
    allowed = true,
    basis = { "L4624-2-1", "R4624-28-2" },
    reason = "Le salarié peut demander lui-même la visite post-exposition du 30 août 2025 au "
      .. "31 mars 2026 (un mois avant à six mois après la fin de l'exposition le 30 septembre "
      .. "2025) : la demande du 31 août 2025 est dans ce délai (L4624-2-1, R4624-28-2).",
  },
}

socle.test {
  rule = "visit_request_allowed",
  name = "post-exposition d'un salarié jamais exposé : refusée (TC32)",
  args = {
    {
      type = "post_exposition",
      requested_by = "worker",
      date = "2025-09-01",
      exposure_end = "2025-09-30",
      sir_or_exposed = false,
    },
  },
  expect = {
    allowed = false,
    basis = { "L4624-2-1", "R4624-28-1" },
    reason = "Le salarié n'a pas relevé du suivi individuel renforcé et n'a pas été exposé "
      .. "aux risques de l'article R4624-23 I : pas de visite post-exposition (L4624-2-1, "
      .. "R4624-28-1).",
  },
}

socle.test {
  rule = "visit_request_allowed",
  name = "reprise demandée après un arrêt maladie de 59 jours : refusée (TC21)",
  args = {
    {
      type = "reprise",
      requested_by = "employer",
      date = "2025-03-12",
      leave = {
        cause = "maladie",
        start = "2025-01-06",
        actual_end = "2025-03-05",
      },
    },
  },
  expect = {
    allowed = false,
    basis = { "R4624-31", "décret 2022-372", "R4624-34" },
    reason = "Pas d'examen de reprise obligatoire pour cet arrêt. Arrêt pour maladie non "
      .. "professionnelle de 59 jours (du 6 janvier 2025 au 5 mars 2025), moins de 60 jours "
      .. "pour un arrêt commençant après le 31 mars 2022 : pas d'examen de reprise "
      .. "obligatoire (R4624-31, décret 2022-372) ; le salarié, l'employeur ou le médecin du "
      .. "travail peuvent demander une visite à la demande (R4624-34).",
  },
}

-- ---- issue 10 (2026-12-04): each vector failed on the rules before their fix ----

socle.test {
  rule = "visit_request_allowed",
  name = "2026-12-04 L4624-2-1, CPC art. 641 : fin d'exposition le 30 septembre 2025, "
    .. "demande du salarié le 30 août 2025 (dans le délai)",
  args = {
    { type = "post_exposition", requested_by = "worker", date = "2025-08-30",
      exposure_end = "2025-09-30" },
  },
  expect = {
    allowed = true,
    basis = { "L4624-2-1", "R4624-28-2" },
    reason = "Le salarié peut demander lui-même la visite post-exposition du 30 août 2025 au "
      .. "31 mars 2026 (un mois avant à six mois après la fin de l'exposition le 30 septembre "
      .. "2025) : la demande du 30 août 2025 est dans ce délai (L4624-2-1, R4624-28-2).",
  },
}

socle.test {
  rule = "visit_request_allowed",
  name = "2026-12-04 L4624-2-1, CPC art. 641 : fin d'exposition le 29 février 2024, "
    .. "demande du salarié le 29 janvier 2024 (dans le délai)",
  args = {
    { type = "post_exposition", requested_by = "worker", date = "2024-01-29",
      exposure_end = "2024-02-29" },
  },
  expect = {
    allowed = true,
    basis = { "L4624-2-1", "R4624-28-2" },
    reason = "Le salarié peut demander lui-même la visite post-exposition du 29 janvier 2024 "
      .. "au 31 août 2024 (un mois avant à six mois après la fin de l'exposition le 29 "
      .. "février 2024) : la demande du 29 janvier 2024 est dans ce délai (L4624-2-1, "
      .. "R4624-28-2).",
  },
}

socle.test {
  rule = "visit_request_allowed",
  name = "2026-12-04 L4624-2-1 : fin d'exposition le 31 mars 2025, demande du salarié le "
    .. "27 février 2025 (hors délai : il s'ouvre le 28 février)",
  args = {
    { type = "post_exposition", requested_by = "worker", date = "2025-02-27",
      exposure_end = "2025-03-31" },
  },
  expect = {
    allowed = false,
    basis = { "L4624-2-1", "R4624-28-2" },
    reason = "Le salarié peut demander lui-même la visite post-exposition du 28 février 2025 "
      .. "au 30 septembre 2025 (un mois avant à six mois après la fin de l'exposition le 31 "
      .. "mars 2025) ; la demande du 27 février 2025 est hors de ce délai. L'employeur ou le "
      .. "médecin du travail peuvent encore l'organiser (L4624-2-1, R4624-28-2).",
  },
}
