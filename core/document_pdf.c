/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Documents, part two: a checked description laid out on A4 pages as PDF.
 *
 * pango shapes and breaks the text (DejaVu Sans, Debian's fonts-dejavu-core,
 * language "fr", hyphenation off: a word cut across two lines is a misreading
 * waiting to happen in a medical or legal text), cairo draws the pages. The
 * layout runs twice: a first pass only measures, to know the number of pages
 * that "Page n sur N" prints on each; the second draws. Every page carries the
 * service's identity at its top (logo when a PNG is configured, legal name,
 * address, phone) and, at its bottom, the number of the issued document, its
 * verification code and the address that checks it, and the page number.
 *
 * Tagged where cairo 1.16 allows: headings are PDF structure elements (H1,
 * H2) and named destinations with an outline entry each, links are link
 * annotations (the verification address, paragraphs given a url). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <stdatomic.h>

#include "document_core.h"

#define PAGE_W 595.276 /* A4 in PostScript points */
#define PAGE_H 841.890
#define MARGIN_X 56.69 /* 2 cm */
#define HEADER_TOP 36.0
#define FOOTER_TOP (PAGE_H - 62.0)
#define BODY_BOTTOM (PAGE_H - 74.0)
#define FONT_FAMILY "DejaVu Sans"
#define BODY_SIZE 10.0
#define PAD 4.0 /* inside table cells */
#define LOGO_H 42.0

/* A layout of the measuring pass, kept for the drawing pass. */
struct cached {
	PangoLayout *l;
	char *text; /* as given, before typography */
	double size, width;
	bool bold, raw;
	PangoAlignment align;
};

struct pdf {
	struct cached *cache; /* the measuring pass's layouts, in call order */
	size_t n_cache, cap_cache, next_cache;
	const socle_service *svc;
	const json_t *doc;
	const struct doc_stamp *stamp;
	PangoContext *pc;
	cairo_surface_t *surface; /* NULL while measuring */
	cairo_t *cr;              /* NULL while measuring */
	cairo_surface_t *logo;    /* the service's PNG, or NULL */
	int page, pages;
	double y, top;
	int dest_seq;
	unsigned char *buf;
	size_t len, cap;
	bool oom;
};

static atomic_bool fonts_used;

static const double width_body = PAGE_W - 2 * MARGIN_X;

static cairo_status_t sink(void *closure, const unsigned char *data, unsigned int length)
{
	struct pdf *p = closure;

	if (p->len + length > p->cap) {
		size_t cap = p->cap ? p->cap : 65536;

		while (cap < p->len + length)
			cap *= 2;
		unsigned char *nb = realloc(p->buf, cap);

		if (nb == NULL) {
			p->oom = true;
			return CAIRO_STATUS_WRITE_ERROR;
		}
		p->buf = nb;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, data, length);
	p->len += length;
	return CAIRO_STATUS_SUCCESS;
}

