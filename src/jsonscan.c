/*-------------------------------------------------------------------------
 *
 * jsonscan.c
 *		Fast, incremental scan of a JSON:API page into column values (see
 *		jsonscan.h for the contract).
 *
 * Why: building a json-c tree costs a malloc per value and a hash table per
 * object, and was most of a full scan's CPU time.  A list page is a very
 * regular document, so a scanner that walks it once and copies out only the
 * wanted values does a fraction of that work.
 *
 * How it stays safe:
 *	- It is strict and small: anything it is not sure about (escapes in
 *	  member names, objects in a wanted attribute, arrays json-c would
 *	  print differently,
 *	  repeated members, \u0000, surrogate escapes, deep nesting,
 *	  truncation, ...) makes it bail, and the caller parses the whole body
 *	  with json-c as before.
 *	- It is resumable only between top-level members and between records:
 *	  a step that runs out of bytes is simply tried again, from the same
 *	  place, once the body has grown to about twice what that step saw, so
 *	  a huge value cannot make the rescans quadratic.
 *	- UTF-8 is checked by the caller on every byte of the body.
 *
 *-------------------------------------------------------------------------
 */
#include "jsonscan.h"
#include "recshape.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deepest nesting a skipped value may reach (json-c allows ITG_JSON_MAX_DEPTH). */
#define SCAN_MAX_DEPTH 32
/* Member positions whose attribute match is remembered between records. */
/* Results larger than this are left to json-c (and its limits). */
#define SCAN_MAX_RESULT_BYTES ((size_t) 256 * 1024 * 1024)

typedef enum Step
{
	STEP_OK,
	STEP_MORE,
	STEP_BAIL
} Step;

typedef enum ScanState
{
	ST_TOP_OPEN,				/* before the top-level '{' */
	ST_TOP_FIRST_MEMBER,		/* after '{' */
	ST_TOP_MEMBER,				/* after ',' between top-level members */
	ST_TOP_AFTER_VALUE,			/* after a top-level member's value */
	ST_DATA_FIRST,				/* after "data": [ */
	ST_DATA_NEXT,				/* after ',' between records */
	ST_DATA_AFTER,				/* after a record */
	ST_END,						/* after the top-level '}' */
	ST_DONE,
	ST_BAIL
} ScanState;

/* A value found: text is at text + off (NUL terminated), except for null and absent. */
typedef struct ScanValue
{
	ItgJsonKind kind;
	size_t		off;
	size_t		len;
} ScanValue;


struct ItgScan
{
	/* what to copy out */
	ItgRecordShape shape;		/* slots of the requested attributes */
	bool		single;			/* "data" is one object (a show response) */

	/* where the scan is */
	ScanState	state;
	size_t		pos;			/* body offset where the next step starts */
	size_t		retry_at;		/* body length worth trying the step again at */
	bool		seen_data;
	bool		seen_meta;
	int64_t		meta[ITG_META_NKEYS];

	/* what was copied out */
	size_t		nrecords;
	size_t		records_cap;
	ScanValue  *ids;			/* one per record */
	ScanValue  *values;			/* nattrs per record */
	char	   *text;
	size_t		text_len;
	size_t		text_cap;
};

typedef struct Cursor
{
	const char *body;
	const char *p;
	const char *end;
} Cursor;


/* ---------- results ---------- */

/* Room for n more bytes of text; false past the size bound or out of memory. */
static bool
reserve_text(ItgScan *s, size_t n)
{
	size_t		cap;
	char	   *grown;

	if (s->text_len + n <= s->text_cap)
		return true;
	if (s->text_len + n > SCAN_MAX_RESULT_BYTES)
		return false;
	cap = s->text_cap ? s->text_cap : 65536;
	while (cap < s->text_len + n)
		cap *= 2;
	grown = realloc(s->text, cap);
	if (grown == NULL)
		return false;
	s->text = grown;
	s->text_cap = cap;
	return true;
}

/* Append bytes plus a NUL; the value's offset and length go to out. */
static bool
append_text(ItgScan *s, const char *src, size_t n, ScanValue *out)
{
	if (!reserve_text(s, n + 1))
		return false;
	memcpy(s->text + s->text_len, src, n);
	s->text[s->text_len + n] = '\0';
	out->off = s->text_len;
	out->len = n;
	s->text_len += n + 1;
	return true;
}

