-- SPDX-License-Identifier: AGPL-3.0-or-later
-- The parcours of job retention (seed 3.5.1, A to E), one instance per case
-- (payload key case_id). A service replaces it by shipping its own
-- retention_parcours.lua.
--
--   A repérage      a signal opens or proposes a case (a long sick leave, a
--                   pré-reprise, an avis, a request): retention.case_proposed
--                   or retention.case_opened
--   B évaluation    the cell opens the case and evaluates (pré-reprise,
--                   job study): retention.case_opened
--   C propositions  the médecin addresses proposals of job adjustment to the
--                   employer, with the worker's consent: retention.proposals_sent
--   D mise en œuvre the employer answers (accepted, refused with its reasons,
--                   done), social support: retention.proposal_answered
--   E bilan         one year after the reprise or the adjustment, the review:
--                   retention.review_done closes the instance.

socle.parcours {
  id = "maintien_en_emploi",
  version = 1,
  title = "Prévention de la désinsertion professionnelle",
  subject = "case",
  start_on = "retention.case_proposed",
  close_on = { "retention.review_done" },
  steps = {
    { id = "reperage", title = "A. Repérage : signal reçu, dossier à décider",
      role = "medecin", due_days = 15 },
    { id = "evaluation", title = "B. Évaluation par la cellule (pré-reprise, étude de poste)",
      role = "medecin", due_days = 30, on = "retention.case_opened" },
    { id = "propositions", title = "C. Propositions d'aménagement adressées à l'employeur",
      role = "medecin", due_days = 30, on = "retention.proposals_sent" },
    { id = "mise_en_oeuvre", title = "D. Mise en œuvre : réponses de l'employeur, accompagnement",
      role = "assistant_social", due_days = 180, on = "retention.proposal_answered" },
    { id = "bilan", title = "E. Bilan à un an", role = "medecin", due_days = 365,
      on = "retention.review_done" },
  },
}
