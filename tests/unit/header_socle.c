/* Each public header compiles on its own. */
#include <socle/socle.h>
#include <socle/socle.h> /* and twice */
int header_socle_ok(void);
int header_socle_ok(void) { return 1; }