/* Room for one more record's id and values. */
static bool
reserve_record(ItgScan *s)
{
	size_t		cap;
	size_t		per = (size_t) (s->shape.nattrs > 0 ? s->shape.nattrs : 1);
	ScanValue  *ids;
	ScanValue  *values;

	if (s->nrecords < s->records_cap)
		return true;
	cap = s->records_cap ? s->records_cap * 2 : 256;
	if (cap * (per + 1) * sizeof(ScanValue) > SCAN_MAX_RESULT_BYTES)
		return false;
	ids = realloc(s->ids, cap * sizeof(ScanValue));
	if (ids == NULL)
		return false;
	s->ids = ids;
	values = realloc(s->values, cap * per * sizeof(ScanValue));
	if (values == NULL)
		return false;
	s->values = values;
	s->records_cap = cap;
	return true;
}

/* ---------- tokens ---------- */

static inline void
skip_ws(Cursor *c)
{
	while (c->p < c->end &&
		   (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
		c->p++;
}

/* Skip white space; MORE when the body ends there. */
static inline Step
next_token(Cursor *c)
{
	skip_ws(c);
	return c->p < c->end ? STEP_OK : STEP_MORE;
}

static inline bool
is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int
hex_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * scan_string
 *		At a '"': find the end of the string, checking its escapes.  The raw
 *		text between the quotes is returned, and whether it has escapes.
 */
static Step
scan_string(Cursor *c, const char **raw, size_t *raw_len, bool *escaped)
{
	const char *q = c->p + 1;

	*escaped = false;
	for (;;)
	{
		unsigned char ch;

		if (q >= c->end)
			return STEP_MORE;
		ch = (unsigned char) *q;
		if (ch == '"')
			break;
		if (ch < 0x20)
			return STEP_BAIL;	/* raw control character */
		if (ch != '\\')
		{
			q++;
			continue;
		}
		*escaped = true;
		if (q + 1 >= c->end)
			return STEP_MORE;
		switch (q[1])
		{
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				q += 2;
				break;
			case 'u':
				if (c->end - q < 6)
					return STEP_MORE;
				for (int k = 2; k < 6; k++)
					if (hex_value(q[k]) < 0)
						return STEP_BAIL;
				q += 6;
				break;
			default:
				return STEP_BAIL;
		}
	}
	*raw = c->p + 1;
	*raw_len = (size_t) (q - *raw);
	c->p = q + 1;
	return STEP_OK;
}

/*
 * decode_string
 *		Copy a string's raw text (checked by scan_string) into the results,
 *		decoding escapes.  Bails on \u0000 (no text type holds it) and on
 *		surrogate escapes (json-c's way with them is left to json-c).
 */
static Step
decode_string(ItgScan *s, const char *raw, size_t n, bool escaped, ScanValue *out)
{
	char	   *dst;
	size_t		i = 0;

	if (!escaped)
		return append_text(s, raw, n, out) ? STEP_OK : STEP_BAIL;
	/* Decoding never makes a string longer. */
	if (!reserve_text(s, n + 1))
		return STEP_BAIL;
	dst = s->text + s->text_len;
	while (i < n)
	{
		char		ch = raw[i];
		unsigned	cp;

		if (ch != '\\')
		{
			*dst++ = ch;
			i++;
			continue;
		}
		switch (raw[i + 1])
		{
			case 'b':
				*dst++ = '\b';
				break;
			case 'f':
				*dst++ = '\f';
				break;
			case 'n':
				*dst++ = '\n';
				break;
			case 'r':
				*dst++ = '\r';
				break;
			case 't':
				*dst++ = '\t';
				break;
			case 'u':
				cp = (unsigned) (hex_value(raw[i + 2]) << 12 | hex_value(raw[i + 3]) << 8 |
								 hex_value(raw[i + 4]) << 4 | hex_value(raw[i + 5]));
				if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF))
					return STEP_BAIL;
				if (cp < 0x80)
					*dst++ = (char) cp;
				else if (cp < 0x800)
				{
					*dst++ = (char) (0xC0 | (cp >> 6));
					*dst++ = (char) (0x80 | (cp & 0x3F));
				}
				else
				{
					*dst++ = (char) (0xE0 | (cp >> 12));
					*dst++ = (char) (0x80 | ((cp >> 6) & 0x3F));
					*dst++ = (char) (0x80 | (cp & 0x3F));
				}
				i += 6;
				continue;
			default:			/* '"', '\\', '/' */
				*dst++ = raw[i + 1];
				break;
		}
		i += 2;
	}
	*dst = '\0';
	out->off = s->text_len;
	out->len = (size_t) (dst - (s->text + s->text_len));
	s->text_len += out->len + 1;
	return STEP_OK;
}

