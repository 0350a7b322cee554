-- Default membership pathway (plugin membership; cahier des charges 3.1 and
-- 3.2.1). A service replaces it by shipping its own membership_parcours.lua.
--
--   demande          the application is received (company.applied); the
--                    membership desk reviews it within 15 days
--   accueil          approval (company.joined): the invitation mail welcomes the
--                    company and presents the service's offer (GET /offer); it
--                    leaves with the approval itself, hence no delay of its own
--   fiche_entreprise the fiche d'entreprise is due within one year of membership
--                    (R4624-47; worked case TC34). The approval also emits
--                    company.fiche_entreprise_due {company_id, joined_on, due_on,
--                    basis}, which moves the instance here and which the
--                    risk-evaluation plugin consumes to plan the fiche.
--
-- The instance closes, its last step done, when the company's first fiche
-- d'entreprise is transmitted to it (fiche_entreprise.transmitted, emitted by
-- the risk-evaluation plugin: R4624-47 asks for the fiche within the year,
-- R4624-48 for the employer to receive it, so validation alone is not
-- enough). A rejected application (company.rejected) or a company that
-- leaves (company.left) closes it too. Without riskeval the step stays open.

socle.parcours {
  id = "adhesion",
  version = 1,
  title = "Adhésion d'une entreprise",
  subject = "company",                 -- the payload key company_id names the instance
  start_on = "company.applied",
  close_on = { "company.rejected", "company.left", "fiche_entreprise.transmitted" },
  steps = {
    { id = "demande", title = "Examen de la demande d'adhésion",
      role = "assistant_medical", due_days = 15 },
    { id = "accueil", title = "Accueil et présentation de l'offre",
      role = "service_admin", due_days = 0, on = "company.joined" },
    { id = "fiche_entreprise", title = "Fiche d'entreprise à établir dans l'année",
      role = "iprp", due_days = 365, on = "company.fiche_entreprise_due" },
  },
}
