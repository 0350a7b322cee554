-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of retention_signal.lua (socle check runs them).

socle.test {
  rule = "retention_signal",
  name = "arrêt de 30 jours : dossier proposé à la cellule",
  args = { { id = 1, company_id = 2 }, { name = "arret_long", threshold = 30, cause = "maladie" },
    "2025-02-05" },
  expect = {
    decision = "propose",
    reason = "Arrêt de travail de plus de 30 jours : visite de pré-reprise possible à "
      .. "l'initiative du salarié, repérage par la cellule.",
    basis = { "L4622-8-1", "L4624-2-4", "R4624-29" },
  },
}

socle.test {
  rule = "retention_signal",
  name = "arrêt de 60 jours : dossier proposé, reprise obligatoire",
  args = { { id = 1, company_id = 2 }, { name = "arret_long", threshold = 60, cause = "maladie" },
    "2025-03-07" },
  expect = {
    decision = "propose",
    reason = "Arrêt de travail de plus de 60 jours : risque de désinsertion professionnelle, "
      .. "visite de reprise obligatoire et rendez-vous de liaison possible.",
    basis = { "L4622-8-1", "R4624-31", "L1226-1-3" },
  },
}

socle.test {
  rule = "retention_signal",
  name = "avis d'inaptitude : dossier ouvert",
  args = { { id = 1, company_id = 2 },
    { name = "avis_amenagement", visit_type = "visite_reprise", avis = "inaptitude",
      proposals = 0 }, "2025-04-01" },
  expect = {
    decision = "open",
    reason = "Avis d'inaptitude : la cellule accompagne le reclassement.",
    basis = { "L4622-8-1", "L4624-4" },
  },
}

socle.test {
  rule = "retention_signal",
  name = "pré-reprise tenue : dossier ouvert",
  args = { { id = 1, company_id = 2, case_status = "proposed" },
    { name = "visite", visit_type = "pre_reprise" }, "2025-03-12" },
  expect = {
    decision = "open",
    reason = "Visite de pré-reprise tenue : la cellule prépare la reprise.",
    basis = { "L4622-8-1", "R4624-29" },
  },
}

socle.test {
  rule = "retention_signal",
  name = "demande du salarié : dossier proposé",
  args = { { id = 1, company_id = 2 }, { name = "demande", requested_by = "worker" },
    "2025-03-12" },
  expect = {
    decision = "propose",
    reason = "Demande d'accompagnement du salarié.",
    basis = { "L4622-8-1" },
  },
}

socle.test {
  rule = "retention_signal",
  name = "visite de reprise seule : rien",
  args = { { id = 1, company_id = 2 }, { name = "visite", visit_type = "visite_reprise" },
    "2025-04-01" },
  expect = {
    decision = "none",
    reason = "Visite de reprise sans signal de désinsertion.",
    basis = { "R4624-31" },
  },
}

socle.test {
  rule = "retention_signal",
  name = "signal inconnu : rien, liste d'articles vide",
  args = { { id = 1, company_id = 2 }, { name = "autre" }, "2025-04-01" },
  expect = {
    decision = "none",
    reason = "Signal sans suite pour la cellule.",
    basis = socle.array({}),
  },
}