/* A literal (true, false, null) spelled exactly. */
static Step
scan_literal(Cursor *c, const char *lit, size_t n)
{
	size_t		avail = (size_t) (c->end - c->p);

	if (avail < n)
		return memcmp(c->p, lit, avail) == 0 ? STEP_MORE : STEP_BAIL;
	if (memcmp(c->p, lit, n) != 0)
		return STEP_BAIL;
	c->p += n;
	return STEP_OK;
}

/* Skip the digits at q; MORE when the body ends in them. */
static inline Step
skip_digits(Cursor *c, const char **q)
{
	while (*q < c->end && is_digit(**q))
		(*q)++;
	return *q < c->end ? STEP_OK : STEP_MORE;
}

/* The integer part of a number, -?(0|[1-9][0-9]*); *q is left after it. */
static Step
scan_int_part(Cursor *c, const char **q)
{
	*q = c->p;
	if (**q == '-')
		(*q)++;
	if (*q >= c->end)
		return STEP_MORE;
	if (**q == '0')
		(*q)++;
	else if (**q >= '1' && **q <= '9')
	{
		if (skip_digits(c, q) != STEP_OK)
			return STEP_MORE;
	}
	else
		return STEP_BAIL;
	return *q < c->end ? STEP_OK : STEP_MORE;
}

/* One or more digits at *q (a fraction's or an exponent's). */
static Step
skip_required_digits(Cursor *c, const char **q)
{
	if (*q >= c->end)
		return STEP_MORE;
	if (!is_digit(**q))
		return STEP_BAIL;
	return skip_digits(c, q) == STEP_OK ? STEP_OK : STEP_MORE;
}

/* Any JSON number, checked against the grammar of RFC 8259. */
static Step
skip_number(Cursor *c)
{
	const char *q;
	Step		r;

	if ((r = scan_int_part(c, &q)) != STEP_OK)
		return r;
	if (*q == '.')
	{
		q++;
		if ((r = skip_required_digits(c, &q)) != STEP_OK)
			return r;
	}
	if (*q == 'e' || *q == 'E')
	{
		q++;
		if (q < c->end && (*q == '+' || *q == '-'))
			q++;
		if ((r = skip_required_digits(c, &q)) != STEP_OK)
			return r;
	}
	c->p = q;
	return STEP_OK;
}

/*
 * scan_int
 *		An integer, of any length: its text is handed on as it is (jsonapi.c
 *		keeps the same text when json-c reads the page).  A number with a
 *		fraction or an exponent bails.
 */
static Step
scan_int(Cursor *c, const char **start, size_t *len)
{
	const char *q;
	Step		r;

	if ((r = scan_int_part(c, &q)) != STEP_OK)
		return r;
	if (*q == '.' || *q == 'e' || *q == 'E')
		return STEP_BAIL;
	*start = c->p;
	*len = (size_t) (q - c->p);
	c->p = q;
	return STEP_OK;
}

/*
 * scan_number
 *		Any number, its text exactly as sent: an integer of any length, or
 *		with a fraction or an exponent (1.50, -0, 1e400) a double.
 */
static Step
scan_number(ItgScan *s, Cursor *c, ScanValue *out)
{
	const char *start = c->p;
	Step		r;

	if ((r = skip_number(c)) != STEP_OK)
		return r;
	out->kind = ITG_JSON_INT;
	for (const char *q = start; q < c->p; q++)
		if (*q == '.' || *q == 'e' || *q == 'E')
			out->kind = ITG_JSON_DOUBLE;
	return append_text(s, start, (size_t) (c->p - start), out) ? STEP_OK : STEP_BAIL;
}

