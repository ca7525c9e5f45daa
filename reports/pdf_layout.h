/*
 * The PDF renderer's typesetting layer (reports/pdf_layout.c): an A4 page
 * model on cairo + pango with a cursor (struct pdf.y), flowing paragraphs
 * that break across pages line by line, headings kept with what follows,
 * and tables that break across pages and repeat their header row. It knows
 * nothing of the results model but the running header's text;
 * reports/pdf.c composes the report's sections with it. Internal to
 * reports/, not a renderer interface.
 */
#ifndef ASSAY_REPORTS_PDF_LAYOUT_H
#define ASSAY_REPORTS_PDF_LAYOUT_H

#include "reports/text.h"

#include <cairo.h>
#include <pango/pangocairo.h>

#include <stdbool.h>
#include <stddef.h>

#define PAGE_W         595.276 /* A4 in points */
#define PAGE_H         841.890
#define MARGIN_X       45.0
#define TOP            72.0
#define BOTTOM         (PAGE_H - 56.0)
#define CONTENT_W      (PAGE_W - 2 * MARGIN_X)
#define PAD            3.0
#define MAX_COLS       8
#define MAX_CELL_LINES 30
#define MAX_CELL_FACTS 12

#define FAMILY "WenQuanYi Micro Hei, Noto Sans CJK SC, Noto Sans CJK, sans-serif"

enum font { F_BODY, F_BOLD, F_SMALL, F_SMALL_BOLD, F_H1, F_H2, F_H3, F_TITLE, F__COUNT };

#define PDF_MAX_SECTIONS 16

struct col {
	double w;
	const char *head;
};

/*
 * Table cells repeat (a rule's title on each of its targets, verdict and
 * severity labels): shaping is most of the cost of a big report, so laid
 * out cells are kept by (font, width, text) in an open-addressed table,
 * kept across both passes and emptied whenever it is LC_FULL, at the
 * start of a row only (about 65,000 cells, some tens of MB).
 */
#define LC_SLOTS (1 << 17)
#define LC_FULL  (LC_SLOTS / 2)

struct lc_entry {
	char *key;
	PangoLayout *l;
};

struct lcache {
	struct lc_entry *e; /* LC_SLOTS */
	size_t n;
};

struct pdf {
	const struct results *r;
	struct rt t;
	cairo_surface_t *surf;
	cairo_t *cr;
	PangoLayout *lay;
	PangoLayout *cell[MAX_COLS]; /* the cells of the row being set, owned by lc */
	PangoFontMap *fontmap;
	PangoContext *ctx;
	PangoLayout *hdr_left, *hdr_right;
	struct lcache lc;
	PangoFontDescription *fn[F__COUNT];
	bool draw; /* pass 2 */
	int page, total;
	double y;
	int sec_page[PDF_MAX_SECTIONS];
	/* the open table, for repeating its header on a new page */
	const struct col *cols;
	size_t ncols;
	double grid_top; /* where the open table's column rules start on this page */
	double rule_y[128]; /* the row rules not yet drawn on this page */
	size_t nrules;
};

/* ---- text ---- */

void pdf_set_text(PangoLayout *l, PangoFontDescription *f, const char *s, double width);
double pdf_layout_h(PangoLayout *l);
double pdf_layout_w(PangoLayout *l);
/* One block at (x, y), no page break; drawn in pass 2 only; its height. */
double pdf_text_at(struct pdf *p, enum font f, const char *s, double x, double y, double width,
                   PangoAlignment al);
void pdf_rgb(struct pdf *p, unsigned c);
/* Start a page: header (after the cover) and footer "page x of y". */
void pdf_new_page(struct pdf *p);
/* Flowing text at the cursor, broken across pages line by line. */
void pdf_para(struct pdf *p, enum font f, const char *s, double indent);
void pdf_gap(struct pdf *p, double h);
/* A heading kept on one page with keep points of what follows. */
void pdf_heading(struct pdf *p, enum font f, const char *s, double keep);

/* ---- tables ---- */

void pdf_lc_clear(struct lcache *lc);
/* Open a table (caption may be NULL) and set its header row. */
void pdf_table_begin(struct pdf *p, const struct col *cols, size_t n, const char *caption);
void pdf_table_row(struct pdf *p, const char *const *cells);
/* A row set as brief (when not NULL) unless it starts a page, then as full. */
void pdf_table_row_alt(struct pdf *p, const char *const *full, const char *const *brief);
void pdf_table_end(struct pdf *p);

#endif
