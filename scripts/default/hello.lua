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
