-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default pathway of a fiche d'entreprise (plugin riskeval; cahier des
-- charges 3.2.2, « proposition de parcours pour rédiger la fiche
-- d'entreprise », steps A to F). A service replaces it by shipping its own
-- riskeval_parcours.lua.
--
--   A collecte        the company joins (company.joined): the service gathers
--                     what it knows (membership's headcount, the company's
--                     self-assessment)
--   B dangers         the company answered its self-assessment
--                     (self_assessment.answered): the team identifies the
--                     hazards and makes a first analysis of the risks
--   C amt             a workplace action is recorded (amt.recorded)
--   D analyse         if needed, a deeper analysis: a metrology or a study
--                     (amt.analysis_recorded, emitted with amt.recorded for
--                     the types metrologie and etude)
--   E redaction       the fiche is drafted (fiche_entreprise.drafted)
--   F transmission    the médecin validated it (fiche_entreprise.validated):
--                     it is to be transmitted to the employer
--
-- The instance closes when the fiche is transmitted
-- (fiche_entreprise.transmitted) or the company leaves (company.left).
-- Steps only move forward and may be skipped: a company whose fiche is
-- drafted at once goes from A to E. One instance per company at a time: the
-- fiche's later updates are followed by the team's list (GET
-- /riskeval/fiches/due), not by a new pathway.

socle.parcours {
  id = "fiche_entreprise",
  version = 1,
  title = "Fiche d'entreprise",
  subject = "company",                 -- the payload key company_id names the instance
  start_on = "company.joined",
  close_on = { "fiche_entreprise.transmitted", "company.left" },
  steps = {
    { id = "collecte", title = "A. Adhésion de l'entreprise et collecte de données",
      role = "iprp", due_days = 90 },
    { id = "dangers", title = "B. Identification des dangers et premières analyses des risques",
      role = "iprp", due_days = 90, on = "self_assessment.answered" },
    { id = "amt", title = "C. Actions en milieu de travail à réaliser",
      role = "iprp", due_days = 90, on = "amt.recorded" },
    { id = "analyse", title = "D. Analyse plus poussée (métrologie, étude, diagnostic RPS…)",
      role = "iprp", due_days = 90, on = "amt.analysis_recorded" },
    { id = "redaction", title = "E. Rédaction de la fiche d'entreprise",
      role = "iprp", due_days = 60, on = "fiche_entreprise.drafted" },
    { id = "transmission", title = "F. Transmission de la fiche d'entreprise à l'entreprise",
      role = "medecin", due_days = 15, on = "fiche_entreprise.validated" },
  },
}
