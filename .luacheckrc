-- luacheck (Debian package lua-check), run by make test on every rule pack:
-- the plugins' packs, the demo services' files and the example plugin's.
-- Scripts run in Socle's sandbox: Lua 5.4, the host table `socle` read-only
-- (docs/lua-api.md), no io, os, package, load, require.
std = "lua54"
read_globals = { "socle" }
-- The rule packs document their rule points with long comment blocks and
-- French sentences: keep lines readable, not short.
max_line_length = 140
max_comment_line_length = false
