/* Each public header compiles on its own. */
#include <socle/plugin.h>
#include <socle/plugin.h> /* and twice */
int header_plugin_ok(void);
int header_plugin_ok(void) { return 1; }