/* A member name without escapes, then the ':' and the start of its value. */
static Step
scan_key(Cursor *c, const char **key, size_t *key_len)
{
	const char *q = c->p + 1;
	Step		r;

	while (q < c->end && *q != '"')
	{
		if (*q == '\\' || (unsigned char) *q < 0x20)
			return STEP_BAIL;
		q++;
	}
	if (q >= c->end)
		return STEP_MORE;
	*key = c->p + 1;
	*key_len = (size_t) (q - *key);
	c->p = q + 1;
	if ((r = next_token(c)) != STEP_OK)
		return r;
	if (*c->p != ':')
		return STEP_BAIL;
	c->p++;
	return next_token(c);
}

static inline bool
key_is(const char *key, size_t key_len, const char *name)
{
	size_t		n = strlen(name);

	return key_len == n && memcmp(key, name, n) == 0;
}

/*
 * After a member or element: ',' (then the next one must follow) or the
 * closing character.  *closed says which.
 */
static Step
scan_separator(Cursor *c, char close, bool *closed)
{
	Step		r;

	if ((r = next_token(c)) != STEP_OK)
		return r;
	if (*c->p == close)
	{
		c->p++;
		*closed = true;
		return STEP_OK;
	}
	if (*c->p != ',')
		return STEP_BAIL;
	c->p++;
	*closed = false;
	return next_token(c);
}

/* Any JSON value, checked but not kept. */
static Step
skip_value(Cursor *c, int depth)
{
	Step		r;
	bool		closed;
	const char *raw;
	size_t		raw_len;
	bool		escaped;

	switch (*c->p)
	{
		case '"':
			return scan_string(c, &raw, &raw_len, &escaped);
		case 't':
			return scan_literal(c, "true", 4);
		case 'f':
			return scan_literal(c, "false", 5);
		case 'n':
			return scan_literal(c, "null", 4);
		case '{':
		case '[':
			{
				char		close = *c->p == '{' ? '}' : ']';

				if (depth >= SCAN_MAX_DEPTH)
					return STEP_BAIL;
				c->p++;
				if ((r = next_token(c)) != STEP_OK)
					return r;
				if (*c->p == close)
				{
					c->p++;
					return STEP_OK;
				}
				for (;;)
				{
					if (close == '}')
					{
						if (*c->p != '"')
							return STEP_BAIL;
						if ((r = scan_string(c, &raw, &raw_len, &escaped)) != STEP_OK)
							return r;
						if ((r = next_token(c)) != STEP_OK)
							return r;
						if (*c->p != ':')
							return STEP_BAIL;
						c->p++;
						if ((r = next_token(c)) != STEP_OK)
							return r;
					}
					if ((r = skip_value(c, depth + 1)) != STEP_OK)
						return r;
					if ((r = scan_separator(c, close, &closed)) != STEP_OK)
						return r;
					if (closed)
						return STEP_OK;
				}
			}
		default:
			if (*c->p == '-' || is_digit(*c->p))
				return skip_number(c);
			return STEP_BAIL;
	}
}

/*
 * scan_plain_array
 *		An array json-c would print back byte for byte (its JSON text is the
 *		value handed on): no white space, numbers, strings without escapes,
 *		literals, nested arrays.  Anything else bails.
 */
