/* Each public header compiles on its own. */
#include <socle/bus.h>
#include <socle/bus.h> /* and twice */
int header_bus_ok(void);
int header_bus_ok(void) { return 1; }
