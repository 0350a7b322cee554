-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default rule of the riskeval plugin: the service's catalogue for risk
-- evaluation, i.e. what its data files declared.
--
-- riskeval_catalogue() -> {
--   exposures = { { code, libelle, famille }, ... },  -- riskeval_exposures.lua
--   models    = { { division = "47", titre, unites = { { nom, description?,
--                   risques = { { code, situation?, mesures_existantes? } } } } } },
--                                                       -- riskeval_models.lua
-- }
-- The data is written with socle.riskeval.exposure and
-- socle.riskeval.duerp_model (each call checked as its file loads); the
-- contract check makes sure every model names codes of the thesaurus. A
-- service rarely redefines this rule: it ships data files instead.

socle.rule("riskeval_catalogue", function()
  return { exposures = socle.riskeval.exposures(), models = socle.riskeval.duerp_models() }
end)
