-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default individual follow-up pathway (plugin tracking; cahier des charges
-- 3.3.1: declaration, convocation, interview, complementary exams or
-- orientation, attestation and ordonnance). A service replaces it by shipping
-- its own tracking_parcours.lua.
--
--   demande      a visit is requested (visit.requested: the employer's
--                declaration or request, the worker's, the service's); the
--                planning desk places it (automatic assignment or a choice
--                among offered slots)
--   convocation  the visit is planned (visit.scheduled): the convocation and
--                its reminders leave by mail; the visit takes place
--   entretien    the visit is held (visit.completed, recorded by the health
--                professional with its conclusions: orientation, proposals of
--                job adjustment, next visit of the protocol)
--
-- The instance closes when the documents are issued (visit.documents_issued,
-- emitted right after visit.completed in the same transaction: attestation or
-- avis for the employer, ordonnance de prévention for the worker), or when the
-- worker missed the visit (visit.missed).
--
-- DECISION: one pathway per WORKER at a time (subject "worker", payload key
-- worker_id), so that staff follow a person rather than a request. While an
-- instance is open, another visit.requested for the same worker starts
-- nothing: that visit is followed by the running instance. A visit cancelled
-- without rescheduling (visit.cancelled) leaves the instance where it is on
-- purpose: the worker's next visit of the cycle moves it forward and closes
-- it. Complementary exams and orientations are recorded with the outcome
-- (the orientation to the médecin opens a new request, hence a new pathway
-- once this one is closed).

socle.parcours {
  id = "suivi_individuel",
  version = 1,
  title = "Suivi individuel de l'état de santé",
  subject = "worker",                  -- the payload key worker_id names the instance
  start_on = "visit.requested",
  close_on = { "visit.documents_issued", "visit.missed" },
  steps = {
    { id = "demande", title = "Demande de visite à planifier",
      role = "assistant_medical", due_days = 15 },
    { id = "convocation", title = "Convocation envoyée, visite à tenir",
      role = "assistant_medical", due_days = 30, on = "visit.scheduled" },
    { id = "entretien", title = "Entretien tenu : attestation ou avis, ordonnance de prévention",
      role = "infirmier", due_days = 1, on = "visit.completed" },
  },
}