static Step
scan_plain_array(Cursor *c, int depth)
{
	const char *raw;
	size_t		len;
	bool		escaped;
	Step		r;

	if (depth >= SCAN_MAX_DEPTH)
		return STEP_BAIL;
	c->p++;
	if (c->p >= c->end)
		return STEP_MORE;
	if (*c->p == ']')
	{
		c->p++;
		return STEP_OK;
	}
	for (;;)
	{
		switch (*c->p)
		{
			case '[':
				r = scan_plain_array(c, depth + 1);
				break;
			case '"':
				r = scan_string(c, &raw, &len, &escaped);
				if (r == STEP_OK && escaped)
					r = STEP_BAIL;	/* json-c may write escapes differently */
				break;
			case 't':
				r = scan_literal(c, "true", 4);
				break;
			case 'f':
				r = scan_literal(c, "false", 5);
				break;
			case 'n':
				r = scan_literal(c, "null", 4);
				break;
			default:
				if (*c->p != '-' && !is_digit(*c->p))
					return STEP_BAIL;
				r = skip_number(c);
				break;
		}
		if (r != STEP_OK)
			return r;
		if (c->p >= c->end)
			return STEP_MORE;
		if (*c->p == ']')
		{
			c->p++;
			return STEP_OK;
		}
		if (*c->p != ',')
			return STEP_BAIL;
		c->p++;
		if (c->p >= c->end)
			return STEP_MORE;
	}
}

/* A wanted attribute's value: string, null, boolean, number or plain array. */
static Step
scan_scalar(ItgScan *s, Cursor *c, ScanValue *out)
{
	const char *raw;
	size_t		len;
	bool		escaped;
	Step		r;

	switch (*c->p)
	{
		case '"':
			if ((r = scan_string(c, &raw, &len, &escaped)) != STEP_OK)
				return r;
			out->kind = ITG_JSON_STRING;
			return decode_string(s, raw, len, escaped, out);
		case 'n':
			if ((r = scan_literal(c, "null", 4)) != STEP_OK)
				return r;
			out->kind = ITG_JSON_NULL;
			out->off = out->len = 0;
			return STEP_OK;
		case 't':
		case 'f':
			{
				bool		t = *c->p == 't';

				if ((r = scan_literal(c, t ? "true" : "false", t ? 4 : 5)) != STEP_OK)
					return r;
				out->kind = ITG_JSON_BOOL;
				return append_text(s, t ? "true" : "false", t ? 4 : 5, out) ?
					STEP_OK : STEP_BAIL;
			}
		case '[':
			raw = c->p;
			if ((r = scan_plain_array(c, 5)) != STEP_OK)
				return r;
			out->kind = ITG_JSON_ARRAY;
			return append_text(s, raw, (size_t) (c->p - raw), out) ? STEP_OK : STEP_BAIL;
		default:
			if (*c->p != '-' && !is_digit(*c->p))
				return STEP_BAIL;	/* objects, anything else */
			return scan_number(s, c, out);
	}
}

/* The "attributes" object of a record, at its '{'. */
static Step
scan_attributes(ItgScan *s, Cursor *c, ScanValue *vals)
{
	Step		r;
	bool		closed;
	int			position = 0;

	c->p++;
	if ((r = next_token(c)) != STEP_OK)
		return r;
	if (*c->p == '}')
	{
		c->p++;
		return STEP_OK;
	}
	for (;;)
	{
		const char *key;
		size_t		key_len;
		int			slot;

		if (*c->p != '"')
			return STEP_BAIL;
		if ((r = scan_key(c, &key, &key_len)) != STEP_OK)
			return r;
		slot = itg_shape_slot(&s->shape, key, key_len, position++);
		if (slot < 0)
			r = skip_value(c, 4);
		else if (vals[slot].kind != ITG_JSON_ABSENT)
			return STEP_BAIL;	/* named twice: json-c keeps the last */
		else if ((r = scan_scalar(s, c, &vals[slot])) == STEP_OK)
		{
			/* A name asked for twice fills every slot that asked. */
			for (int i = itg_shape_same_name(&s->shape, slot); i >= 0;
				 i = itg_shape_same_name(&s->shape, i))
				vals[i] = vals[slot];
		}
		if (r != STEP_OK)
			return r;
		if ((r = scan_separator(c, '}', &closed)) != STEP_OK)
			return r;
		if (closed)
			return STEP_OK;
	}
}

/* A record's "id": a string or an integer (of any length). */
static Step
scan_id(ItgScan *s, Cursor *c, ScanValue *id)
{
	Step		r;

	if (*c->p != '"' && *c->p != '-' && !is_digit(*c->p))
		return STEP_BAIL;		/* json-c's error message says what is wrong */
	if ((r = scan_scalar(s, c, id)) == STEP_OK && id->kind == ITG_JSON_DOUBLE)
		return STEP_BAIL;		/* likewise */
	return r;
}

