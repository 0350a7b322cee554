/* Each public header compiles on its own. */
#include <socle/auth.h>
#include <socle/auth.h> /* and twice */
int header_auth_ok(void);
int header_auth_ok(void) { return 1; }
