/*
 * The card-data scanner: the public API of probes/pan, shared with the
 * probes that look at other byte streams (pcap reassembles TCP payloads,
 * http reads bodies) and feed them here. DESIGN.md: a probe never includes
 * another probe's internals, so this header is the whole contract.
 *
 * What it finds in a byte stream (each a `struct pan_hit`):
 * - full card numbers (PANs): 13-19 digits, contiguous or grouped by one
 *   kind of single separator (space or dash) in card shapes (4-4-4-4,
 *   4-6-5, 4-4-4-4-3, ...), with a known IIN and length for the brand and
 *   a valid Luhn check digit; a China UnionPay number (62, 81) that fails
 *   Luhn is still reported, at low confidence (issuers' rules differ);
 * - track 1 (`%B PAN ^ NAME ^ YYMM ...`) and track 2 (`;PAN=YYMM...`,
 *   also `D` as the separator, as in EMV tag 57 dumps);
 * - CVV/CVC/CVN values with a label, near a card number;
 * - PIN blocks: 16 hex digits with a label (pinblock, field 52, DE52 ...);
 * - masked numbers (`622848******1234`, `**** **** **** 1234`): compliant
 *   masks (at most the first 6 and last 4 digits shown) and masks that show
 *   too much.
 *
 * How (probes/pan/README.md has the details and the sources):
 * - two stages: a fast pass classifies 64 bytes at a time (SSE2 where the
 *   compiler has it) into digit/mask-character and hex bitmasks and walks
 *   the runs with bit operations; only runs that chain into 13 or more
 *   digits, or 16 hex digits, reach the validating stage;
 * - streams are scanned in fixed blocks (PAN_BLOCK) with the context a
 *   decision needs carried over, so memory is bounded whatever the size
 *   and a card number split across two blocks is found once.
 *
 * Card data is radioactive: no hit carries the digits. `masked` keeps the
 * first 6 and last 4, `excerpt` is masked context, and `digest` is an
 * HMAC-SHA256 of the digits under the caller's key (a per-run random key,
 * so equal numbers can be matched within a run and not across runs).
 *
 * Thread safety: a `pan_config` is read-only and may be shared; a
 * `pan_stream` belongs to one thread at a time.
 */
#ifndef ASSAY_PROBES_PAN_SCAN_H
#define ASSAY_PROBES_PAN_SCAN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pan_kind {
	PAN_KIND_PAN,         /* a full card number */
	PAN_KIND_TRACK1,      /* magnetic-stripe track 1 data */
	PAN_KIND_TRACK2,      /* track 2 data (or its EMV tag 57 form) */
	PAN_KIND_CVV,         /* a labelled card verification value near card data */
	PAN_KIND_PIN_BLOCK,   /* a labelled 16-hex-digit PIN block */
	PAN_KIND_MASKED_OK,   /* a masked number showing at most 6 + 4 digits */
	PAN_KIND_MASKED_WIDE, /* a masked number showing more than 6 + 4 digits */
};

enum pan_brand {
	PAN_BRAND_NONE,
	PAN_BRAND_VISA,
	PAN_BRAND_MASTERCARD,
	PAN_BRAND_AMEX,
	PAN_BRAND_DISCOVER,
	PAN_BRAND_JCB,
	PAN_BRAND_DINERS,
	PAN_BRAND_MAESTRO,
	PAN_BRAND_UNIONPAY,
};

enum pan_confidence {
	PAN_CONF_LOW,    /* UnionPay prefix and length, Luhn fails */
	PAN_CONF_MEDIUM, /* valid, but Maestro's wide range or part of a longer digit chain */
	PAN_CONF_HIGH,   /* brand, length and Luhn all agree, clean boundaries */
};

enum pan_encoding {
	PAN_ENC_AUTO,    /* decide from the first bytes: BOM, else the NUL pattern */
	PAN_ENC_BYTES,   /* ASCII, UTF-8, Latin-1, binary: scanned as bytes */
	PAN_ENC_UTF16LE, /* each 16-bit unit below 0x80 scanned as its ASCII byte */
	PAN_ENC_UTF16BE,
};

