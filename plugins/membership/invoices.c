/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The membership invoices: one live invoice per company and year, numbered
 * F-<year>-<seq> without reuse, amounts stored in cents, from the fee of the
 * year (fee.c); issued, paid or cancelled with a reason. Their printable
 * document is in invoice_doc.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing.h"

/* --------------------------------------------------------------- invoices */

/* The invoice with its lines, as the API shows it (caller owns). */
json_t *membership_invoice_load(socle_db *db, int64_t company_id, int64_t invoice_id,
                                socle_err *err)
{
	json_t *p = json_pack("{s:I, s:I}", "id", (json_int_t)invoice_id, "company",
	                      (json_int_t)company_id);
	json_t *inv = socle_db_query_one(db,
		"SELECT id, number, company_id, year, units, amount_per_worker_cents, total_cents,"
		" fee_exception_id, issued_on, due_date, status, paid_on, cancelled_at, cancel_reason,"
		" created_at FROM membership_invoice WHERE id = :id AND company_id = :company", p, err);

	if (inv == NULL) {
		json_decref(p);
		if (err->code == SOCLE_E_NOTFOUND)
			socle_err_set(err, SOCLE_E_NOTFOUND, "facture inconnue");
		return NULL;
	}
	json_t *lines = socle_db_query(db,
		"SELECT position, label, quantity, unit_price_cents, amount_cents"
		" FROM membership_invoice_line WHERE invoice_id = :id ORDER BY position", p, err);

	json_decref(p);
	if (lines == NULL) {
		json_decref(inv);
		return NULL;
	}
	size_t i;
	json_t *l;

	json_array_foreach(lines, i, l) {
		json_object_set_new(l, "unit_price",
		                    membership_json_euros(json_integer_value(
		                            json_object_get(l, "unit_price_cents"))));
		json_object_set_new(l, "amount",
		                    membership_json_euros(json_integer_value(
		                            json_object_get(l, "amount_cents"))));
		json_object_del(l, "unit_price_cents");
		json_object_del(l, "amount_cents");
		json_object_del(l, "position");
	}
	json_object_set_new(inv, "amount_per_worker",
	                    membership_json_euros(json_integer_value(
	                            json_object_get(inv, "amount_per_worker_cents"))));
	json_object_set_new(
	        inv, "total",
	        membership_json_euros(json_integer_value(json_object_get(inv, "total_cents"))));
	json_object_del(inv, "amount_per_worker_cents");
	json_object_del(inv, "total_cents");
	json_object_set_new(inv, "lines", lines);
	return inv;
}

struct invoice_write {
	socle_req *req;
	int64_t company_id;
	struct fee *fee;
	int64_t id;
	char number[32];
	char issued_on[11], due_date[11];
};

