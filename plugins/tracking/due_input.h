/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Private to tracking: one worker as the engine (next_visits) is given him,
 * read from the store (due_input.c), for the nightly recomputation (due.c)
 * and for the questions about one worker (next-visits, the simulator). */
#ifndef TRACKING_DUE_INPUT_H
#define TRACKING_DUE_INPUT_H

#include <lua.h>

#include "tracking.h"

/* Columns of one row of WORKER_SQL: the worker (repeated on each of its
 * outcomes), its protocol, its last due digest, one outcome or NULLs. */
enum {
	C_ID, C_COMPANY, C_BIRTH, C_START, C_END, C_CATEGORY, C_CONTRACT, C_NIGHT, C_RQTH,
	C_INVALIDITY, C_EXPOSURES, C_SIR, C_CACES, C_IONISING, C_MINOR, C_PERIODICITY, C_NEXT_ON,
	C_DIGEST, C_O_TYPE, C_O_HELD, C_O_ROLE, C_O_ATTESTATION, C_O_AVIS, C_O_ADJUSTMENTS,
	C_ASSIGNED, C_ASSIGN_DECLARED, C_SIR_ENDED, C_RETIRED,
};

#define WORKER_SQL                                                                              \
	"SELECT w.id, w.company_id, w.birth_date, w.start_date, w.end_date, w.category,"           \
	" w.contract_type, w.night_worker, w.rqth, w.invalidity_pension, w.exposures, w.sir_post,"  \
	" w.caces_or_electrical, w.ionising_category_a, w.minor_regulated_work,"                    \
	" p.periodicity_months, p.next_visit_on, d.digest,"                                         \
	" o.type, o.held_on, o.role, o.attestation, o.avis, o.adjustments,"                         \
	" w.assigned_on, w.assignment_declared_on, w.sir_ended_on, w.end_reason = 'retraite'"      \
	" FROM tracking_worker w"                                                                 \
	" LEFT JOIN tracking_protocol p ON p.worker_id = w.id"                                      \
	" LEFT JOIN tracking_due d ON d.company_id = w.company_id AND d.worker_id = w.id"           \
	" LEFT JOIN tracking_visit_outcome o ON o.worker_id = w.id"

/* One worker as read from the store, kept in C until its rows are all read
 * and pushed to Lua as next_visits' arguments (socle_rule_call_pushed: no
 * JSON on the way in). */
struct due_visit {
	char type[32], date[11], by[16], avis[16];
	bool attestation, restrictions;
};

enum {
	F_NIGHT = 1, F_RQTH = 2, F_INVALIDITY = 4, F_SIR = 8, F_CACES = 16, F_IONISING = 32,
	F_MINOR = 64,
};

struct due_worker {
	int64_t id, company, digest;
	bool had_row;          /* tracking_due has a row (and digest) for it */
	char birth[11], start[11], end[11], category[4], contract[16];
	/* membership's assignment facts (issue 10 item 13) */
	char assigned[11], assign_declared[11], sir_ended[11];
	bool retired;
	unsigned flags;
	json_t *exposures;     /* array of risk codes, or NULL (owned) */
	bool has_protocol, has_periodicity;
	int64_t periodicity;
	char next_on[11];
	struct due_visit *h;   /* visits held, oldest first (owned) */
	size_t nh, cap;
	const char *invalid;   /* the first field that did not fit, or NULL */
	const char *on_date;   /* the question's day (borrowed) */
};

void due_worker_reset(struct due_worker *w);
void due_worker_free(struct due_worker *w);
/* The worker's columns of a WORKER_SQL row into @p w (its first row). */
void due_worker_take(struct due_worker *w, socle_stmt *st);
/* One outcome of a WORKER_SQL row appended to w's history: 0 or SOCLE_E_NOMEM. */
int due_visit_take(struct due_worker *w, socle_stmt *st);
/* next_visits' three arguments for @p ud (a struct due_worker) onto @p L. */
void due_push_next_visits_args(lua_State *L, void *ud);

#endif
