/* Each public header compiles on its own. */
#include <socle/files.h>
#include <socle/files.h> /* and twice */
int header_files_ok(void);
int header_files_ok(void) { return 1; }