static int invoice_store(socle_db *wdb, void *ud, socle_err *err)
{
	struct invoice_write *w = ud;
	struct fee *f = w->fee;
	json_t *p = json_pack("{s:I, s:i}", "company", (json_int_t)w->company_id, "year", f->year);
	json_t *live = socle_db_query_one(wdb,
		"SELECT number FROM membership_invoice WHERE company_id = :company AND year = :year"
		" AND status <> 'cancelled'", p, err);
	int rc;

	if (live != NULL) {
		socle_err_set(err, SOCLE_E_CONFLICT, "la facture %s existe déjà pour %d : annulez-la "
		              "avant d'en émettre une autre",
		              json_string_value(json_object_get(live, "number")), f->year);
		json_decref(live);
		json_decref(p);
		return SOCLE_E_CONFLICT;
	}
	if (err->code != SOCLE_E_NOTFOUND) {
		json_decref(p);
		return err->code;
	}
	*err = (socle_err)SOCLE_ERR_INIT;
	rc = socle_db_run(wdb, "INSERT INTO membership_invoice_seq (year, last_seq) VALUES (:year, 1)"
	                       " ON CONFLICT (year) DO UPDATE SET last_seq ="
	                       " membership_invoice_seq.last_seq + 1", p, err);
	json_t *seq = rc < 0 ? NULL
	                     : socle_db_query_one(wdb, "SELECT last_seq FROM membership_invoice_seq"
	                                               " WHERE year = :year", p, err);

	json_decref(p);
	if (seq == NULL)
		return err->code ? err->code : SOCLE_E_STORE;
	snprintf(w->number, sizeof(w->number), "F-%d-%05" JSON_INTEGER_FORMAT, f->year,
	         json_integer_value(json_object_get(seq, "last_seq")));
	json_decref(seq);
	p = json_pack("{s:s, s:I, s:i, s:I, s:I, s:I, s:s, s:s, s:I, s:I}", "number", w->number,
	              "company", (json_int_t)w->company_id, "year", f->year, "units",
	              (json_int_t)f->units, "rate", (json_int_t)f->rate_cents, "total",
	              (json_int_t)f->total_cents, "issued", w->issued_on, "due", w->due_date, "now",
	              (json_int_t)socle_now_ms(), "by",
	              (json_int_t)membership_principal_id(w->req));
	json_object_set_new(p, "exc", f->exception_id > 0 ? json_integer(f->exception_id)
	                                                 : json_null());
	rc = socle_db_run(wdb,
		"INSERT INTO membership_invoice (number, company_id, year, units, amount_per_worker_cents,"
		" total_cents, fee_exception_id, issued_on, due_date, status, created_at, created_by)"
		" VALUES (:number, :company, :year, :units, :rate, :total, :exc, :issued, :due, 'issued',"
		" :now, :by)", p, err);
	json_decref(p);
	if (rc < 0)
		return rc;
	w->id = socle_db_last_insert_id(wdb);
	size_t i;
	const json_t *l;

	json_array_foreach(json_object_get(f->result, "lines"), i, l) {
		int64_t price = 0, amount = 0;

		membership_euros_to_cents(json_object_get(l, "unit_price"), &price);
		membership_euros_to_cents(json_object_get(l, "amount"), &amount);
		p = json_pack("{s:I, s:i, s:O, s:O, s:I, s:I}", "inv", (json_int_t)w->id, "pos",
		              (int)i + 1, "label", json_object_get(l, "label"), "qty",
		              json_object_get(l, "quantity"), "price", (json_int_t)price, "amount",
		              (json_int_t)amount);
		rc = socle_db_run(wdb,
			"INSERT INTO membership_invoice_line (invoice_id, position, label, quantity,"
			" unit_price_cents, amount_cents) VALUES (:inv, :pos, :label, :qty, :price, :amount)",
			p, err);
		json_decref(p);
		if (rc < 0)
			return rc;
	}
	json_t *detail = json_pack("{s:s, s:i, s:I, s:I}", "number", w->number, "year", f->year,
	                           "units", (json_int_t)f->units, "total_cents",
	                           (json_int_t)f->total_cents);
	struct socle_audit_entry e = {.action = "membership.invoice.issue", .object_type = "invoice",
	                              .object_id = w->id, .outcome = "ok", .detail = detail};

	rc = socle_audit(wdb, w->req, &e, err);
	json_decref(detail);
	if (rc != 0)
		return rc;
	json_t *ev = json_pack("{s:I, s:I, s:s, s:i, s:I}", "invoice_id", (json_int_t)w->id,
	                       "company_id", (json_int_t)w->company_id, "number", w->number, "year",
	                       f->year, "total_cents", (json_int_t)f->total_cents);

	rc = socle_event_emit(wdb, "invoice.issued", ev, err);
	json_decref(ev);
	return rc;
}

static const struct socle_field invoice_fields[] = {
	{.name = "year", .type = SOCLE_F_INT, .required = true, .min = YEAR_MIN, .max = YEAR_MAX},
};

static int64_t due_days_setting(socle_service *svc)
{
	const json_t *v = json_object_get(membership_settings(svc), "invoice_due_days");

	/* Payment terms between companies: 30 days by default, 60 at most (L441-10
	 * Code de commerce); a bad setting falls back to the default. */
	if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 60)
		return json_integer_value(v);
	return 30;
}

