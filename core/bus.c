/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The event bus: events are rows of the service's outbox (core_event),
 * written in the emitter's own transaction, so an event exists exactly when
 * the change it announces was committed. The loop thread then delivers them
 * in id order to the C handlers of enabled plugins and to the core's
 * subscribers (Lua host, parcours engine), and marks them delivered. A crash
 * between delivery and marking delivers again: at least once. */
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "catalog.h"
#include "clock.h"
#include "json_text.h"
#include "store.h"

#define DISPATCH_BATCH 100       /* events read per query */
#define DISPATCH_MAX_BATCHES 10  /* per service and call, so one busy service cannot starve others */
#define EVENT_NAME_MAX 64
#define EVENT_PAYLOAD_MAX (1024 * 1024)

static pthread_mutex_t subs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	socle_core *core;
	bus_subscriber_fn fn;
} subs[BUS_MAX_SUBSCRIBERS];
static size_t n_subs;

int bus_add_core_subscriber(socle_core *core, bus_subscriber_fn fn)
{
	int rc = 0;

	if (core == NULL || fn == NULL)
		return SOCLE_E_INVAL;
	pthread_mutex_lock(&subs_mu);
	for (size_t i = 0; i < n_subs; i++)
		if (subs[i].core == core && subs[i].fn == fn)
			rc = 1; /* already there: subscribing twice is not an error */
	if (rc == 0 && n_subs == BUS_MAX_SUBSCRIBERS)
		rc = SOCLE_E_NOMEM;
	if (rc == 0) {
		subs[n_subs].core = core;
		subs[n_subs].fn = fn;
		n_subs++;
	}
	pthread_mutex_unlock(&subs_mu);
	return rc > 0 ? 0 : rc;
}

void bus_core_fini(socle_core *core)
{
	size_t kept = 0;

	pthread_mutex_lock(&subs_mu);
	for (size_t i = 0; i < n_subs; i++)
		if (subs[i].core != core)
			subs[kept++] = subs[i];
	n_subs = kept;
	pthread_mutex_unlock(&subs_mu);
}

static bool valid_word(const char **p)
{
	const char *s = *p;

	if (*s < 'a' || *s > 'z')
		return false;
	while ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')
		s++;
	*p = s;
	return true;
}

bool bus_valid_name(const char *name)
{
	const char *p = name;

	if (name == NULL || strlen(name) > EVENT_NAME_MAX)
		return false;
	if (!valid_word(&p) || *p++ != '.' || !valid_word(&p))
		return false;
	return *p == '\0';
}

SOCLE_API int socle_plugin_on(socle_plugin *p, const char *event, socle_event_fn fn, void *ud,
                              socle_err *err)
{
	struct reg_event_handler rec = {.owner = p, .event = (char *)event, .fn = fn, .ud = ud};

	if (p == NULL || p->core == NULL || p->core->phase != PHASE_INIT)
		return socle_err_set(err, SOCLE_E_PHASE, "event handlers are registered in init() only");
	if (fn == NULL || !bus_valid_name(event))
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "%s: invalid event name \"%s\" (expected domain.verb_past)",
		                     p->desc != NULL ? p->desc->name : "?",
		                     event != NULL ? event : "(null)");
	if (registry_add_handler(&p->core->reg, &rec) != 0)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	return 0;
}

