/* Each public header compiles on its own. */
#include <socle/err.h>
#include <socle/err.h> /* and twice */
int header_err_ok(void);
int header_err_ok(void) { return 1; }