/*
 * scan_record
 *		One resource object, at its '{', as a whole: on MORE or BAIL nothing
 *		of it is kept.
 */
static Step
scan_record(ItgScan *s, Cursor *c)
{
	size_t		text_mark = s->text_len;
	ScanValue  *vals;
	bool		have_id = false;
	bool		have_attrs = false;
	bool		closed;
	Step		r;

	if (!reserve_record(s))
		return STEP_BAIL;
	vals = s->values + s->nrecords * (size_t) s->shape.nattrs;
	for (int i = 0; i < s->shape.nattrs; i++)
		vals[i].kind = ITG_JSON_ABSENT;

	c->p++;
	if ((r = next_token(c)) != STEP_OK)
		goto out;
	if (*c->p == '}')
		return STEP_BAIL;		/* no id */
	for (;;)
	{
		const char *key;
		size_t		key_len;

		if (*c->p != '"')
			return STEP_BAIL;
		if ((r = scan_key(c, &key, &key_len)) != STEP_OK)
			goto out;
		if (key_is(key, key_len, "id"))
		{
			if (have_id)
				return STEP_BAIL;
			have_id = true;
			r = scan_id(s, c, &s->ids[s->nrecords]);
		}
		else if (key_is(key, key_len, "attributes"))
		{
			if (have_attrs)
				return STEP_BAIL;
			have_attrs = true;
			if (*c->p == '{')
				r = scan_attributes(s, c, vals);
			else if (*c->p == 'n')
				r = scan_literal(c, "null", 4);
			else
				return STEP_BAIL;
		}
		else
			r = skip_value(c, 3);
		if (r != STEP_OK)
			goto out;
		if ((r = scan_separator(c, '}', &closed)) != STEP_OK)
			goto out;
		if (closed)
			break;
	}
	if (!have_id)
		return STEP_BAIL;
	s->nrecords++;
	return STEP_OK;

out:
	s->text_len = text_mark;
	return r;
}

/* The "meta" object: the paging numbers, as extract_page reads them. */
static Step
scan_meta(ItgScan *s, Cursor *c)
{
	int64_t		meta[ITG_META_NKEYS] = {-1, -1, -1, -1};
	Step		r;
	bool		closed;

	if (*c->p != '{')
		return STEP_BAIL;
	c->p++;
	if ((r = next_token(c)) != STEP_OK)
		return r;
	if (*c->p != '}')
		for (;;)
		{
			const char *key;
			size_t		key_len;
			int			which = -1;

			if (*c->p != '"')
				return STEP_BAIL;
			if ((r = scan_key(c, &key, &key_len)) != STEP_OK)
				return r;
			for (int k = 0; k < ITG_META_NKEYS; k++)
				if (key_is(key, key_len, itg_meta_keys[k]))
					which = k;
			if (which < 0)
				r = skip_value(c, 2);
			else if (*c->p == 'n')
			{
				r = scan_literal(c, "null", 4);
				meta[which] = -1;
			}
			else if (*c->p == '-' || is_digit(*c->p))
			{
				const char *digits;
				size_t		len;

				if ((r = scan_int(c, &digits, &len)) == STEP_OK)
					meta[which] = itg_json_int64(digits, len);
			}
			else
				return STEP_BAIL;	/* strings and the rest: json-c's reading */
			if (r != STEP_OK)
				return r;
			if ((r = scan_separator(c, '}', &closed)) != STEP_OK)
				return r;
			if (closed)
				break;
		}
	else
		c->p++;
	memcpy(s->meta, meta, sizeof(meta));
	return STEP_OK;
}

