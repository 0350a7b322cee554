/* Each public header compiles on its own. */
#include <socle/export.h>
#include <socle/export.h> /* and twice */
int header_export_ok(void);
int header_export_ok(void) { return 1; }
