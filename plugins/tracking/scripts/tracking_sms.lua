-- SPDX-License-Identifier: AGPL-3.0-or-later
-- Reminders by text message: the default rule point of plugins/tracking/sms_reminder.c.
-- A service redefines it with socle.rule("reminder_sms_text", fn) in its own scripts.
--
-- reminder_sms_text(visit, days_before) -> { text }
--   visit = { type, label, when = "jeudi 20 mars 2025 à 14 h 00",
--             mode = "in_person" | "teleconsultation", site, service, phone? }
--   days_before: the reminder's day (1: the day before).
--   The text must fit one SMS: 160 GSM 7-bit characters once transliterated
--   (the host checks it; "#" below counts UTF-8 bytes, never fewer than GSM
--   characters for French text, so a text this rule accepts always fits).
--   DECISION of this pack: the service, the visit, the day and hour, the place
--   and how to warn the service; when it is too long, the warning goes first,
--   then the visit's label (the day, hour and place stay). Never any medical
--   content: the number may be shared.

local LIMIT = 160

socle.rule("reminder_sms_text", function(visit, days_before)
  local where
  if visit.mode == "teleconsultation" then
    where = "en téléconsultation"
  elseif visit.site then
    where = "à " .. visit.site
  end
  local day = days_before == 1 and ("demain, " .. visit.when) or ("le " .. visit.when)
  local function sentence(what)
    return "Rappel " .. visit.service .. " : " .. what .. " " .. day
      .. (where and (", " .. where) or "") .. "."
  end
  local warn = visit.phone and (" Empêchement : appelez le " .. visit.phone .. ".")
    or " Empêchement : prévenez le service."
  local text = sentence(visit.label)
  if #(text .. warn) <= LIMIT then
    return { text = text .. warn }
  end
  if #text <= LIMIT then
    return { text = text }
  end
  return { text = sentence("visite") }
end)
