/* Each public header compiles on its own. */
#include <socle/date.h>
#include <socle/date.h> /* and twice */
int header_date_ok(void);
int header_date_ok(void) { return 1; }
