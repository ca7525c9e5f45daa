/*
 * The PDF renderer's typesetting layer: see pdf_layout.h. Text is set with
 * pango_layout_set_text, never as markup; callers pass cleaned strings
 * (rt_clean), so nothing here sees a full card number.
 */
#include "reports/pdf_layout.h"
#include "lib/util.h"

#include <stdint.h>
#include <string.h>

/* ---- text primitives ---- */

void pdf_set_text(PangoLayout *l, PangoFontDescription *f, const char *s, double width)
{
	pango_layout_set_font_description(l, f);
	pango_layout_set_width(l, width > 0 ? (int)(width * PANGO_SCALE) : -1);
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_text(l, s, -1);
}

double pdf_layout_h(PangoLayout *l)
{
	int w, h;
	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

double pdf_layout_w(PangoLayout *l)
{
	int w, h;
	pango_layout_get_size(l, &w, &h);
	return (double)w / PANGO_SCALE;
}

/* One block at (x, y) without page breaking; returns its height. */
double pdf_text_at(struct pdf *p, enum font f, const char *s, double x, double y, double width,
                   PangoAlignment al)
{
	pdf_set_text(p->lay, p->fn[f], s, width);
	pango_layout_set_alignment(p->lay, al);
	double h = pdf_layout_h(p->lay);
	if (p->draw) {
		cairo_move_to(p->cr, x, y);
		pango_cairo_show_layout(p->cr, p->lay);
	}
	pango_layout_set_alignment(p->lay, PANGO_ALIGN_LEFT);
	return h;
}

void pdf_rgb(struct pdf *p, unsigned c)
{
	cairo_set_source_rgb(p->cr, ((c >> 16) & 0xff) / 255.0, ((c >> 8) & 0xff) / 255.0,
	                     (c & 0xff) / 255.0);
}

static void pdf_decorate(struct pdf *p)
{
	pdf_rgb(p, 0x57606a);
	if (p->page > 1) {
		/* The same two strings on every page: laid out once per pass. */
		if (!p->hdr_left) {
			p->hdr_left = pango_layout_new(p->ctx);
			pdf_set_text(p->hdr_left, p->fn[F_SMALL], rt_c(&p->t, p->r->plan_name),
			             CONTENT_W * 0.6);
			pango_layout_set_ellipsize(p->hdr_left, PANGO_ELLIPSIZE_END);
			pango_layout_set_height(p->hdr_left, -1);
			p->hdr_right = pango_layout_new(p->ctx);
			pdf_set_text(p->hdr_right, p->fn[F_SMALL],
			             rt_l(&p->t, "Compliance assessment report", "合规评估报告"),
			             CONTENT_W);
			pango_layout_set_alignment(p->hdr_right, PANGO_ALIGN_RIGHT);
		}
		cairo_move_to(p->cr, MARGIN_X, 36);
		pango_cairo_show_layout(p->cr, p->hdr_left);
		cairo_move_to(p->cr, MARGIN_X, 36);
		pango_cairo_show_layout(p->cr, p->hdr_right);
		cairo_set_line_width(p->cr, 0.5);
		cairo_move_to(p->cr, MARGIN_X, 50);
		cairo_line_to(p->cr, PAGE_W - MARGIN_X, 50);
		cairo_stroke(p->cr);
	}
	char *foot;
	if (p->t.en && p->t.zh)
		foot = xasprintf("Page %d of %d / 第 %d 页，共 %d 页", p->page, p->total, p->page,
		                 p->total);
	else if (p->t.en)
		foot = xasprintf("Page %d of %d", p->page, p->total);
	else
		foot = xasprintf("第 %d 页，共 %d 页", p->page, p->total);
	pdf_text_at(p, F_SMALL, foot, MARGIN_X, PAGE_H - 40, CONTENT_W, PANGO_ALIGN_CENTER);
	free(foot);
	pdf_rgb(p, 0x000000);
}

static void pdf_grid_close(struct pdf *p);

void pdf_new_page(struct pdf *p)
{
	if (p->cols)
		pdf_grid_close(p); /* the open table's column rules on the page it leaves */
	if (p->draw && p->page > 0)
		cairo_show_page(p->cr);
	p->page++;
	p->y = TOP;
	p->grid_top = p->y;
	if (p->draw)
		pdf_decorate(p);
}

/* Flowing text at the cursor, broken across pages line by line. */
void pdf_para(struct pdf *p, enum font f, const char *s, double indent)
{
	pdf_set_text(p->lay, p->fn[f], s, CONTENT_W - indent);
	PangoLayoutIter *it = pango_layout_get_iter(p->lay);
	do {
		PangoRectangle lg;
		pango_layout_iter_get_line_extents(it, NULL, &lg);
		double top = (double)lg.y / PANGO_SCALE, lh = (double)lg.height / PANGO_SCALE;
		double base = (double)pango_layout_iter_get_baseline(it) / PANGO_SCALE;
		if (p->y + lh > BOTTOM)
			pdf_new_page(p);
		if (p->draw) {
			cairo_move_to(p->cr, MARGIN_X + indent + (double)lg.x / PANGO_SCALE,
			              p->y + (base - top));
			pango_cairo_show_layout_line(p->cr,
			                             pango_layout_iter_get_line_readonly(it));
		}
		p->y += lh;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

void pdf_gap(struct pdf *p, double h)
{
	p->y += h;
}

void pdf_heading(struct pdf *p, enum font f, const char *s, double keep)
{
	pdf_set_text(p->lay, p->fn[f], s, CONTENT_W);
	double h = pdf_layout_h(p->lay);
	if (p->y + h + keep > BOTTOM)
		pdf_new_page(p);
	pdf_gap(p, f == F_H3 ? 6 : 0);
	pdf_para(p, f, s, 0);
	pdf_gap(p, 4);
}

/* ---- tables ---- */

void pdf_lc_clear(struct lcache *lc)
{
	for (size_t i = 0; i < LC_SLOTS && lc->n; i++) {
		if (!lc->e[i].key)
			continue;
		free(lc->e[i].key);
		g_object_unref(lc->e[i].l);
		lc->e[i].key = NULL;
		lc->n--;
	}
	lc->n = 0;
}

static PangoLayout *pdf_lc_get(struct pdf *p, enum font f, double width, const char *text)
{
	char *key = xasprintf("%d|%ld|%s", (int)f, (long)(width * 100), text);
	uint32_t h = 2166136261u; /* FNV-1a */
	for (const unsigned char *c = (const unsigned char *)key; *c; c++)
		h = (h ^ *c) * 16777619u;
	size_t i = h % LC_SLOTS;
	while (p->lc.e[i].key) {
		if (strcmp(p->lc.e[i].key, key) == 0) {
			free(key);
			return p->lc.e[i].l;
		}
		i = (i + 1) % LC_SLOTS;
	}
	PangoLayout *l = pango_layout_new(p->ctx);
	pdf_set_text(l, p->fn[f], text, width);
	pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
	pango_layout_set_height(l, -MAX_CELL_LINES);
	p->lc.e[i] = (struct lc_entry){key, l};
	p->lc.n++;
	return l;
}

static double pdf_row_height(struct pdf *p, const char *const *cells, bool header)
{
	double h = 0;
	if (p->lc.n >= LC_FULL)
		pdf_lc_clear(&p->lc);
	for (size_t i = 0; i < p->ncols; i++) {
		PangoLayout *l = pdf_lc_get(p, header ? F_SMALL_BOLD : F_SMALL,
		                            p->cols[i].w - 2 * PAD, cells[i] ? cells[i] : "");
		p->cell[i] = l;
		double ch = pdf_layout_h(l);
		if (ch > h)
			h = ch;
	}
	return h + 2 * PAD;
}

/*
 * The grid: a rule under each row, and the column rules drawn once per page
 * from the table's top there to its bottom (pdf_grid_close). Per-cell
 * rectangles cost cairo's PDF surface more than the text they frame.
 */
static double table_w(const struct pdf *p)
{
	double w = 0;
	for (size_t i = 0; i < p->ncols; i++)
		w += p->cols[i].w;
	return w;
}

/* The row rules kept so far, in one path. */
static void pdf_rules_flush(struct pdf *p)
{
	if (!p->nrules)
		return;
	double w = table_w(p);
	cairo_set_line_width(p->cr, 0.4);
	pdf_rgb(p, 0xb0b7bf);
	for (size_t i = 0; i < p->nrules; i++) {
		cairo_move_to(p->cr, MARGIN_X, p->rule_y[i]);
		cairo_line_to(p->cr, MARGIN_X + w, p->rule_y[i]);
	}
	cairo_stroke(p->cr);
	pdf_rgb(p, 0x000000);
	p->nrules = 0;
}

static void pdf_grid_close(struct pdf *p)
{
	if (!p->draw || !p->ncols)
		return;
	pdf_rules_flush(p);
	if (p->y <= p->grid_top)
		return;
	double x = MARGIN_X;
	cairo_set_line_width(p->cr, 0.4);
	pdf_rgb(p, 0xb0b7bf);
	for (size_t i = 0; i <= p->ncols; i++) {
		cairo_move_to(p->cr, x, p->grid_top);
		cairo_line_to(p->cr, x, p->y);
		if (i < p->ncols)
			x += p->cols[i].w;
	}
	cairo_stroke(p->cr);
	pdf_rgb(p, 0x000000);
}

/* Draw the row whose cells pdf_row_height() just laid out. */
static void pdf_row_draw(struct pdf *p, double h, bool header)
{
	if (!p->draw) {
		p->y += h;
		return;
	}
	if (header) {
		pdf_rgb(p, 0xeef1f4);
		cairo_rectangle(p->cr, MARGIN_X, p->y, table_w(p), h);
		cairo_fill(p->cr);
		pdf_rgb(p, 0x000000);
		p->grid_top = p->y;
		if (p->nrules == sizeof(p->rule_y) / sizeof(p->rule_y[0]))
			pdf_rules_flush(p);
		p->rule_y[p->nrules++] = p->y;
	}
	if (p->nrules == sizeof(p->rule_y) / sizeof(p->rule_y[0]))
		pdf_rules_flush(p);
	p->rule_y[p->nrules++] = p->y + h;
	double x = MARGIN_X;
	for (size_t i = 0; i < p->ncols; i++) {
		cairo_move_to(p->cr, x + PAD, p->y + PAD);
		pango_cairo_show_layout(p->cr, p->cell[i]);
		x += p->cols[i].w;
	}
	p->y += h;
}

static void pdf_table_header(struct pdf *p)
{
	const char *heads[MAX_COLS];
	for (size_t i = 0; i < p->ncols; i++)
		heads[i] = p->cols[i].head;
	double h = pdf_row_height(p, heads, true);
	pdf_row_draw(p, h, true);
}

void pdf_table_begin(struct pdf *p, const struct col *cols, size_t n, const char *caption)
{
	/* Keep the caption and header with at least a short first row. */
	if (p->y + 70 > BOTTOM)
		pdf_new_page(p);
	if (caption) {
		pdf_rgb(p, 0x57606a);
		if (p->draw)
			cairo_set_source_rgb(p->cr, 0.34, 0.38, 0.42);
		pdf_para(p, F_BOLD, caption, 0);
		pdf_rgb(p, 0x000000);
		pdf_gap(p, 2);
	}
	/* Open from here: a page break now closes this table's grid. */
	p->cols = cols;
	p->ncols = n < MAX_COLS ? n : MAX_COLS;
	p->nrules = 0;
	pdf_table_header(p);
}

/*
 * A row that may be set briefly (brief, when not NULL) unless it starts a
 * page, where it is set in full (full).
 */
void pdf_table_row_alt(struct pdf *p, const char *const *full, const char *const *brief)
{
	double h = pdf_row_height(p, brief ? brief : full, false);
	if (p->y + h > BOTTOM) {
		pdf_new_page(p);
		pdf_table_header(p);
		/* The header's layouts replaced the row's: lay it out again. */
		h = pdf_row_height(p, full, false);
	}
	pdf_row_draw(p, h, false);
}

void pdf_table_row(struct pdf *p, const char *const *cells)
{
	pdf_table_row_alt(p, cells, NULL);
}

void pdf_table_end(struct pdf *p)
{
	pdf_grid_close(p);
	p->cols = NULL;
	p->ncols = 0;
	pdf_gap(p, 10);
}
