/* Each public header compiles on its own. */
#include <socle/document.h>
#include <socle/document.h> /* and twice */
int header_document_ok(void);
int header_document_ok(void) { return 1; }
