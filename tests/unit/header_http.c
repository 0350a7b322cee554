/* Each public header compiles on its own. */
#include <socle/http.h>
#include <socle/http.h> /* and twice */
int header_http_ok(void);
int header_http_ok(void) { return 1; }
