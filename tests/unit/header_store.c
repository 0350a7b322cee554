/* Each public header compiles on its own. */
#include <socle/store.h>
#include <socle/store.h> /* and twice */
int header_store_ok(void);
int header_store_ok(void) { return 1; }
