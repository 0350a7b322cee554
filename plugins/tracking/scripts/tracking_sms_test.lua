-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Test vectors of tracking_sms.lua: `socle check` runs each one against the
-- rule the service has (its contract: one SMS, 160 GSM characters).

socle.test {
  rule = "reminder_sms_text",
  name = "la veille, sur place, avec le téléphone du service",
  args = { { type = "vip_periodique", label = "Visite d'information et de prévention",
             when = "jeudi 20 mars 2025 à 14 h 00", mode = "in_person", site = "Villeurbanne",
             service = "SPSTI Rhône", phone = "04 72 00 00 00" }, 1 },
  expect = { text = "Rappel SPSTI Rhône : Visite d'information et de prévention demain, jeudi "
    .. "20 mars 2025 à 14 h 00, à Villeurbanne. Empêchement : appelez le 04 72 00 00 00." },
}

socle.test {
  rule = "reminder_sms_text",
  name = "une semaine avant, en téléconsultation, sans téléphone",
  args = { { type = "ema_periodique", label = "Examen médical d'aptitude",
             when = "mardi 25 mars 2025 à 9 h 30", mode = "teleconsultation",
             service = "SPSTI Rhône" }, 7 },
  expect = { text = "Rappel SPSTI Rhône : Examen médical d'aptitude le mardi 25 mars 2025 à "
    .. "9 h 30, en téléconsultation. Empêchement : prévenez le service." },
}

socle.test {
  rule = "reminder_sms_text",
  name = "trop long : l'avertissement puis l'intitulé partent, le jour et le lieu restent",
  args = { { type = "suivi_adapte", label = "Visite de suivi individuel adapté de l'état de "
               .. "santé du travailleur handicapé ou titulaire d'une pension d'invalidité",
             when = "vendredi 28 mars 2025 à 10 h 00", mode = "in_person",
             site = "Centre de Villeurbanne", service = "Service de prévention et de santé au "
               .. "travail du Rhône", phone = "04 72 00 00 00" }, 1 },
  expect = { text = "Rappel Service de prévention et de santé au travail du Rhône : visite "
    .. "demain, vendredi 28 mars 2025 à 10 h 00, à Centre de Villeurbanne." },
}