#define PAN_MASKED_MAX  24  /* "411111*********1111" + NUL */
#define PAN_EXCERPT_MAX 120 /* masked context, printable UTF-8, NUL-terminated */
#define PAN_BLOCK       (1u << 20)

struct pan_hit {
	enum pan_kind kind;
	enum pan_brand brand; /* PAN, tracks, and masks whose shown digits name one */
	enum pan_confidence conf;
	/* Where: offset of the first byte in the stream's own bytes (UTF-16:
	 * byte offset of the unit), length in those bytes, 1-based line and
	 * column (column counts bytes, or UTF-16 units; 0 when unknown). */
	uint64_t offset;
	uint64_t length;
	uint64_t line, column;
	unsigned ndigits;              /* digits of the card number, 0 for CVV and PIN */
	char masked[PAN_MASKED_MAX];   /* "411111******1111"; "***" for a CVV */
	char excerpt[PAN_EXCERPT_MAX]; /* the hit in its context, masked */
	bool has_digest;
	uint8_t digest[32]; /* HMAC-SHA256(key, digits) when the config has a key */
};

struct pan_config {
	/* Skip the public test card numbers (pan_is_test_card()). */
	bool ignore_test_cards;
	/* Key for hit digests; NULL for none. Borrowed: must outlive the scans. */
	const uint8_t *hmac_key;
	size_t hmac_key_len;
	/* When set and true, hits carry an empty excerpt: the consumer keeps no
	 * more findings (the pan probe past its cap), and on card data dense
	 * enough to reach it, making excerpts was a tenth of the scan. */
	const atomic_bool *no_excerpts;
};

/* Called for every hit, in stream order. */
typedef void (*pan_hit_fn)(void *ctx, const struct pan_hit *hit);

/*
 * Keys and secrets (opt-in per stream, pan_stream_secrets(); the pan probe
 * turns it on, the pcap and http probes do not). Found in the same pass
 * over the same bytes, with the same lines (secret.c has the patterns):
 * - PEM private keys: PKCS#1 (RSA, DSA), SEC1 (EC), PKCS#8, OpenSSH, each
 *   confirmed by parsing (OpenSSL for PEM, the openssh-key-v1 layout for
 *   OpenSSH); encrypted ones (ENCRYPTED PRIVATE KEY, Proc-Type 4,ENCRYPTED,
 *   an OpenSSH cipher other than "none") and blocks that do not parse are
 *   kinds of their own;
 * - symmetric keys: a name ending in "key" assigned 32, 48 or 64 hex digits
 *   (double and triple DES, AES-128/192/256);
 * - hard-coded passwords and secrets: a name with password, passwd, pwd
 *   or secret (or an api key name) assigned a literal, in ini, YAML, JSON,
 *   properties, shell and code; AWS-style access key ids; JDBC URLs with a
 *   password.
 * Nothing of the key or the value is kept: a hit carries where, what kind,
 * the key type and size or the name and the value's length.
 */
enum pan_secret_kind {
	PAN_SECRET_PRIVATE_KEY,   /* a clear private key, parsed */
	PAN_SECRET_KEY_ENCRYPTED, /* an encrypted private key (not a finding by itself) */
	PAN_SECRET_KEY_UNPARSED,  /* a private-key PEM block that does not parse */
	PAN_SECRET_SYMMETRIC_KEY, /* a labelled hex key of a DES/AES length */
	PAN_SECRET_PASSWORD,      /* a password or secret assigned a literal */
	PAN_SECRET_API_KEY,       /* an api key assigned a literal */
	PAN_SECRET_ACCESS_KEY_ID, /* AKIA... / ASIA... */
	PAN_SECRET_JDBC,          /* a JDBC URL with a password in it */
	/*
	 * Not a secret: 40 or 64 hex digits standing alone, the shape of a
	 * SHA-1 or SHA-256 digest, decoded into digest (kept in memory by the
	 * caller, never written): the pan probe matches them against the
	 * truncated card numbers of the same file (UPD-07).
	 */
	PAN_SECRET_HEX_DIGEST,
};

