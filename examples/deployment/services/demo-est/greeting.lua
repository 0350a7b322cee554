-- The Est service greets differently: it redefines the greeting rule point
-- on top of the default pack (hello/scripts/hello.lua stays loaded).
socle.rule("greeting", function(name)
  return { message = "Salut " .. socle.hello.shout(name) .. " !" }
end)

socle.test {
  rule = "greeting",
  name = "salue en capitales",
  args = { "Camille" },
  expect = { message = "Salut CAMILLE !" },
}
