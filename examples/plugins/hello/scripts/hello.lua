-- Default rule pack of the hello example plugin.
-- greeting(name) -> { message = string }
-- A service overrides it by defining socle.rule("greeting", ...) in its own
-- scripts folder (or by shipping its own hello.lua, which replaces this file).

socle.rule("greeting", function(name)
  return { message = "Bonjour, " .. name .. " !" }
end)

socle.test {
  rule = "greeting",
  name = "salue par le nom",
  args = { "Camille" },
  expect = { message = "Bonjour, Camille !" },
}

-- A pathway: each greeting is followed until staff acknowledge it. The core
-- stores each instance with this definition and its history; GET
-- /api/v1/{service}/parcours/instances lists them for staff.
socle.parcours {
  id = "salutation",
  version = 1,
  title = "Traitement d'une salutation",
  subject = "greeting",           -- the payload key greeting_id names the instance
  start_on = "hello.greeted",
  close_on = { "hello.acknowledged" },
  steps = {
    { id = "recue", title = "Salutation reçue", role = "service_admin", due_days = 2 },
  },
}

-- An event handler in Lua: runs on the loop thread after the commit.
socle.on("hello.greeted", function(payload)
  socle.log.info("salutation enregistrée pour " .. payload.name)
end)
