-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default awareness pathway (plugin awareness; cahier des charges 3.4.1). A
-- service replaces it by shipping its own awareness_parcours.lua.
--
--   besoin         A. a need is collected: the company or its branch
--                  expresses expectations (awareness.need_expressed); the
--                  team proposes actions (recommend_actions gives the
--                  reasons)
--   inscription    B. a workshop is proposed and the company registers
--                  (awareness.registered)
--   participation  the workshop took place (awareness.attended)
--
-- C. the instance closes when the satisfaction is measured: a participant
-- answers the questionnaire (awareness.feedback).
--
-- DECISION: one pathway per COMPANY at a time (subject "company", payload key
-- company_id): a second need expressed while one is open is followed by it.

socle.parcours {
  id = "sensibilisation",
  version = 1,
  title = "Sensibilisation à la prévention",
  subject = "company",
  start_on = "awareness.need_expressed",
  close_on = { "awareness.feedback" },
  steps = {
    { id = "besoin", title = "Besoin recueilli : actions à proposer", role = "iprp", due_days = 30 },
    { id = "inscription", title = "Atelier proposé, inscription faite", role = "iprp",
      due_days = 90, on = "awareness.registered" },
    { id = "participation", title = "Atelier suivi : satisfaction à mesurer", role = "iprp",
      due_days = 30, on = "awareness.attended" },
  },
}
