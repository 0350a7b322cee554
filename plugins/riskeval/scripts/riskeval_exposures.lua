-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default thesaurus of exposures of the riskeval plugin: the codes the fiche
-- d'entreprise, the DUERP models and the online DUERP name risks with.
--
-- One call a line: socle.riskeval.exposure(code, libelle, famille)
--   code    = 1 to 64 lower-case letters, digits, "_", "." or "-", unique
--   libelle = the label shown to people (1 to 200 bytes)
--   famille = the group it is shown under (1 to 100 bytes)
-- A wrong line stops the service at load with this file's name and the line.
--
-- A service replaces this list by shipping its own riskeval_exposures.lua in
-- its scripts folder (e.g. the harmonised thesauri of the SPST, one call per
-- code), or adds codes with a file of another name. A small, common list
-- (DECISION): the families of the INRS's ED 840 method, the codes the other
-- parts of the plugin already use.

local E = socle.riskeval.exposure

local PHY = "Nuisances physiques"
E("bruit", "Bruit", PHY)
E("vibrations", "Vibrations (mains-bras, corps entier)", PHY)
E("chaleur", "Ambiances thermiques chaudes", PHY)
E("froid", "Ambiances thermiques froides", PHY)
E("rayonnements_ionisants", "Rayonnements ionisants", PHY)
E("rayonnements_optiques", "Rayonnements optiques artificiels (UV, laser)", PHY)
E("champs_electromagnetiques", "Champs électromagnétiques", PHY)
E("eclairage", "Éclairage insuffisant ou éblouissant", PHY)

local ACC = "Risques d'accident"
E("chute_plain_pied", "Chute de plain-pied (glissade, trébuchement)", ACC)
E("chute_hauteur", "Chute de hauteur", ACC)
E("chute_objets", "Chute d'objets, effondrement", ACC)
E("circulation_interne", "Circulation interne (chariots, engins, piétons)", ACC)
E("risque_routier", "Déplacements routiers", ACC)
E("machines", "Machines et outils (écrasement, happement, coupure)", ACC)
E("coupure", "Coupure (couteaux, outils tranchants)", ACC)
E("brulure", "Brûlure (surfaces, liquides chauds, vapeur)", ACC)
E("electrique", "Risque électrique", ACC)
E("incendie_explosion", "Incendie, explosion", ACC)
E("ensevelissement", "Ensevelissement (tranchées, fouilles)", ACC)
E("espaces_confines", "Espaces confinés", ACC)
E("co_activite", "Co-activité, entreprises extérieures", ACC)

local TMS = "Charge physique de travail"
E("port_de_charges", "Manutention manuelle, port de charges", TMS)
E("gestes_repetitifs", "Gestes répétitifs", TMS)
E("postures", "Postures pénibles", TMS)
E("station_debout", "Station debout prolongée", TMS)
E("travail_sur_ecran", "Travail sur écran", TMS)
E("manutention_personnes", "Manutention de personnes (aide aux transferts)", TMS)

local CHI = "Agents chimiques et poussières"
E("agents_chimiques", "Agents chimiques dangereux", CHI)
E("cmr", "Agents cancérogènes, mutagènes ou reprotoxiques", CHI)
E("produits_nettoyage", "Produits d'entretien et de nettoyage", CHI)
E("farines", "Poussières de farine", CHI)
E("poussieres_bois", "Poussières de bois", CHI)
E("silice", "Silice cristalline", CHI)
E("amiante", "Amiante", CHI)
E("fumees_soudage", "Fumées de soudage", CHI)
E("gaz_echappement", "Gaz d'échappement (moteurs diesel)", CHI)

local BIO = "Agents biologiques"
E("agents_biologiques", "Agents biologiques (contact avec le public, les déchets, les animaux)", BIO)
E("accident_exposition_sang", "Accident d'exposition au sang", BIO)

local ORG = "Organisation et facteurs psychosociaux"
E("rps", "Risques psychosociaux (charge, exigences émotionnelles, tensions)", ORG)
E("violence_externe", "Agressions, violences externes", ORG)
E("travail_isole", "Travail isolé", ORG)
E("travail_nuit", "Travail de nuit, horaires atypiques", ORG)