static const char *sget(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* A laid-out text: typography applied (unless @p raw), no hyphenation, words
 * kept whole unless longer than a line. */
static PangoLayout *layout_new(struct pdf *p, const char *s, double size, bool bold,
                               double width, PangoAlignment align, bool raw)
{
	PangoLayout *l = pango_layout_new(p->pc);
	PangoFontDescription *fd = pango_font_description_new();
	PangoAttrList *attrs = pango_attr_list_new();
	char *t = raw ? NULL : doc_typo(s ? s : "");

	pango_font_description_set_family(fd, FONT_FAMILY);
	pango_font_description_set_size(fd, (gint)(size * PANGO_SCALE));
	pango_font_description_set_weight(fd, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
	pango_layout_set_attributes(l, attrs);
	pango_attr_list_unref(attrs);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, align);
	pango_layout_set_text(l, t ? t : (s ? s : ""), -1);
	free(t);
	return l;
}

/* The drawing pass asks for the same layouts in the same order as the
 * measuring pass (plus the footers, drawn only then): each is taken from the
 * cache, lines already broken, when the next cached one was made from the
 * same text and parameters; any other is made afresh. The cache only saves
 * work: a miss costs a new layout, never a different page. */
static PangoLayout *layout(struct pdf *p, const char *s, double size, bool bold, double width,
                           PangoAlignment align, bool raw)
{
	const char *text = s ? s : "";

	if (p->cr != NULL && p->next_cache < p->n_cache) {
		struct cached *c = &p->cache[p->next_cache];

		if (c->size == size && c->width == width && c->bold == bold && c->raw == raw &&
		    c->align == align && strcmp(c->text, text) == 0) {
			p->next_cache++;
			return g_object_ref(c->l);
		}
	}
	PangoLayout *l = layout_new(p, s, size, bold, width, align, raw);

	if (p->cr == NULL) {
		if (p->n_cache == p->cap_cache) {
			size_t cap = p->cap_cache ? 2 * p->cap_cache : 64;
			struct cached *nc = realloc(p->cache, cap * sizeof(*nc));

			if (nc == NULL)
				return l; /* no cache: only slower */
			p->cache = nc;
			p->cap_cache = cap;
		}
		char *copy = strdup(text);

		if (copy != NULL) {
			p->cache[p->n_cache++] = (struct cached){.l = g_object_ref(l), .text = copy,
			                                         .size = size, .width = width,
			                                         .bold = bold, .raw = raw,
			                                         .align = align};
		}
	}
	return l;
}

static double height_of(PangoLayout *l)
{
	int w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

static void show(struct pdf *p, PangoLayout *l, double x, double y)
{
	if (p->cr == NULL)
		return;
	cairo_move_to(p->cr, x, y);
	pango_cairo_show_layout(p->cr, l);
}

static void rule(struct pdf *p, double x0, double y, double x1, double w, double grey)
{
	if (p->cr == NULL)
		return;
	cairo_save(p->cr);
	cairo_set_source_rgb(p->cr, grey, grey, grey);
	cairo_set_line_width(p->cr, w);
	cairo_move_to(p->cr, x0, y);
	cairo_line_to(p->cr, x1, y);
	cairo_stroke(p->cr);
	cairo_restore(p->cr);
}

/* ---- page furniture ------------------------------------------------------------------------ */

static double header(struct pdf *p)
{
	const json_t *id = socle_service_identity(p->svc);
	const char *name = sget(id, "legal_name") ? sget(id, "legal_name") : socle_service_name(p->svc);
	double x = MARGIN_X, logo_w = 0, h;

	if (p->logo != NULL) {
		double iw = cairo_image_surface_get_width(p->logo);
		double ih = cairo_image_surface_get_height(p->logo);
		double k = ih > 0 ? LOGO_H / ih : 1;

		logo_w = iw * k;
		if (p->cr) {
			cairo_save(p->cr);
			cairo_translate(p->cr, x, HEADER_TOP);
			cairo_scale(p->cr, k, k);
			/* a filled rectangle, not cairo_paint: a paint inside the
			 * structure tree makes cairo 1.16 report a tag error */
			cairo_set_source_surface(p->cr, p->logo, 0, 0);
			cairo_rectangle(p->cr, 0, 0, iw, ih);
			cairo_fill(p->cr);
			cairo_restore(p->cr);
		}
		x += logo_w + 10;
	}
	char *lines = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&lines, &len);

	if (f == NULL)
		return 60;
	if (sget(id, "address"))
		fprintf(f, "%s\n", sget(id, "address"));
	if (sget(id, "phone"))
		fprintf(f, "Tél. %s", sget(id, "phone"));
	fclose(f);
	PangoLayout *ln = layout(p, name, 11, true, PAGE_W - MARGIN_X - x, PANGO_ALIGN_LEFT, true);
	PangoLayout *la = layout(p, lines ? lines : "", 8.5, false, PAGE_W - MARGIN_X - x,
	                         PANGO_ALIGN_LEFT, true);
	double hn = height_of(ln);

	show(p, ln, x, HEADER_TOP);
	if (p->cr)
		cairo_set_source_rgb(p->cr, 0.25, 0.25, 0.25);
	if (lines && *lines)
		show(p, la, x, HEADER_TOP + hn + 1);
	if (p->cr)
		cairo_set_source_rgb(p->cr, 0, 0, 0);
	h = hn + 1 + (lines && *lines ? height_of(la) : 0);
	if (h < (p->logo ? LOGO_H : 0))
		h = LOGO_H;
	g_object_unref(ln);
	g_object_unref(la);
	free(lines);
	rule(p, MARGIN_X, HEADER_TOP + h + 6, PAGE_W - MARGIN_X, 0.8, 0.3);
	return HEADER_TOP + h + 20;
}

static void footer(struct pdf *p)
{
	char left[600], right[64], day[SOCLE_DATE_SIZE], fr[SOCLE_DATE_FR_SIZE];

	if (p->cr == NULL)
		return;
	rule(p, MARGIN_X, FOOTER_TOP, PAGE_W - MARGIN_X, 0.5, 0.5);
	if (p->stamp) {
		doc_day_of(p->stamp->issued_at_ms, day);
		socle_date_fr(day, fr);
		snprintf(left, sizeof(left), "Document n° %s émis le %s. Code de vérification\u00a0: %s",
		         p->stamp->number, fr, p->stamp->code);
	} else {
		snprintf(left, sizeof(left), "Aperçu\u00a0: document non émis, sans numéro ni code de "
		         "vérification.");
	}
	snprintf(right, sizeof(right), "Page %d sur %d", p->page, p->pages);
	PangoLayout *l = layout(p, left, 7.5, false, width_body - 80, PANGO_ALIGN_LEFT, true);
	PangoLayout *r = layout(p, right, 7.5, false, 80, PANGO_ALIGN_RIGHT, true);

	cairo_set_source_rgb(p->cr, 0.2, 0.2, 0.2);
	show(p, l, MARGIN_X, FOOTER_TOP + 5);
	show(p, r, PAGE_W - MARGIN_X - 80, FOOTER_TOP + 5);
	double y = FOOTER_TOP + 5 + height_of(l) + 1;

	g_object_unref(l);
	g_object_unref(r);
	if (p->stamp && p->stamp->verify_url) {
		char line[700], attr[800];

		snprintf(line, sizeof(line), "Vérifier ce document\u00a0: %s", p->stamp->verify_url);
		snprintf(attr, sizeof(attr), "uri='%s'", p->stamp->verify_url);
		l = layout(p, line, 7.5, false, width_body, PANGO_ALIGN_LEFT, true);
		cairo_tag_begin(p->cr, CAIRO_TAG_LINK, attr);
		show(p, l, MARGIN_X, y);
		cairo_tag_end(p->cr, CAIRO_TAG_LINK);
		g_object_unref(l);
	}
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void new_page(struct pdf *p)
{
	if (p->page > 0) {
		footer(p);
		if (p->cr)
			cairo_show_page(p->cr);
	}
	p->page++;
	p->top = header(p);
	p->y = p->top;
}

/* Room for @p h more points on this page, or a new page (never for a page
 * that is still empty: what is taller than a page is drawn anyway). */
static void ensure(struct pdf *p, double h)
{
	if (p->y + h > BODY_BOTTOM && p->y > p->top + 0.5)
		new_page(p);
}

static void tag(struct pdf *p, const char *name, bool begin);

/* A layout line by line, breaking pages between lines. @p uri: each line is
 * a link to it. @p leaf: the structure element the text is in, closed before
 * a page break and opened again after it (cairo 1.16 cannot carry marked
 * content over a page). */
static void flow(struct pdf *p, PangoLayout *l, double x, const char *uri, const char *leaf)
{
	PangoLayoutIter *it = pango_layout_get_iter(l);

	do {
		PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
		PangoRectangle logical;
		int y0, y1;

		pango_layout_iter_get_line_yrange(it, &y0, &y1);
		pango_layout_iter_get_line_extents(it, NULL, &logical);
		double lh = (double)(y1 - y0) / PANGO_SCALE;
		double base = (double)(pango_layout_iter_get_baseline(it) - y0) / PANGO_SCALE;

		if (p->y + lh > BODY_BOTTOM && p->y > p->top + 0.5) {
			if (leaf)
				tag(p, leaf, false);
			new_page(p);
			if (leaf)
				tag(p, leaf, true);
		}
		if (p->cr) {
			char attr[2100];

			if (uri) {
				snprintf(attr, sizeof(attr), "uri='%s'", uri);
				cairo_tag_begin(p->cr, CAIRO_TAG_LINK, attr);
			}
			cairo_move_to(p->cr, x + (double)logical.x / PANGO_SCALE, p->y + base);
			pango_cairo_show_layout_line(p->cr, line);
			if (uri)
				cairo_tag_end(p->cr, CAIRO_TAG_LINK);
		}
		p->y += lh;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

/* A structure element of the tagged PDF around what follows (drawing pass). */
static void tag(struct pdf *p, const char *name, bool begin)
{
	if (p->cr == NULL)
		return;
	if (begin)
		cairo_tag_begin(p->cr, name, "");
	else
		cairo_tag_end(p->cr, name);
}

static void heading(struct pdf *p, const char *text, double size, const char *tag)
{
	PangoLayout *l = layout(p, text, size, true, width_body, PANGO_ALIGN_LEFT, false);
	double h = height_of(l);
	char dest[32], attr[64];

	/* with room for the first lines of what follows */
	ensure(p, h + (strcmp(tag, "H1") == 0 ? 0 : 48));
	if (p->cr) {
		snprintf(dest, sizeof(dest), "s%d", ++p->dest_seq);
		snprintf(attr, sizeof(attr), "name='%s'", dest);
		/* the destination outside the heading's element: nested in it,
		 * cairo 1.16 fails an assertion when it writes the structure tree */
		cairo_tag_begin(p->cr, CAIRO_TAG_DEST, attr);
		cairo_tag_begin(p->cr, tag, "");
		cairo_set_source_rgb(p->cr, 0.11, 0.31, 0.57);
		show(p, l, MARGIN_X, p->y);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		cairo_tag_end(p->cr, tag);
		cairo_tag_end(p->cr, CAIRO_TAG_DEST);
		snprintf(attr, sizeof(attr), "dest='%s'", dest);
		char *t = doc_typo(text);

		cairo_pdf_surface_add_outline(p->surface, CAIRO_PDF_OUTLINE_ROOT, t ? t : text, attr,
		                              0);
		free(t);
	}
	p->y += h + size * 0.5;
	g_object_unref(l);
}

/* ---- blocks -------------------------------------------------------------------------------- */

struct cols {
	size_t n;
	double x[13], w[13];
	PangoAlignment align[12];
};

static void columns(const json_t *t, size_t n, struct cols *c)
{
	const json_t *widths = json_object_get(t, "widths"), *align = json_object_get(t, "align");
	double total = 0;

	c->n = n;
	for (size_t i = 0; i < n; i++)
		total += widths ? json_number_value(json_array_get(widths, i)) : 1.0;
	double x = MARGIN_X;

	for (size_t i = 0; i < n; i++) {
		double wt = widths ? json_number_value(json_array_get(widths, i)) : 1.0;
		const char *a = json_string_value(json_array_get(align, i));

		c->x[i] = x;
		c->w[i] = width_body * wt / total;
		x += c->w[i];
		c->align[i] = a == NULL || strcmp(a, "left") == 0 ? PANGO_ALIGN_LEFT
		            : strcmp(a, "right") == 0           ? PANGO_ALIGN_RIGHT
		                                                : PANGO_ALIGN_CENTER;
	}
}

/* One row of cells; @p shade: a header row. Returns its height. */
static double table_row(struct pdf *p, const json_t *row, const struct cols *c, bool bold,
                        bool shade, bool draw)
{
	PangoLayout *ls[12];
	double h = 0;

	for (size_t i = 0; i < c->n; i++) {
		ls[i] = layout(p, json_string_value(json_array_get(row, i)), 9, bold,
		               c->w[i] - 2 * PAD, c->align[i], false);
		double ch = height_of(ls[i]) + 2 * PAD;

		if (ch > h)
			h = ch;
	}
	if (draw && p->cr) {
		if (shade) {
			cairo_save(p->cr);
			cairo_set_source_rgb(p->cr, 0.9, 0.92, 0.95);
			cairo_rectangle(p->cr, c->x[0], p->y, width_body, h);
			cairo_fill(p->cr);
			cairo_restore(p->cr);
		}
		tag(p, "TR", true);
		for (size_t i = 0; i < c->n; i++) {
			tag(p, bold ? "TH" : "TD", true);
			show(p, ls[i], c->x[i] + PAD, p->y + PAD);
			tag(p, bold ? "TH" : "TD", false);
		}
		tag(p, "TR", false);
		rule(p, c->x[0], p->y + h, MARGIN_X + width_body, 0.4, 0.6);
	}
	for (size_t i = 0; i < c->n; i++)
		g_object_unref(ls[i]);
	return h;
}

static void table(struct pdf *p, const json_t *t)
{
	const json_t *header = json_object_get(t, "header"), *rows = json_object_get(t, "rows");
	const json_t *row;
	struct cols c;
	size_t i;

	columns(t, header ? json_array_size(header) : json_array_size(json_array_get(rows, 0)), &c);
	tag(p, "Table", true);
	double hh = header ? table_row(p, header, &c, true, true, false) : 0;

	json_array_foreach(rows, i, row) {
		double h = table_row(p, row, &c, false, false, false);

		/* the header row goes with the first row, and again on each new page */
		int before = p->page;

		ensure(p, (i == 0 ? hh : 0) + h);
		if (header && (i == 0 || p->page != before)) {
			table_row(p, header, &c, true, true, true);
			p->y += hh;
		}
		table_row(p, row, &c, false, false, true);
		p->y += h;
	}
	tag(p, "Table", false);
	p->y += 8;
}

static void fields(struct pdf *p, const json_t *f)
{
	const json_t *row;
	struct cols c = {.n = 2, .x = {MARGIN_X, MARGIN_X + width_body / 3},
	                 .w = {width_body / 3, width_body * 2 / 3}};
	size_t i;

	tag(p, "Table", true);
	json_array_foreach(f, i, row) {
		PangoLayout *ll = layout(p, json_string_value(json_array_get(row, 0)), 9.5, true,
		                         c.w[0] - 2 * PAD, PANGO_ALIGN_LEFT, false);
		PangoLayout *lv = layout(p, json_string_value(json_array_get(row, 1)), 9.5, false,
		                         c.w[1] - 2 * PAD, PANGO_ALIGN_LEFT, false);
		double h = height_of(ll) > height_of(lv) ? height_of(ll) : height_of(lv);

		ensure(p, h + 2 * PAD);
		tag(p, "TR", true);
		tag(p, "TH", true);
		show(p, ll, c.x[0] + PAD, p->y + PAD);
		tag(p, "TH", false);
		tag(p, "TD", true);
		show(p, lv, c.x[1] + PAD, p->y + PAD);
		tag(p, "TD", false);
		tag(p, "TR", false);
		p->y += h + 2 * PAD;
		g_object_unref(ll);
		g_object_unref(lv);
	}
	tag(p, "Table", false);
	p->y += 8;
}

static void block(struct pdf *p, const json_t *b)
{
	const json_t *v;
	size_t i;

	if (sget(b, "paragraph")) {
		const char *uri = sget(b, "url");
		PangoLayout *l = layout(p, sget(b, "paragraph"), BODY_SIZE,
		                        json_is_true(json_object_get(b, "strong")), width_body,
		                        PANGO_ALIGN_LEFT, false);

		if (uri && p->cr)
			cairo_set_source_rgb(p->cr, 0.11, 0.31, 0.57);
		tag(p, "P", true);
		flow(p, l, MARGIN_X, uri, "P");
		tag(p, "P", false);
		if (uri && p->cr)
			cairo_set_source_rgb(p->cr, 0, 0, 0);
		p->y += BODY_SIZE * 0.6;
		g_object_unref(l);
	} else if (json_object_get(b, "list")) {
		tag(p, "L", true);
		json_array_foreach(json_object_get(b, "list"), i, v) {
			PangoLayout *l = layout(p, json_string_value(v), BODY_SIZE, false, width_body - 16,
			                        PANGO_ALIGN_LEFT, false);
			PangoLayout *bullet = layout(p, "•", BODY_SIZE, false, 12, PANGO_ALIGN_LEFT, true);

			ensure(p, BODY_SIZE * 1.3);
			tag(p, "LI", true);
			show(p, bullet, MARGIN_X + 4, p->y);
			flow(p, l, MARGIN_X + 16, NULL, "LI");
			tag(p, "LI", false);
			p->y += 2;
			g_object_unref(l);
			g_object_unref(bullet);
		}
		tag(p, "L", false);
		p->y += BODY_SIZE * 0.6;
	} else if (json_object_get(b, "table")) {
		table(p, json_object_get(b, "table"));
	} else if (json_object_get(b, "fields")) {
		fields(p, json_object_get(b, "fields"));
	}
}

static void signature(struct pdf *p, const json_t *sig)
{
	char line[600] = "", fr[SOCLE_DATE_FR_SIZE];
	double x = MARGIN_X + width_body / 2, w = width_body / 2;

	if (sget(sig, "place") || sget(sig, "date")) {
		snprintf(line, sizeof(line), "Fait%s%s%s%s", sget(sig, "place") ? " à " : "",
		         sget(sig, "place") ? sget(sig, "place") : "",
		         sget(sig, "date") && socle_date_fr(sget(sig, "date"), fr) ? ", le " : "",
		         sget(sig, "date") ? fr : "");
	}
	PangoLayout *ld = layout(p, line, BODY_SIZE, false, w, PANGO_ALIGN_LEFT, false);
	PangoLayout *ln = layout(p, sget(sig, "name") ? sget(sig, "name") : "", BODY_SIZE, true, w,
	                         PANGO_ALIGN_LEFT, false);
	PangoLayout *lr = layout(p, sget(sig, "role") ? sget(sig, "role") : "", BODY_SIZE, false, w,
	                         PANGO_ALIGN_LEFT, false);
	double space = 36; /* for the hand-written signature or the stamp */
	double h = height_of(ld) + space + height_of(ln) + height_of(lr) + 20;

	p->y += 12;
	ensure(p, h); /* the block stays on one page */
	if (*line) {
		show(p, ld, x, p->y);
		p->y += height_of(ld);
	}
	p->y += space;
	rule(p, x, p->y, x + w * 0.8, 0.5, 0.4);
	p->y += 4;
	show(p, ln, x, p->y);
	p->y += height_of(ln);
	show(p, lr, x, p->y);
	p->y += height_of(lr);
	g_object_unref(ld);
	g_object_unref(ln);
	g_object_unref(lr);
}

/* One pass over the description: measuring (p->cr NULL) or drawing. */
static void lay_out(struct pdf *p)
{
	const json_t *s, *b;
	size_t i, j;

	p->page = 0;
	p->dest_seq = 0;
	/* cairo 1.16 writes the structure tree only under one root element */
	tag(p, "Document", true);
	new_page(p);
	heading(p, sget(p->doc, "title"), 16, "H1");
	if (sget(p->doc, "subtitle")) {
		PangoLayout *l = layout(p, sget(p->doc, "subtitle"), 11, false, width_body,
		                        PANGO_ALIGN_LEFT, false);

		flow(p, l, MARGIN_X, NULL, NULL);
		p->y += 8;
		g_object_unref(l);
	}
	json_array_foreach(json_object_get(p->doc, "sections"), i, s) {
		if (sget(s, "heading")) {
			p->y += 6;
			heading(p, sget(s, "heading"), 12.5, "H2");
		}
		json_array_foreach(json_object_get(s, "blocks"), j, b)
			block(p, b);
	}
	if (json_object_get(p->doc, "signature"))
		signature(p, json_object_get(p->doc, "signature"));
	footer(p);
	tag(p, "Document", false);
}

static void iso_time(int64_t ms, char out[32])
{
	char day[SOCLE_DATE_SIZE];
	int64_t s = ms / 1000 % 86400;

	if (s < 0)
		s += 86400;
	doc_day_of(ms, day);
	snprintf(out, 32, "%sT%02d:%02d:%02dZ", day, (int)(s / 3600), (int)(s / 60 % 60),
	         (int)(s % 60));
}

int doc_render_pdf(const socle_service *svc, const json_t *doc, const struct doc_stamp *stamp,
                   unsigned char **out, size_t *out_len, socle_err *err)
{
	struct pdf p = {.svc = svc, .doc = doc, .stamp = stamp};
	const char *logo = json_string_value(json_object_get(socle_service_identity(svc),
	                                                     "logo_file"));
	cairo_font_options_t *fo = cairo_font_options_create();

	*out = NULL;
	*out_len = 0;
	atomic_store(&fonts_used, true);
	/* One point of text is one PDF unit, metrics unhinted: the measuring pass
	 * and the drawing pass break lines at the same places. */
	p.pc = pango_font_map_create_context(pango_cairo_font_map_get_default());
	pango_cairo_context_set_resolution(p.pc, 72.0);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(p.pc, fo);
	cairo_font_options_destroy(fo);
	pango_context_set_language(p.pc, pango_language_from_string("fr-fr"));
	if (logo && strlen(logo) > 4 && strcmp(logo + strlen(logo) - 4, ".png") == 0) {
		p.logo = cairo_image_surface_create_from_png(logo);
		if (cairo_surface_status(p.logo) != CAIRO_STATUS_SUCCESS) {
			socle_log(SOCLE_LOG_WARN, "service %s : logo %s illisible, documents sans logo",
			          socle_service_id(svc), logo);
			cairo_surface_destroy(p.logo);
			p.logo = NULL;
		}
	}
	lay_out(&p);
	p.pages = p.page;

	p.surface = cairo_pdf_surface_create_for_stream(sink, &p, PAGE_W, PAGE_H);
	p.cr = cairo_create(p.surface);
	const json_t *id = socle_service_identity(svc);
	char when[32];
	char *title = doc_typo(sget(doc, "title"));

	iso_time(stamp ? stamp->issued_at_ms : socle_now_ms(), when);
	cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_TITLE,
	                               title ? title : sget(doc, "title"));
	cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_AUTHOR,
	                               sget(id, "legal_name") ? sget(id, "legal_name")
	                                                      : socle_service_name(svc));
	cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATOR, "Socle");
	cairo_pdf_surface_set_metadata(p.surface, CAIRO_PDF_METADATA_CREATE_DATE, when);
	free(title);
	lay_out(&p);
	cairo_status_t st = cairo_status(p.cr);

	cairo_destroy(p.cr);
	cairo_surface_finish(p.surface);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(p.surface);
	cairo_surface_destroy(p.surface);
	if (p.logo)
		cairo_surface_destroy(p.logo);
	for (size_t i = 0; i < p.n_cache; i++) {
		g_object_unref(p.cache[i].l);
		free(p.cache[i].text);
	}
	free(p.cache);
	g_object_unref(p.pc);
	if (p.oom || st != CAIRO_STATUS_SUCCESS) {
		free(p.buf);
		if (p.oom)
			return socle_err_set(err, SOCLE_E_NOMEM, "mémoire insuffisante");
		socle_log(SOCLE_LOG_ERROR, "document « %s » : cairo : %s", sget(doc, "title"),
		          cairo_status_to_string(st));
		return socle_err_set(err, SOCLE_E_INTERNAL, "PDF : %s", cairo_status_to_string(st));
	}
	if (p.pages != p.page) /* both passes must agree, or "Page n sur N" lies */
		socle_log(SOCLE_LOG_WARN, "document : %d pages mesurées, %d dessinées", p.pages, p.page);
	*out = p.buf;
	*out_len = p.len;
	return 0;
}

void doc_release_fonts(void)
{
	/* Each thread that rendered has its own pango font map, dropped when the
	 * thread ends; this one's is dropped here. Then the caches behind them:
	 * without this every process that rendered a document ends with
	 * fontconfig's patterns still allocated (what LeakSanitizer reports). */
	if (!atomic_exchange(&fonts_used, false))
		return;
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}