SOCLE_API int socle_event_emit(socle_db *wdb, const char *event, const json_t *payload,
                               socle_err *err)
{
	socle_stmt *st;
	char *text;
	size_t len;
	int rc;

	if (wdb == NULL || !wdb->writer || wdb->h == NULL || sqlite3_get_autocommit(wdb->h))
		return socle_err_set(err, SOCLE_E_PHASE,
		                     "events are emitted inside socle_service_write()");
	if (!bus_valid_name(event))
		return socle_err_set(err, SOCLE_E_INVAL,
		                     "invalid event name \"%s\" (expected domain.verb_past)",
		                     event != NULL ? event : "(null)");
	if (payload != NULL && !json_is_object(payload))
		return socle_err_set(err, SOCLE_E_INVAL, "payload of %s must be a JSON object", event);
	if (catalog_event(socle_db_service(wdb)->core, event) == NULL) {
		/* A consumer relies on the name and payload: docs/events.md. */
		socle_log(SOCLE_LOG_WARN, "événement %s non déclaré (socle_plugin_declare_events)",
		          event);
		if (CATALOG_STRICT)
			return socle_err_set(err, SOCLE_E_INVAL, "événement %s non déclaré", event);
	}
	text = payload != NULL ? json_text(payload, 0, &len) : strdup("{}");
	if (text == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	if (payload == NULL)
		len = 2;
	if (len > EVENT_PAYLOAD_MAX) {
		free(text);
		return socle_err_set(err, SOCLE_E_TOOBIG, "payload of %s is over %d bytes", event,
		                     EVENT_PAYLOAD_MAX);
	}
	st = socle_db_prepare(wdb, "INSERT INTO core_event (name, payload, created_at) "
	                           "VALUES (:name, :payload, :now)", err);
	if (st == NULL) {
		free(text);
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	}
	rc = socle_stmt_bind_text(st, ":name", event);
	if (rc == 0)
		rc = socle_stmt_bind_text(st, ":payload", text);
	if (rc == 0)
		rc = socle_stmt_bind_int(st, ":now", socle_now_ms());
	free(text);
	if (rc == 0)
		rc = socle_stmt_step(st, err);
	else
		socle_err_set(err, rc, "emit %s: cannot bind", event);
	socle_stmt_release(st);
	if (rc < 0)
		return rc;
	wdb->txn_events++;
	return 0;
}

struct pending_event {
	int64_t id;
	char *name;
	char *payload;
	int failures;
	char last_error[384]; /* "who: message" */
};

struct batch {
	struct pending_event ev[DISPATCH_BATCH];
	size_t n;
};

static void batch_clear(struct batch *b)
{
	for (size_t i = 0; i < b->n; i++) {
		free(b->ev[i].name);
		free(b->ev[i].payload);
	}
	b->n = 0;
}

/* Read the next undelivered events of @p svc. */
static int batch_load(socle_service *svc, struct batch *b, socle_err *err)
{
	socle_db *r = socle_service_reader(svc, err);
	socle_stmt *st;
	int rc = 0;

	if (r == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	st = socle_db_prepare(r, "SELECT id, name, payload FROM core_event "
	                         "WHERE delivered_at IS NULL ORDER BY id LIMIT 100", err);
	if (st == NULL)
		return err != NULL && err->code ? err->code : SOCLE_E_STORE;
	while (b->n < DISPATCH_BATCH && (rc = socle_stmt_step(st, err)) == 1) {
		struct pending_event *e = &b->ev[b->n];
		const char *name = socle_stmt_text(st, 1);
		const char *payload = socle_stmt_text(st, 2);

		memset(e, 0, sizeof(*e));
		e->id = socle_stmt_int(st, 0);
		e->name = strdup(name != NULL ? name : "");
		e->payload = strdup(payload != NULL ? payload : "{}");
		b->n++;
		if (e->name == NULL || e->payload == NULL) {
			rc = socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
			break;
		}
	}
	socle_stmt_release(st);
	return rc < 0 ? rc : 0;
}

static void note_failure(struct pending_event *e, const char *who, const socle_err *herr, int rc,
                         const char *svc_id)
{
	const char *msg = herr->msg[0] ? herr->msg : socle_strerror(rc);

	e->failures++;
	/* Keep the first failure's text: it is usually the cause of the others. */
	if (e->last_error[0] == '\0')
		snprintf(e->last_error, sizeof(e->last_error), "%s: %s", who, msg);
	socle_log(SOCLE_LOG_WARN, "service %s: event %s #%lld: %s failed: %s", svc_id, e->name,
	          (long long)e->id, who, msg);
}

static void deliver(socle_core *core, socle_service *svc, struct pending_event *e)
{
	json_error_t jerr;
	json_t *payload = json_loads(e->payload, 0, &jerr);
	bus_subscriber_fn fns[BUS_MAX_SUBSCRIBERS];
	size_t nf = 0;

	if (payload == NULL || !json_is_object(payload)) {
		json_decref(payload);
		e->failures++;
		snprintf(e->last_error, sizeof(e->last_error), "unreadable payload: %s", jerr.text);
		return;
	}
	for (size_t i = 0; i < core->reg.handlers.n; i++) {
		const struct reg_event_handler *h = &core->reg.handlers.v[i];
		socle_err herr = SOCLE_ERR_INIT;
		int rc;

		if (strcmp(h->event, e->name) != 0)
			continue;
		if (h->owner != NULL &&
		    (svc->plugin_enabled == NULL || !svc->plugin_enabled[h->owner->index]))
			continue;
		rc = h->fn(svc, e->name, payload, h->ud, &herr);
		if (rc < 0)
			note_failure(e, h->owner != NULL && h->owner->desc != NULL ? h->owner->desc->name
			                                                           : "core",
			             &herr, rc, svc->id);
	}
	pthread_mutex_lock(&subs_mu);
	for (size_t i = 0; i < n_subs; i++)
		if (subs[i].core == core)
			fns[nf++] = subs[i].fn;
	pthread_mutex_unlock(&subs_mu);
	for (size_t i = 0; i < nf; i++) {
		socle_err herr = SOCLE_ERR_INIT;
		int rc = fns[i](svc, e->name, payload, &herr);

		if (rc < 0)
			note_failure(e, "core subscriber", &herr, rc, svc->id);
	}
	json_decref(payload);
}

static int mark_delivered(socle_db *w, void *ud, socle_err *err)
{
	const struct batch *b = ud;
	int64_t now = socle_now_ms();

	for (size_t i = 0; i < b->n; i++) {
		socle_stmt *st = socle_db_prepare(w, "UPDATE core_event SET delivered_at = :now, "
		                                     "failures = :failures, last_error = :error "
		                                     "WHERE id = :id", err);
		int rc;

		if (st == NULL)
			return err != NULL && err->code ? err->code : SOCLE_E_STORE;
		socle_stmt_bind_int(st, ":now", now);
		socle_stmt_bind_int(st, ":failures", b->ev[i].failures);
		socle_stmt_bind_text(st, ":error", b->ev[i].last_error[0] ? b->ev[i].last_error : NULL);
		socle_stmt_bind_int(st, ":id", b->ev[i].id);
		rc = socle_stmt_step(st, err);
		socle_stmt_release(st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int dispatch_service(socle_core *core, socle_service *svc, int *delivered)
{
	struct batch *b = calloc(1, sizeof(*b));
	socle_err err = SOCLE_ERR_INIT;
	int rc = 0;

	if (b == NULL)
		return SOCLE_E_NOMEM;
	for (int round = 0; round < DISPATCH_MAX_BATCHES; round++) {
		rc = batch_load(svc, b, &err);
		if (rc < 0 || b->n == 0)
			break;
		for (size_t i = 0; i < b->n; i++)
			deliver(core, svc, &b->ev[i]);
		rc = socle_service_write(svc, mark_delivered, b, &err);
		if (rc < 0)
			break;
		*delivered += (int)b->n;
		if (b->n < DISPATCH_BATCH) {
			batch_clear(b);
			break;
		}
		batch_clear(b);
	}
	if (rc < 0)
		socle_log(SOCLE_LOG_ERROR, "service %s: event delivery: %s", svc->id, err.msg);
	batch_clear(b);
	free(b);
	return rc;
}

int bus_dispatch(socle_core *core)
{
	return store_each_queue(core, dispatch_service);
}

int bus_pending(socle_core *core)
{
	for (size_t i = 0; i < core->n_services; i++) {
		socle_service *svc = core->services[i];
		socle_db *r;
		socle_stmt *st;
		int rc;

		if (svc == NULL || svc->store == NULL || store_claim_queue(svc) != 1)
			continue;
		r = socle_service_reader(svc, NULL);
		st = r != NULL ? socle_db_prepare(r, "SELECT 1 FROM core_event WHERE delivered_at IS "
		                                     "NULL ORDER BY id LIMIT 1", NULL)
		               : NULL;
		if (st == NULL)
			return SOCLE_E_STORE;
		rc = socle_stmt_step(st, NULL);
		socle_stmt_release(st);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int purge_events(socle_db *w, void *ud, socle_err *err)
{
	int n = socle_db_run(w, "DELETE FROM core_event WHERE id IN (SELECT id FROM core_event "
	                        "WHERE delivered_at < :before ORDER BY delivered_at LIMIT 10000)",
	                     ud, err);

	return n;
}

int bus_purge(socle_service *svc, int64_t before_ms, socle_err *err)
{
	json_t *params = json_pack("{sI}", "before", (json_int_t)before_ms);
	int rc;

	if (params == NULL)
		return socle_err_set(err, SOCLE_E_NOMEM, "out of memory");
	rc = socle_service_write(svc, purge_events, params, err);
	json_decref(params);
	return rc;
}