/* One top-level member, at its name; sets the state that follows it. */
static Step
scan_top_member(ItgScan *s, Cursor *c)
{
	const char *key;
	size_t		key_len;
	Step		r;

	if ((r = scan_key(c, &key, &key_len)) != STEP_OK)
		return r;
	if (key_is(key, key_len, "data"))
	{
		if (s->seen_data)
			return STEP_BAIL;
		if (!s->single)
		{
			if (*c->p != '[')
				return STEP_BAIL;
			c->p++;
			s->seen_data = true;
			s->state = ST_DATA_FIRST;
			return STEP_OK;
		}
		if (*c->p == 'n')
			r = scan_literal(c, "null", 4);
		else if (*c->p == '{')
			r = scan_record(s, c);
		else
			return STEP_BAIL;
		if (r == STEP_OK)
			s->seen_data = true;
	}
	else if (key_is(key, key_len, "meta"))
	{
		if (s->seen_meta)
			return STEP_BAIL;
		if ((r = scan_meta(s, c)) == STEP_OK)
			s->seen_meta = true;
	}
	else
		r = skip_value(c, 1);
	if (r == STEP_OK)
		s->state = ST_TOP_AFTER_VALUE;
	return r;
}

/* ---------- the scanner ---------- */

/* After a member or record: ',' leads to state next, close to state closed. */
static Step
step_after_value(ItgScan *s, Cursor *c, char close, ScanState next, ScanState closed)
{
	if (*c->p == ',')
		s->state = next;
	else if (*c->p == close)
		s->state = closed;
	else
		return STEP_BAIL;
	c->p++;
	return STEP_OK;
}

/* The shape's allocator: the scanner lives in malloc'd memory. */
static void *
malloc_alloc(void *ctx, size_t size)
{
	(void) ctx;
	return malloc(size);
}

ItgScan *
itg_scan_new(const char *const *attr_names, int nattrs, bool single_object)
{
	ItgScan    *s;

	for (int i = 0; i < nattrs; i++)
		if (attr_names[i] != NULL && strcmp(attr_names[i], ITG_ATTR_ALL) == 0)
			return NULL;		/* the whole object's JSON text: json-c's job */

	s = calloc(1, sizeof(ItgScan));
	if (s == NULL)
		return NULL;
	s->single = single_object;
	if (!itg_shape_init(&s->shape, attr_names, nattrs, malloc_alloc, NULL))
	{
		itg_scan_free(s);
		return NULL;
	}
	itg_scan_reset(s);
	return s;
}

void
itg_scan_reset(ItgScan *s)
{
	s->state = ST_TOP_OPEN;
	s->pos = 0;
	s->retry_at = 0;
	s->seen_data = s->seen_meta = false;
	for (int k = 0; k < ITG_META_NKEYS; k++)
		s->meta[k] = -1;
	itg_shape_forget_positions(&s->shape);
	s->nrecords = 0;
	s->text_len = 0;
}

/* Results are dropped at once when the scan bails: json-c will need the room. */
static void
release_results(ItgScan *s)
{
	free(s->ids);
	free(s->values);
	free(s->text);
	s->ids = s->values = NULL;
	s->text = NULL;
	s->records_cap = s->nrecords = 0;
	s->text_cap = s->text_len = 0;
}

void
itg_scan_free(ItgScan *s)
{
	if (s == NULL)
		return;
	release_results(s);
	free(s->shape.name_len);
	free(s);
}

bool
itg_scan_matches(const ItgScan *s, const char *const *attr_names, int nattrs,
				 bool single_object)
{
	return s->shape.names == attr_names && s->shape.nattrs == nattrs && s->single == single_object;
}

/* An object or array closed right after it opened: step past, go on to next. */
static bool
closes_empty(ItgScan *s, Cursor *c, char close, ScanState next)
{
	if (*c->p != close)
		return false;
	c->p++;
	s->state = next;
	return true;
}