/* POST /membership/companies/{id}/invoices {year} */
static int route_invoice_post(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL;
	int64_t company_id;
	const json_t *body = socle_req_body(req);
	struct fee f;
	(void)ud;

	if (socle_req_param_id(req, "id", &company_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, MEMBERSHIP_ROLE_BILLING, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_fields_check(body, invoice_fields, SOCLE_COUNT(invoice_fields), NULL, &errors) > 0)
		return socle_reply_invalid(req, errors);
	int year = (int)json_integer_value(json_object_get(body, "year"));
	socle_service *svc = socle_req_service(req);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	/* Members are invoiced, and former members for the years they were
	 * members; an application under review or rejected is not. */
	json_t *p = json_pack("{s:I}", "id", (json_int_t)company_id);
	json_t *c = socle_db_query_one(db, "SELECT status FROM membership_company WHERE id = :id", p,
	                               &err);

	json_decref(p);
	if (c == NULL)
		return socle_reply_err(req, &err);
	const char *status = json_string_value(json_object_get(c, "status"));
	bool billable = status && (strcmp(status, "member") == 0 || strcmp(status, "left") == 0);

	json_decref(c);
	if (!billable)
		return socle_reply_error(req, 409, "conflict",
		                         "L'entreprise n'est pas adhérente : pas de cotisation à facturer.");
	if (membership_fee_compute(svc, db, company_id, year, &f, &err) != 0)
		return socle_reply_err(req, &err);
	if (!f.compliant) {
		socle_field_error(&errors, "amount_per_worker", "%s.", f.why);
		membership_fee_free(&f);
		return socle_reply_invalid(req, errors);
	}
	if (f.units == 0) {
		socle_field_error(&errors, "year", "Aucun salarié déclaré présent en %d : rien à "
		                  "facturer.", year);
		membership_fee_free(&f);
		return socle_reply_invalid(req, errors);
	}
	struct invoice_write w = {.req = req, .company_id = company_id, .fee = &f};
	int64_t today = membership_today_days();

	membership_date_of_days(today, w.issued_on);
	membership_date_of_days(today + due_days_setting(svc), w.due_date);
	int rc = socle_service_write(svc, invoice_store, &w, &err);

	membership_fee_free(&f);
	if (rc != 0)
		return socle_reply_err(req, &err);
	json_t *inv = membership_invoice_load(db, company_id, w.id, &err);

	return inv ? socle_reply_json(req, 201, inv) : socle_reply_err(req, &err);
}

/* GET /membership/companies/{id}/invoices: newest first, paginated. */
static int route_invoice_list(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, after;
	int limit;
	(void)ud;

	if (socle_req_param_id(req, "id", &company_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, MEMBERSHIP_ROLE_BILLING, &err) != 0)
		return socle_reply_err(req, &err);
	if (socle_req_page(req, &limit, &after, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);

	if (db == NULL)
		return socle_reply_err(req, &err);
	json_t *p = json_pack("{s:I, s:I, s:i}", "company", (json_int_t)company_id, "after",
	                      (json_int_t)after, "limit", limit);
	json_t *rows = socle_db_query(db,
		"SELECT id, number, year, units, amount_per_worker_cents, total_cents, issued_on,"
		" due_date, status, paid_on FROM membership_invoice WHERE company_id = :company"
		" AND (:after = 0 OR id < :after) ORDER BY id DESC LIMIT :limit", p, &err);

	json_decref(p);
	if (rows == NULL)
		return socle_reply_err(req, &err);
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r) {
		json_object_set_new(r, "amount_per_worker",
		                    membership_json_euros(json_integer_value(
		                            json_object_get(r, "amount_per_worker_cents"))));
		json_object_set_new(r, "total",
		                    membership_json_euros(
		                            json_integer_value(json_object_get(r, "total_cents"))));
		json_object_del(r, "amount_per_worker_cents");
		json_object_del(r, "total_cents");
	}
	return socle_reply_page(req, rows, limit, "id");
}

static int route_invoice_get(socle_req *req, void *ud)
{
	socle_err err = SOCLE_ERR_INIT;
	int64_t company_id, invoice_id;
	(void)ud;

	if (socle_req_param_id(req, "id", &company_id) != 0 ||
	    socle_req_param_id(req, "iid", &invoice_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, MEMBERSHIP_ROLE_BILLING, &err) != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *inv = db ? membership_invoice_load(db, company_id, invoice_id, &err) : NULL;

	return inv ? socle_reply_json(req, 200, inv) : socle_reply_err(req, &err);
}

/* paid / cancel: one transition of an issued invoice. */
struct invoice_change {
	socle_req *req;
	int64_t company_id, invoice_id;
	bool cancel;
	const char *paid_on;  /* paid */
	const char *reason;   /* cancel */
};

static int invoice_change_store(socle_db *wdb, void *ud, socle_err *err)
{
	struct invoice_change *c = ud;
	json_t *p = json_pack("{s:I, s:I}", "id", (json_int_t)c->invoice_id, "company",
	                      (json_int_t)c->company_id);
	json_t *inv = socle_db_query_one(wdb, "SELECT number, status, year FROM membership_invoice"
	                                      " WHERE id = :id AND company_id = :company", p, err);
	int rc;

	if (inv == NULL) {
		json_decref(p);
		return err->code == SOCLE_E_NOTFOUND
		               ? socle_err_set(err, SOCLE_E_NOTFOUND, "facture inconnue")
		               : err->code;
	}
	const char *status = json_string_value(json_object_get(inv, "status"));

	if (strcmp(status, "issued") != 0) {
		rc = socle_err_set(err, SOCLE_E_CONFLICT, "la facture %s est déjà %s",
		                   json_string_value(json_object_get(inv, "number")),
		                   strcmp(status, "paid") == 0 ? "payée" : "annulée");
		json_decref(inv);
		json_decref(p);
		return rc;
	}
	if (c->cancel) {
		json_object_set_new(p, "reason", json_string(c->reason));
		json_object_set_new(p, "now", json_integer(socle_now_ms()));
		rc = socle_db_run(wdb, "UPDATE membership_invoice SET status = 'cancelled',"
		                       " cancelled_at = :now, cancel_reason = :reason WHERE id = :id",
		                  p, err);
	} else {
		json_object_set_new(p, "paid_on", json_string(c->paid_on));
		rc = socle_db_run(wdb, "UPDATE membership_invoice SET status = 'paid', paid_on = :paid_on"
		                       " WHERE id = :id", p, err);
	}
	json_decref(p);
	if (rc < 0) {
		json_decref(inv);
		return rc;
	}
	json_t *detail = c->cancel ? json_pack("{s:O, s:s}", "number", json_object_get(inv, "number"),
	                                       "reason", c->reason)
	                           : json_pack("{s:O, s:s}", "number", json_object_get(inv, "number"),
	                                       "paid_on", c->paid_on);
	struct socle_audit_entry e = {
		.action = c->cancel ? "membership.invoice.cancel" : "membership.invoice.paid",
		.object_type = "invoice", .object_id = c->invoice_id, .outcome = "ok", .detail = detail};

	rc = socle_audit(wdb, c->req, &e, err);
	json_decref(detail);
	if (rc == 0) {
		json_t *ev = json_pack("{s:I, s:I, s:O, s:O}", "invoice_id", (json_int_t)c->invoice_id,
		                       "company_id", (json_int_t)c->company_id, "number",
		                       json_object_get(inv, "number"), "year",
		                       json_object_get(inv, "year"));

		rc = socle_event_emit(wdb, c->cancel ? "invoice.cancelled" : "invoice.paid", ev, err);
		json_decref(ev);
	}
	json_decref(inv);
	return rc;
}

static const struct socle_field paid_fields[] = {
	{.name = "paid_on", .type = SOCLE_F_DATE},
};

static int check_reason(const json_t *v, char *msg, size_t size)
{
	return membership_check_no_control(v, msg, size);
}

static const struct socle_field cancel_fields[] = {
	{.name = "reason", .type = SOCLE_F_STRING, .required = true, .min = 1, .max = 500,
	 .check = check_reason},
};

static int invoice_change(socle_req *req, bool cancel)
{
	socle_err err = SOCLE_ERR_INIT;
	json_t *errors = NULL, *empty = NULL;
	int64_t company_id, invoice_id;
	const json_t *body = socle_req_body(req);
	char today[11];

	if (socle_req_param_id(req, "id", &company_id) != 0 ||
	    socle_req_param_id(req, "iid", &invoice_id) != 0)
		return SOCLE_E_NOTFOUND;
	if (membership_company_access(req, company_id, NULL, &err) != 0)
		return socle_reply_err(req, &err);
	if (body == NULL)
		body = empty = json_object();
	if (cancel ? socle_fields_check(body, cancel_fields, SOCLE_COUNT(cancel_fields), NULL,
	                                &errors)
	           : socle_fields_check(body, paid_fields, SOCLE_COUNT(paid_fields), NULL, &errors)) {
		json_decref(empty);
		return socle_reply_invalid(req, errors);
	}
	membership_date_of_days(membership_today_days(), today);
	const char *paid_on = json_string_value(json_object_get(body, "paid_on"));

	if (!cancel && paid_on && strcmp(paid_on, today) > 0) {
		json_decref(empty);
		socle_field_error(&errors, "paid_on", "Ne peut pas être dans le futur.");
		return socle_reply_invalid(req, errors);
	}
	struct invoice_change c = {.req = req, .company_id = company_id, .invoice_id = invoice_id,
	                           .cancel = cancel, .paid_on = paid_on ? paid_on : today,
	                           .reason = json_string_value(json_object_get(body, "reason"))};
	int rc = socle_service_write(socle_req_service(req), invoice_change_store, &c, &err);

	json_decref(empty);
	if (rc != 0)
		return socle_reply_err(req, &err);
	socle_db *db = socle_req_reader(req, &err);
	json_t *inv = db ? membership_invoice_load(db, company_id, invoice_id, &err) : NULL;

	return inv ? socle_reply_json(req, 200, inv) : socle_reply_err(req, &err);
}

static int route_invoice_paid(socle_req *req, void *ud)
{
	(void)ud;
	return invoice_change(req, false);
}

static int route_invoice_cancel(socle_req *req, void *ud)
{
	(void)ud;
	return invoice_change(req, true);
}

/* ------------------------------------------------------------------- init */

/* Staff issue invoices and record payments; employers read through
 * record-level checks (role facturation). */
#define CAP_INVOICE "membership.invoice.manage"

static const struct socle_route invoice_routes[] = {
	{SOCLE_POST, "/membership/companies/{id}/invoices", CAP_INVOICE, 1024, route_invoice_post,
	 NULL},
	{SOCLE_GET, "/membership/companies/{id}/invoices", SOCLE_CAP_AUTHENTICATED, 0,
	 route_invoice_list, NULL},
	{SOCLE_GET, "/membership/companies/{id}/invoices/{iid}", SOCLE_CAP_AUTHENTICATED, 0,
	 route_invoice_get, NULL},
	{SOCLE_POST, "/membership/companies/{id}/invoices/{iid}/paid", CAP_INVOICE, 1024,
	 route_invoice_paid, NULL},
	{SOCLE_POST, "/membership/companies/{id}/invoices/{iid}/cancel", CAP_INVOICE, 4096,
	 route_invoice_cancel, NULL},
};

int membership_invoices_init(socle_plugin *p, socle_err *err)
{
	int rc;

	if ((rc = socle_plugin_add_capability(p, CAP_INVOICE, SOCLE_ROLES_STAFF, err)) ||
	    (rc = socle_plugin_add_routes(p, invoice_routes, SOCLE_COUNT(invoice_routes), err)))
		return rc;
	return 0;
}
