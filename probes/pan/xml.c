/*
 * The text of office XML parts (OOXML: docx, xlsx, pptx; ODF content.xml),
 * streamed: tags are dropped, entities decoded, and the tags that end a
 * paragraph, a cell or a row become a newline.
 *
 * Why not scan the XML as it is: Word splits text into runs wherever the
 * formatting or the edit history changes, so a number typed in two goes is
 * `<w:t>4111 1111</w:t></w:r><w:r><w:t> 1111 1111</w:t>` in the file; run
 * tags must vanish for the number to be whole again. And why not drop all
 * tags: adjacent cells (`<c><v>4111..</v></c><c><v>12</v></c>`) would glue
 * into one longer digit run. Line numbers in findings count the newlines
 * made here (paragraphs, cells), which is what a reader of the document
 * can find; offsets are in the extracted text.
 */
#include "probes/pan/pan_int.h"

#include <string.h>

enum { X_TEXT, X_NAME, X_TAG, X_ENT };

void pan_xml_init(struct pan_xml *x)
{
	memset(x, 0, sizeof(*x));
	x->state = X_TEXT;
}

bool pan_xml_member(const char *name)
{
	size_t n = strlen(name);
	if (n < 5 || strcmp(name + n - 4, ".xml") != 0)
		return false;
	return strncmp(name, "word/", 5) == 0 || strncmp(name, "xl/", 3) == 0 ||
	       strncmp(name, "ppt/", 4) == 0 || strcmp(name, "content.xml") == 0;
}

/* Local names (after the prefix) of the elements that break the text. */
static const char *const breaks[] = {
    "p", "tc", "tr", "br",         "cr",        "c",          "v",   "si", "row",
    "f", "is", "h",  "table-cell", "table-row", "line-break", "tab", "s",
};

/* What an element leaves in the text: '\n', ' ' for a tab, or nothing (0). */
static char break_of(const char *name)
{
	const char *local = strrchr(name, ':');
	local = local ? local + 1 : name;
	for (size_t i = 0; i < sizeof(breaks) / sizeof(breaks[0]); i++)
		if (strcmp(local, breaks[i]) == 0)
			return strcmp(local, "tab") == 0 ? ' ' : '\n';
	return 0;
}

struct out {
	struct pan_stream *s;
	uint8_t buf[4096];
	size_t n;
};

static void put(struct out *o, uint8_t c)
{
	if (o->n == sizeof(o->buf)) {
		pan_stream_write(o->s, o->buf, o->n);
		o->n = 0;
	}
	o->buf[o->n++] = c;
}

/* A decoded character reference as UTF-8. */
static void put_code(struct out *o, unsigned long cp)
{
	if (cp < 0x80) {
		put(o, (uint8_t)cp);
	} else if (cp < 0x800) {
		put(o, (uint8_t)(0xC0 | cp >> 6));
		put(o, (uint8_t)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		put(o, (uint8_t)(0xE0 | cp >> 12));
		put(o, (uint8_t)(0x80 | ((cp >> 6) & 0x3F)));
		put(o, (uint8_t)(0x80 | (cp & 0x3F)));
	} else {
		put(o, '?');
	}
}

static void entity(struct pan_xml *x, struct out *o)
{
	x->ent[x->nent] = '\0';
	static const char *const names[] = {"amp", "lt", "gt", "quot", "apos"};
	static const char chars[] = "&<>\"'";
	for (size_t i = 0; i < 5; i++)
		if (strcmp(x->ent, names[i]) == 0) {
			put(o, (uint8_t)chars[i]);
			return;
		}
	if (x->ent[0] == '#') {
		bool hex = x->ent[1] == 'x' || x->ent[1] == 'X';
		unsigned long cp = 0;
		bool ok = x->ent[hex ? 2 : 1] != '\0';
		for (const char *p = x->ent + (hex ? 2 : 1); *p && ok; p++) {
			int d = *p >= '0' && *p <= '9' ? *p - '0'
			        : hex && (*p | 0x20) >= 'a' && (*p | 0x20) <= 'f'
			            ? (*p | 0x20) - 'a' + 10
			            : -1;
			ok = d >= 0 && (hex || d < 10) && cp < 0x110000;
			cp = cp * (hex ? 16 : 10) + (unsigned long)d;
		}
		if (ok) {
			put_code(o, cp);
			return;
		}
	}
	/* not an entity we know: keep it as it was */
	put(o, '&');
	for (size_t i = 0; i < x->nent; i++)
		put(o, (uint8_t)x->ent[i]);
	put(o, ';');
}

void pan_xml_feed(struct pan_xml *x, struct pan_stream *s, const uint8_t *p, size_t n)
{
	struct out o = {.s = s, .n = 0};
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		switch (x->state) {
		case X_TEXT:
			if (c == '<') {
				x->state = X_NAME;
				x->nname = 0;
				x->closing = false;
			} else if (c == '&') {
				x->state = X_ENT;
				x->nent = 0;
			} else {
				put(&o, c);
			}
			break;
		case X_NAME:
			if (c == '/' && x->nname == 0 && !x->closing) {
				x->closing = true;
			} else if (c == '>' || c == ' ' || c == '/' || c == '\t' || c == '\r' ||
			           c == '\n') {
				x->name[x->nname < sizeof(x->name) ? x->nname
				                                   : sizeof(x->name) - 1] = '\0';
				x->state = X_TAG;
				if (c == '>')
					i--; /* the tag ends here: let X_TAG see it */
			} else if (x->nname < sizeof(x->name) - 1) {
				x->name[x->nname++] = (char)c;
			} else {
				x->nname = sizeof(x->name); /* too long to be one we know */
			}
			break;
		case X_TAG:
			if (c == '>') {
				x->state = X_TEXT;
				char br = x->nname < sizeof(x->name) ? break_of(x->name) : 0;
				if (br)
					put(&o, (uint8_t)br);
			}
			break;
		case X_ENT:
			if (c == ';') {
				entity(x, &o);
				x->state = X_TEXT;
			} else if (x->nent < sizeof(x->ent) - 2 && c != '<' && c != '&') {
				x->ent[x->nent++] = (char)c;
			} else {
				/* a bare '&': give back what was held */
				put(&o, '&');
				for (size_t k = 0; k < x->nent; k++)
					put(&o, (uint8_t)x->ent[k]);
				x->state = X_TEXT;
				i--;
			}
			break;
		}
	}
	if (o.n)
		pan_stream_write(s, o.buf, o.n);
}