struct pan_secret {
	enum pan_secret_kind kind;
	uint64_t offset; /* as pan_hit: the first byte (the BEGIN line, the name) */
	uint64_t line, column;
	char what[96];       /* "RSA (PKCS#1)", "ssh-ed25519 (OpenSSH)", "AKIA" ... */
	unsigned bits;       /* key size, 0 when unknown */
	char name[48];       /* the name a value is assigned to ("db_password") */
	unsigned value_len;  /* bytes of the value, never the value */
	uint8_t digest[32];  /* PAN_SECRET_HEX_DIGEST only */
	unsigned digest_len; /* 20 or 32 */
};

typedef void (*pan_secret_fn)(void *ctx, const struct pan_secret *s);

/* Counters of one stream, for facts and for the bench. */
struct pan_stream_stats {
	uint64_t bytes;        /* input bytes consumed (holes included) */
	uint64_t candidates;   /* digit chains that reached the validating stage */
	uint64_t test_ignored; /* test card numbers skipped (ignore_test_cards) */
	enum pan_encoding encoding;
};

struct pan_stream;

/* A stream scanner with its own PAN_BLOCK buffer; never NULL. */
struct pan_stream *pan_stream_new(const struct pan_config *cfg, pan_hit_fn fn, void *ctx);
void pan_stream_free(struct pan_stream *s);
/* Also look for keys and secrets, reported to fn with the stream's ctx
 * (until the stream is freed; NULL turns it off). */
void pan_stream_secrets(struct pan_stream *s, pan_secret_fn fn);
/* Also look for resident ID and mobile numbers (pii.h), reported to fn with
 * the stream's ctx and with offsets in the stream's bytes, as card hits
 * have them (NULL turns it off). */
struct pii_hit;
void pan_stream_pii(struct pan_stream *s, void (*fn)(void *ctx, const struct pii_hit *hit));
/* Start a new stream (a new file): offsets, lines and encoding reset. */
void pan_stream_reset(struct pan_stream *s, enum pan_encoding enc);

/* Feed bytes; hits are delivered from inside these calls. */
void pan_stream_write(struct pan_stream *s, const void *data, size_t n);
/*
 * Zero-copy feeding for read(2): a place for up to *n bytes, then commit
 * how many were put there. Do not write between the two calls.
 */
uint8_t *pan_stream_space(struct pan_stream *s, size_t *n);
void pan_stream_commit(struct pan_stream *s, size_t n);
/* n bytes of zeros (a hole of a sparse file): offsets move on, nothing is read. */
void pan_stream_skip(struct pan_stream *s, uint64_t n);
/* The stream ended: decide what was waiting for more bytes. */
void pan_stream_finish(struct pan_stream *s);
void pan_stream_stats(const struct pan_stream *s, struct pan_stream_stats *out);

/* One whole buffer as a stream of its own. Returns the number of hits. */
size_t pan_scan_buffer(const struct pan_config *cfg, const void *data, size_t n, pan_hit_fn fn,
                       void *ctx);

/*
 * The brand of a card number by its IIN (issuer identification number),
 * and whether n is a length that brand issues. digits are ASCII.
 */
enum pan_brand pan_brand_of(const char *digits, size_t n, bool *length_ok);
/* Whether the first n digits could start a card number of some brand. */
bool pan_prefix_plausible(const char *digits, size_t n);
/* Whether digits are one of the published test card numbers. */
bool pan_is_test_card(const char *digits, size_t n);

const char *pan_kind_name(enum pan_kind k);   /* "pan", "track2", "masked-too-wide" ... */
const char *pan_brand_name(enum pan_brand b); /* "visa", "unionpay" ... */
const char *pan_conf_name(enum pan_confidence c);
const char *pan_secret_kind_name(enum pan_secret_kind k); /* "private-key" ... */
/*
 * The JR/T 0171-2020 class of what a hit is (chapter 4): "C3" for
 * authentication data (track data, a CVV, a PIN block), "C2" for account
 * data (a full or masked card number).
 */
const char *pan_hit_class(const struct pan_hit *h);
/*
 * The severity of a finding for h where card data is at rest or in
 * transit: "critical" (track data, a CVV, a PIN block), "high" (a card
 * number), "low" (a UnionPay-like number failing Luhn), "medium" (a mask
 * that shows too much), "info" (a compliant mask).
 */
const char *pan_hit_severity(const struct pan_hit *h);

#endif
