/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* One worker as the engine is given him (due_input.h): read from the store
 * (membership's copy in tracking_worker, the médecin's protocol, the visits
 * held), pushed to Lua for next_visits without JSON on the way (the nightly
 * run's path, due.c), or, for the simulator's what-if on a stored worker,
 * as the same arguments in JSON. */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "due_input.h"

static const struct {
	unsigned bit;
	int col;
	const char *key;
} worker_flags[] = {
	{F_NIGHT, C_NIGHT, "night_worker"},
	{F_RQTH, C_RQTH, "rqth"},
	{F_INVALIDITY, C_INVALIDITY, "invalidity_pension"},
	{F_SIR, C_SIR, "sir_post"},
	{F_CACES, C_CACES, "caces_or_electrical"},
	{F_IONISING, C_IONISING, "ionising_category_a"},
	{F_MINOR, C_MINOR, "minor_regulated_work"},
};



void due_worker_reset(struct due_worker *w)
{
	struct due_visit *h = w->h;
	size_t cap = w->cap;

	json_decref(w->exposures);
	memset(w, 0, sizeof(*w));
	w->h = h; /* the history buffer is reused from worker to worker */
	w->cap = cap;
}

void due_worker_free(struct due_worker *w)
{
	json_decref(w->exposures);
	free(w->h);
	memset(w, 0, sizeof(*w));
}

/* Copy column @p col into @p dst; a value that does not fit marks the worker
 * invalid (recorded with an error rather than passed on truncated). */
static void take_text(struct due_worker *w, char *dst, size_t size, socle_stmt *st, int col,
                      const char *field)
{
	const char *v = socle_stmt_text(st, col);
	size_t n = v ? strlen(v) : 0;

	if (n >= size) {
		if (w->invalid == NULL)
			w->invalid = field;
		n = 0;
	}
	memcpy(dst, v ? v : "", n);
	dst[n] = '\0';
}

/* The worker of the current row (its first: the worker's columns repeat). */
void due_worker_take(struct due_worker *w, socle_stmt *st)
{
	w->id = socle_stmt_int(st, C_ID);
	w->company = socle_stmt_int(st, C_COMPANY);
	w->had_row = !socle_stmt_is_null(st, C_DIGEST);
	w->digest = socle_stmt_int(st, C_DIGEST);
	take_text(w, w->birth, sizeof(w->birth), st, C_BIRTH, "birth_date");
	take_text(w, w->start, sizeof(w->start), st, C_START, "start_date");
	take_text(w, w->end, sizeof(w->end), st, C_END, "end_date");
	take_text(w, w->category, sizeof(w->category), st, C_CATEGORY, "category");
	take_text(w, w->contract, sizeof(w->contract), st, C_CONTRACT, "contract_type");
	take_text(w, w->assigned, sizeof(w->assigned), st, C_ASSIGNED, "assigned_on");
	take_text(w, w->assign_declared, sizeof(w->assign_declared), st, C_ASSIGN_DECLARED,
	          "assignment_declared_on");
	take_text(w, w->sir_ended, sizeof(w->sir_ended), st, C_SIR_ENDED, "sir_ended_on");
	w->retired = socle_stmt_int(st, C_RETIRED) != 0;
	for (size_t i = 0; i < SOCLE_COUNT(worker_flags); i++)
		if (socle_stmt_int(st, worker_flags[i].col) != 0)
			w->flags |= worker_flags[i].bit;
	const char *exp = socle_stmt_text(st, C_EXPOSURES);
	if (exp != NULL && strcmp(exp, "[]") != 0) {
		w->exposures = json_loads(exp, 0, NULL);
		if (!json_is_array(w->exposures)) {
			json_decref(w->exposures);
			w->exposures = NULL;
			if (w->invalid == NULL)
				w->invalid = "exposures";
		}
	}
	w->has_periodicity = !socle_stmt_is_null(st, C_PERIODICITY);
	w->periodicity = socle_stmt_int(st, C_PERIODICITY);
	take_text(w, w->next_on, sizeof(w->next_on), st, C_NEXT_ON, "protocol.next_visit_on");
	w->has_protocol = w->has_periodicity || w->next_on[0];
}

/* The visit of the current row, as next_visits reads history. 0 or NOMEM. */
int due_visit_take(struct due_worker *w, socle_stmt *st)
{
	if (w->nh == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct due_visit *h = realloc(w->h, cap * sizeof(*h));

		if (h == NULL)
			return SOCLE_E_NOMEM;
		w->h = h;
		w->cap = cap;
	}
	struct due_visit *v = &w->h[w->nh++];
	const char *adj = socle_stmt_text(st, C_O_ADJUSTMENTS);

	take_text(w, v->type, sizeof(v->type), st, C_O_TYPE, "history.type");
	take_text(w, v->date, sizeof(v->date), st, C_O_HELD, "history.date");
	take_text(w, v->by, sizeof(v->by), st, C_O_ROLE, "history.by");
	take_text(w, v->avis, sizeof(v->avis), st, C_O_AVIS, "history.avis");
	v->attestation = !socle_stmt_is_null(st, C_O_ATTESTATION);
	/* A measure of L4624-3 proposed, or an inaptitude: restrictions. */
	v->restrictions = (adj != NULL && strcmp(adj, "[]") != 0) || strcmp(v->avis, "inaptitude") == 0;
	return 0;
}

static void set_str(lua_State *L, const char *key, const char *v)
{
	if (v[0]) {
		lua_pushstring(L, v);
		lua_setfield(L, -2, key);
	}
}

static void set_true(lua_State *L, const char *key)
{
	lua_pushboolean(L, 1);
	lua_setfield(L, -2, key);
}

/* next_visits(worker, history, on_date), pushed (inside the protected call). */
void due_push_next_visits_args(lua_State *L, void *ud)
{
	const struct due_worker *w = ud;

	lua_createtable(L, 0, 8);
	set_str(L, "birth_date", w->birth);
	set_str(L, "start_date", w->start);
	set_str(L, "end_date", w->end);
	set_str(L, "category", w->category);
	set_str(L, "contract_type", w->contract);
	/* The change of assignment; the end of the SIR (post-exposition); an exit
	 * for retirement is the departure of R4624-28-1. */
	set_str(L, "assigned_on", w->assigned);
	set_str(L, "assignment_declared_on", w->assign_declared);
	if (w->sir_ended[0]) {
		set_str(L, "exposure_end_date", w->sir_ended);
		set_true(L, "formerly_sir");
	}
	if (w->retired)
		set_str(L, "retirement_date", w->end);
	for (size_t i = 0; i < SOCLE_COUNT(worker_flags); i++)
		if (w->flags & worker_flags[i].bit)
			set_true(L, worker_flags[i].key);
	if (w->exposures != NULL) {
		socle_lua_push_json(L, w->exposures);
		lua_setfield(L, -2, "exposures");
	}
	if (w->has_protocol) {
		lua_createtable(L, 0, 2);
		if (w->has_periodicity) {
			lua_pushinteger(L, (lua_Integer)w->periodicity);
			lua_setfield(L, -2, "periodicity_months");
		}
		set_str(L, "next_visit_on", w->next_on);
		lua_setfield(L, -2, "protocol");
	}
	lua_createtable(L, (int)w->nh, 0);
	for (size_t i = 0; i < w->nh; i++) {
		const struct due_visit *v = &w->h[i];

		lua_createtable(L, 0, 6);
		set_str(L, "type", v->type);
		set_str(L, "date", v->date);
		set_str(L, "by", v->by);
		set_str(L, "avis", v->avis);
		if (v->attestation)
			set_true(L, "attestation");
		if (v->restrictions)
			set_true(L, "restrictions");
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_pushstring(L, w->on_date);
}

/* The same arguments as JSON, {"worker", "history"}, for the simulator's
 * what-if on a stored worker (visits.c): what due_push_next_visits_args pushes,
 * key for key (test_simulate_worker: the simulator without a change answers
 * what next-visits does). */
static json_t *next_visits_input_json(const struct due_worker *w)
{
	json_t *worker = json_object(), *history = json_array();
	const struct {
		const char *key, *value;
	} texts[] = {{"birth_date", w->birth},         {"start_date", w->start},
	             {"end_date", w->end},             {"category", w->category},
	             {"contract_type", w->contract},   {"assigned_on", w->assigned},
	             {"assignment_declared_on", w->assign_declared}};

	for (size_t i = 0; worker && i < SOCLE_COUNT(texts); i++)
		if (texts[i].value[0])
			json_object_set_new(worker, texts[i].key, json_string(texts[i].value));
	if (worker && w->sir_ended[0]) {
		json_object_set_new(worker, "exposure_end_date", json_string(w->sir_ended));
		json_object_set_new(worker, "formerly_sir", json_true());
	}
	if (worker && w->retired && w->end[0])
		json_object_set_new(worker, "retirement_date", json_string(w->end));
	for (size_t i = 0; worker && i < SOCLE_COUNT(worker_flags); i++)
		if (w->flags & worker_flags[i].bit)
			json_object_set_new(worker, worker_flags[i].key, json_true());
	if (worker && w->exposures)
		json_object_set(worker, "exposures", w->exposures);
	if (worker && w->has_protocol) {
		json_t *p = json_object();
		if (p && w->has_periodicity)
			json_object_set_new(p, "periodicity_months", json_integer(w->periodicity));
		if (p && w->next_on[0])
			json_object_set_new(p, "next_visit_on", json_string(w->next_on));
		json_object_set_new(worker, "protocol", p);
	}
	for (size_t i = 0; history && i < w->nh; i++) {
		const struct due_visit *v = &w->h[i];
		json_t *h = json_pack("{s:s, s:s}", "type", v->type, "date", v->date);

		if (h && v->by[0])
			json_object_set_new(h, "by", json_string(v->by));
		if (h && v->avis[0])
			json_object_set_new(h, "avis", json_string(v->avis));
		if (h && v->attestation)
			json_object_set_new(h, "attestation", json_true());
		if (h && v->restrictions)
			json_object_set_new(h, "restrictions", json_true());
		if (h == NULL || json_array_append_new(history, h) != 0) {
			json_decref(history);
			history = NULL;
		}
	}
	if (worker == NULL || history == NULL) {
		json_decref(worker);
		json_decref(history);
		return NULL;
	}
	return json_pack("{s:o, s:o}", "worker", worker, "history", history);
}

/* One stored worker and the visits he held into @p w: 0, or a negative code
 * with @p err (SOCLE_E_NOTFOUND, SOCLE_E_CONFLICT for a datum unreadable).
 * @p company gets his company when known. */
static int load_one(socle_db *db, int64_t worker_id, struct due_worker *w, int64_t *company,
                    socle_err *err)
{
	bool found = false;
	int step, rc = 0;
	socle_stmt *st = socle_db_prepare(db, WORKER_SQL " WHERE w.id = :id"
	                                      " ORDER BY o.held_on, o.id", err);

	if (st == NULL)
		return err->code;
	socle_stmt_bind_int(st, ":id", worker_id);
	while (rc == 0 && (step = socle_stmt_step(st, err)) == 1) {
		if (!found)
			due_worker_take(w, st);
		found = true;
		if (!socle_stmt_is_null(st, C_O_HELD))
			rc = due_visit_take(w, st);
	}
	socle_stmt_release(st);
	if (company)
		*company = w->company;
	if (rc != 0 || err->code != 0)
		return err->code ? err->code : socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	if (!found)
		return socle_err_set(err, SOCLE_E_NOTFOUND, "Salarié introuvable.");
	if (w->invalid)
		return socle_err_set(err, SOCLE_E_CONFLICT, "Une donnée de ce salarié est illisible : "
		                     "ses prochaines visites ne peuvent pas être calculées.");
	return 0;
}

json_t *tracking_next_visits_input(socle_db *db, int64_t worker_id, int64_t *company,
                                   socle_err *err)
{
	struct due_worker w = {0};
	json_t *out = NULL;

	if (load_one(db, worker_id, &w, company, err) == 0 &&
	    (out = next_visits_input_json(&w)) == NULL)
		socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
	due_worker_free(&w);
	return out;
}

json_t *tracking_next_visits_now(socle_service *svc, socle_db *db, int64_t worker_id,
                                 int64_t *company, socle_err *err)
{
	struct due_worker w = {0};
	char today[11];
	json_t *out = NULL;

	if (load_one(db, worker_id, &w, company, err) != 0) {
		/* err says why */
	} else if (w.category[0] == '\0') {
		socle_err_set(err, SOCLE_E_CONFLICT, "La catégorie de suivi de ce salarié n'est pas "
		              "encore calculée : ses prochaines visites ne peuvent pas l'être.");
	} else {
		socle_date_today(today);
		w.on_date = today;
		if (socle_rule_call_pushed(svc, "next_visits", due_push_next_visits_args, &w, &out, err))
			out = NULL;
	}
	due_worker_free(&w);
	return out;
}

