/* Each public header compiles on its own. */
#include <socle/defs.h>
#include <socle/defs.h> /* and twice */
int header_defs_ok(void);
int header_defs_ok(void) { return 1; }
