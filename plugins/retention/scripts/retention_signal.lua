-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Default rule pack of the job-retention plugin (seed 3.5.1 A, "repérage").
-- retention_signal(worker, event, on_date) says what a signal does to the
-- worker's follow-up by the PDP cell (L4622-8-1):
--   worker = { id, company_id, case_status = "proposed" | "open" | nil }
--   event  = { name = "arret_long" (threshold 30 | 60, cause),
--              "avis_amenagement" (visit_type, avis, proposals = count),
--              "visite" (visit_type: pre_reprise, visite_reprise, rendez_vous_liaison),
--              "demande" (requested_by: worker | employer | professional) }
-- Answer: { decision = "open" | "propose" | "none", reason, basis }.
-- "propose" puts the case on the médecins' list to decide; "open" opens it
-- at once (the médecin already acts: an avis, a pré-reprise, their request).
-- A signal on a worker who already has a case is added to that case by the
-- plugin whatever the decision; the reason then goes to its history.

local function answer(decision, reason, basis)
  return { decision = decision, reason = reason, basis = basis }
end

socle.rule("retention_signal", function(_worker, event, _on_date)
  local name = event.name
  if name == "arret_long" then
    if event.threshold >= 60 then
      return answer("propose",
        "Arrêt de travail de plus de 60 jours : risque de désinsertion professionnelle, "
          .. "visite de reprise obligatoire et rendez-vous de liaison possible.",
        { "L4622-8-1", "R4624-31", "L1226-1-3" })
    end
    return answer("propose",
      "Arrêt de travail de plus de 30 jours : visite de pré-reprise possible à l'initiative "
        .. "du salarié, repérage par la cellule.",
      { "L4622-8-1", "L4624-2-4", "R4624-29" })
  elseif name == "avis_amenagement" then
    if event.avis == "inaptitude" then
      return answer("open", "Avis d'inaptitude : la cellule accompagne le reclassement.",
        { "L4622-8-1", "L4624-4" })
    end
    if event.visit_type == "pre_reprise" then
      return answer("open",
        "Recommandations de la visite de pré-reprise : préparer le retour au poste.",
        { "L4622-8-1", "R4624-30" })
    end
    return answer("open", "Propositions d'aménagement de poste du médecin du travail.",
      { "L4622-8-1", "L4624-3" })
  elseif name == "visite" then
    if event.visit_type == "pre_reprise" then
      return answer("open", "Visite de pré-reprise tenue : la cellule prépare la reprise.",
        { "L4622-8-1", "R4624-29" })
    elseif event.visit_type == "rendez_vous_liaison" then
      return answer("propose",
        "Rendez-vous de liaison tenu : informer le salarié des mesures de maintien en emploi.",
        { "L1226-1-3" })
    end
    return answer("none", "Visite de reprise sans signal de désinsertion.", { "R4624-31" })
  elseif name == "demande" then
    if event.requested_by == "professional" then
      return answer("open", "Demande d'un professionnel du service.", { "L4622-8-1" })
    end
    return answer("propose",
      event.requested_by == "worker" and "Demande d'accompagnement du salarié."
        or "Demande de l'employeur.",
      { "L4622-8-1" })
  end
  return answer("none", "Signal sans suite pour la cellule.", socle.array({}))
end)
