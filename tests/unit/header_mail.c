/* Each public header compiles on its own. */
#include <socle/mail.h>
#include <socle/mail.h> /* and twice */
int header_mail_ok(void);
int header_mail_ok(void) { return 1; }