ItgScannerStatus
itg_scan_advance(ItgScan *s, const char *body, size_t len, bool complete)
{
	Cursor		c;

	if (s->state == ST_DONE)
		return ITG_SCANNER_DONE;
	if (s->state == ST_BAIL)
		return ITG_SCANNER_BAIL;
	if (!complete && len < s->retry_at)
		return ITG_SCANNER_MORE;

	c.body = body;
	c.end = body + len;
	for (;;)
	{
		Step		r = STEP_OK;

		c.p = body + s->pos;
		skip_ws(&c);
		s->pos = (size_t) (c.p - body);
		if (c.p >= c.end)
		{
			if (s->state == ST_END && complete)
			{
				if (!s->seen_data)
					break;		/* json-c says what is missing */
				s->state = ST_DONE;
				return ITG_SCANNER_DONE;
			}
			r = STEP_MORE;
		}
		else
			switch (s->state)
			{
				case ST_TOP_OPEN:
					if (*c.p != '{')
						r = STEP_BAIL;
					else
					{
						c.p++;
						s->state = ST_TOP_FIRST_MEMBER;
					}
					break;
				case ST_TOP_FIRST_MEMBER:
					if (closes_empty(s, &c, '}', ST_END))
						break;
					/* FALLTHROUGH */
				case ST_TOP_MEMBER:
					r = *c.p == '"' ? scan_top_member(s, &c) : STEP_BAIL;
					break;
				case ST_TOP_AFTER_VALUE:
					r = step_after_value(s, &c, '}', ST_TOP_MEMBER, ST_END);
					break;
				case ST_DATA_FIRST:
					if (closes_empty(s, &c, ']', ST_TOP_AFTER_VALUE))
						break;
					/* FALLTHROUGH */
				case ST_DATA_NEXT:
					if (*c.p != '{')
						r = STEP_BAIL;
					else if ((r = scan_record(s, &c)) == STEP_OK)
						s->state = ST_DATA_AFTER;
					break;
				case ST_DATA_AFTER:
					r = step_after_value(s, &c, ']', ST_DATA_NEXT, ST_TOP_AFTER_VALUE);
					break;
				default:		/* ST_END: text after the document */
					r = STEP_BAIL;
					break;
			}

		if (r == STEP_OK)
		{
			s->pos = (size_t) (c.p - body);
			continue;
		}
		if (r == STEP_MORE && !complete)
		{
			/* Try again once what this step saw has about doubled. */
			s->retry_at = len + (len - s->pos);
			return ITG_SCANNER_MORE;
		}
		break;					/* BAIL, or the body ended early */
	}
	s->state = ST_BAIL;
	release_results(s);
	return ITG_SCANNER_BAIL;
}

bool
itg_scan_page(ItgScan *s, ItgAllocFn alloc, void *alloc_ctx, ItgPage *page,
			  char *errbuf, size_t errlen)
{
	size_t		n = s->nrecords;
	size_t		per = (size_t) s->shape.nattrs;
	ItgRecord  *records;
	ItgValue   *values;
	char	   *text;

	records = alloc(alloc_ctx, sizeof(ItgRecord) * (n > 0 ? n : 1));
	values = alloc(alloc_ctx, sizeof(ItgValue) * (n * per > 0 ? n * per : 1));
	text = alloc(alloc_ctx, s->text_len + 1);
	if (records == NULL || values == NULL || text == NULL)
	{
		if (errbuf != NULL && errlen > 0)
			snprintf(errbuf, errlen, "out of memory while reading the response");
		return false;
	}
	if (s->text_len > 0)
		memcpy(text, s->text, s->text_len);

	for (size_t i = 0; i < n; i++)
	{
		ItgRecord  *rec = &records[i];

		rec->id = text + s->ids[i].off;
		rec->values = values + i * per;
		for (size_t j = 0; j < per; j++)
		{
			const ScanValue *v = &s->values[i * per + j];
			ItgValue   *out = &rec->values[j];

			out->kind = v->kind;
			if (v->kind == ITG_JSON_STRING || v->kind == ITG_JSON_INT ||
				v->kind == ITG_JSON_DOUBLE || v->kind == ITG_JSON_BOOL ||
				v->kind == ITG_JSON_ARRAY)
			{
				out->text = text + v->off;
				out->len = v->len;
			}
		}
	}
	page->scanned = true;
	page->nrecords = (int) n;
	page->records = (s->single && n == 0) ? NULL : records;
	if (s->seen_meta)
	{
		itg_page_set_meta(page, s->meta);
	}
	return true;
}

/*
 * itg_json_int64
 *		The value of an integer's JSON text (len bytes at text), or -1 when
 *		it is not an integer or does not fit in 64 bits.  Both readers read
 *		the paging numbers with it, so they agree on every one.
 */
int64_t
itg_json_int64(const char *text, size_t len)
{
	char		buf[32];
	char	   *end;
	long long	n;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	errno = 0;
	n = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf)
		return -1;
	return (int64_t) n;
}
