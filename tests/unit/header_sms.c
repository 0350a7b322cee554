/* Each public header compiles on its own. */
#include <socle/sms.h>
#include <socle/sms.h> /* and twice */
int header_sms_ok(void);
int header_sms_ok(void) { return 1; }
