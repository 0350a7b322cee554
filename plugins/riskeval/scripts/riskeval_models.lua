-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default DUERP models of the riskeval plugin, one per NAF division: the
-- usual work units of the trade and their typical risks (codes of the
-- thesaurus, riskeval_exposures.lua), with the situation that exposes and
-- the measures often already in place. The company starts its online DUERP
-- from a model, pre-filled (units and risks) or blank (units only), then
-- rates each risk and says what it does: a model is a help, never the
-- evaluation itself (L4121-3).
--
-- socle.riskeval.duerp_model{
--   division = "47",                  -- two digits of the NAF code, one model each
--   titre    = "Commerce de détail",
--   unites   = { { nom, description?, risques = { { code, situation?, mesures_existantes? } } } },
-- }
-- Each call is checked as the file loads (a wrong field stops the service
-- with this file's name and the line); the codes are checked against the
-- thesaurus when the service starts. A service adds a model with a file of
-- its own (any name) or replaces these by shipping a riskeval_models.lua.
-- Sources (DECISION): the INRS's trade guides (ED 840 and the "outils
-- d'évaluation des risques" per trade, OiRA) summed up in a few lines.

local M = socle.riskeval.duerp_model

M {
  division = "10", titre = "Industries alimentaires",
  unites = {
    { nom = "Fabrication", description = "Préparation, cuisson, transformation des produits",
      risques = {
        { code = "port_de_charges", situation = "Sacs de matières premières, bacs, chariots à pousser" },
        { code = "machines", situation = "Pétrins, trancheuses, hachoirs, lignes de conditionnement",
          mesures_existantes = "Protecteurs et arrêts d'urgence" },
        { code = "farines", situation = "Versement des sacs, fleurage" },
        { code = "chaleur", situation = "Fours, étuves, cuiseurs" },
        { code = "bruit", situation = "Lignes de production, compresseurs" },
        { code = "chute_plain_pied", situation = "Sols mouillés ou gras" },
      } },
    { nom = "Froid et stockage", risques = {
        { code = "froid", situation = "Chambres froides, ateliers réfrigérés" },
        { code = "circulation_interne", situation = "Transpalettes et chariots dans les allées" },
      } },
    { nom = "Nettoyage", risques = {
        { code = "produits_nettoyage", situation = "Désinfection des lignes, mousses alcalines ou acides" },
        { code = "electrique", situation = "Lavage à l'eau près des armoires électriques" },
      } },
  },
}

M {
  division = "41", titre = "Construction de bâtiments",
  unites = {
    { nom = "Chantier : gros œuvre", risques = {
        { code = "chute_hauteur", situation = "Planchers, trémies, échafaudages, toitures",
          mesures_existantes = "Garde-corps, filets" },
        { code = "chute_objets", situation = "Levage à la grue, étaiement" },
        { code = "port_de_charges", situation = "Parpaings, sacs de ciment, banches" },
        { code = "silice", situation = "Sciage et perçage du béton" },
        { code = "bruit", situation = "Marteaux-piqueurs, bétonnières, scies" },
        { code = "vibrations", situation = "Outils portatifs, engins" },
        { code = "co_activite", situation = "Plusieurs entreprises sur le chantier" },
      } },
    { nom = "Déplacements", risques = {
        { code = "risque_routier", situation = "Trajets entre le dépôt et les chantiers" },
      } },
    { nom = "Bureau et métré", risques = {
        { code = "travail_sur_ecran", situation = "Devis, plans, suivi de chantier" },
      } },
  },
}

M {
  division = "43", titre = "Travaux de construction spécialisés",
  unites = {
    { nom = "Chantier : second œuvre", description = "Électricité, plomberie, peinture, couverture, menuiserie",
      risques = {
        { code = "chute_hauteur", situation = "Escabeaux, échelles, toitures" },
        { code = "electrique", situation = "Interventions au voisinage de pièces sous tension" },
        { code = "amiante", situation = "Perçage ou démolition dans des bâtiments d'avant 1997" },
        { code = "poussieres_bois", situation = "Découpe et ponçage" },
        { code = "agents_chimiques", situation = "Peintures, solvants, colles" },
        { code = "postures", situation = "Travail à genoux, bras au-dessus des épaules" },
        { code = "fumees_soudage", situation = "Brasage, soudure" },
      } },
    { nom = "Atelier et dépôt", risques = {
        { code = "machines", situation = "Scies, perceuses, cintreuses" },
        { code = "port_de_charges", situation = "Chargement des véhicules" },
      } },
    { nom = "Déplacements", risques = {
        { code = "risque_routier", situation = "Trajets vers les chantiers en utilitaire" },
      } },
  },
}

M {
  division = "47", titre = "Commerce de détail",
  unites = {
    { nom = "Vente et caisse", risques = {
        { code = "station_debout", situation = "Vente en magasin" },
        { code = "gestes_repetitifs", situation = "Passage des articles en caisse" },
        { code = "violence_externe", situation = "Clients agressifs, vols, manipulation d'espèces" },
        { code = "rps", situation = "Affluence, horaires étendus, exigences des clients" },
      } },
    { nom = "Réserve et mise en rayon", risques = {
        { code = "port_de_charges", situation = "Réception des livraisons, colis, packs" },
        { code = "chute_hauteur", situation = "Escabeaux pour les rayons hauts" },
        { code = "coupure", situation = "Ouverture des cartons (cutters)" },
        { code = "circulation_interne", situation = "Transpalettes, livraisons" },
      } },
    { nom = "Fermeture", risques = {
        { code = "travail_isole", situation = "Fermeture et comptage de la caisse seul(e)" },
      } },
  },
}

M {
  division = "56", titre = "Restauration",
  unites = {
    { nom = "Cuisine", risques = {
        { code = "brulure", situation = "Fours, friteuses, plaques, liquides chauds" },
        { code = "coupure", situation = "Couteaux, trancheuses, mandolines" },
        { code = "chute_plain_pied", situation = "Sols gras ou mouillés" },
        { code = "chaleur", situation = "Chaleur des fourneaux en service" },
        { code = "port_de_charges", situation = "Livraisons, marmites" },
        { code = "incendie_explosion", situation = "Gaz, huiles de friture, hottes encrassées" },
      } },
    { nom = "Salle et service", risques = {
        { code = "station_debout", situation = "Service, déplacements nombreux" },
        { code = "rps", situation = "Coup de feu, clients, horaires coupés" },
        { code = "travail_nuit", situation = "Service du soir, fermeture tardive" },
      } },
    { nom = "Plonge et nettoyage", risques = {
        { code = "produits_nettoyage", situation = "Détergents, dégraissants, lave-vaisselle" },
        { code = "gestes_repetitifs", situation = "Plonge" },
      } },
  },
}

M {
  division = "86", titre = "Activités pour la santé humaine",
  unites = {
    { nom = "Soins", risques = {
        { code = "accident_exposition_sang", situation = "Piqûres, coupures lors des soins" },
        { code = "agents_biologiques", situation = "Contact avec les patients" },
        { code = "manutention_personnes", situation = "Aide aux transferts et à la mobilisation" },
        { code = "rps", situation = "Charge émotionnelle, urgences" },
        { code = "violence_externe", situation = "Patients ou proches agressifs" },
      } },
    { nom = "Accueil et secrétariat", risques = {
        { code = "travail_sur_ecran", situation = "Dossiers, rendez-vous" },
        { code = "violence_externe", situation = "Accueil du public" },
      } },
    { nom = "Entretien et stérilisation", risques = {
        { code = "produits_nettoyage", situation = "Désinfectants, bio-nettoyage" },
        { code = "agents_chimiques", situation = "Produits de stérilisation" },
      } },
  },
}

M {
  division = "88", titre = "Action sociale sans hébergement (aide à domicile)",
  unites = {
    { nom = "Intervention au domicile", risques = {
        { code = "manutention_personnes", situation = "Lever, toilette, transferts" },
        { code = "chute_plain_pied", situation = "Logements encombrés, escaliers, sols mouillés" },
        { code = "produits_nettoyage", situation = "Ménage avec les produits du domicile" },
        { code = "agents_biologiques", situation = "Soins d'hygiène, animaux" },
        { code = "travail_isole", situation = "Seul(e) chez la personne aidée" },
        { code = "rps", situation = "Situations de détresse, fin de vie" },
      } },
    { nom = "Déplacements", risques = {
        { code = "risque_routier", situation = "Trajets entre les domiciles, plusieurs par jour" },
      } },
  },
}
