/* Each public header compiles on its own. */
#include <socle/lua.h>
#include <socle/lua.h> /* and twice */
int header_lua_ok(void);
int header_lua_ok(void) { return 1; }
