/*-------------------------------------------------------------------------
 *
 * jsonapi.c
 *		JSON:API documents in and out: page parsing, error bodies, request
 *		bodies.  The only file that includes json-c.
 *
 * Design rules:
 *	- No PostgreSQL headers: the parser is fuzzed and unit-tested without a
 *	  backend (test/fuzz).  Results are copied out through the caller's
 *	  allocator and every json-c object is released before returning, on
 *	  every path, so an error raised later by the caller cannot leak them.
 *	- Never trust the body: any shape can arrive (HTML, truncated JSON,
 *	  wrong types, deep nesting), and each one gives a short, specific
 *	  message instead of a crash.
 *
 *-------------------------------------------------------------------------
 */
#include "jsonapi.h"
#include "jsonscan.h"
#include "recshape.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

/* Format a message into the caller's error buffer. */
static void set_error(char *errbuf, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

static void
set_error(char *errbuf, size_t errlen, const char *fmt,...)
{
	va_list		ap;

	if (errbuf == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(errbuf, errlen, fmt, ap);
	va_end(ap);
}

/* Copy len bytes plus a terminating NUL through the caller's allocator. */
static char *
copy_text(ItgAllocFn alloc, void *alloc_ctx, const char *src, size_t len)
{
	char	   *dst = alloc(alloc_ctx, len + 1);

	if (dst == NULL)
		return NULL;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return dst;
}

/*
 * invalid_utf8_at
 *		Offset of the first byte that is not part of well-formed UTF-8, or len
 *		when there is none.  json-c's own check only counts continuation
 *		bytes, so it lets overlong forms, UTF-16 surrogates and code points
 *		beyond U+10FFFF through, and nothing downstream checks again before
 *		the text reaches PostgreSQL's input functions.
 */
static size_t
invalid_utf8_at(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = s[i];
		size_t		n;
		unsigned char lo = 0x80,
					hi = 0xBF;

		if (c < 0x80)
		{
			uint64_t	w;

			/* Skip plain ASCII eight bytes at a time: most of any body. */
			i++;
			while (i + 8 <= len)
			{
				memcpy(&w, s + i, 8);
				if (w & UINT64_C(0x8080808080808080))
					break;
				i += 8;
			}
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c == 0xE0)
		{
			n = 2;
			lo = 0xA0;			/* no overlong three-byte forms */
		}
		else if (c == 0xED)
		{
			n = 2;
			hi = 0x9F;			/* no surrogates */
		}
		else if (c >= 0xE1 && c <= 0xEF)
			n = 2;
		else if (c == 0xF0)
		{
			n = 3;
			lo = 0x90;			/* no overlong four-byte forms */
		}
		else if (c >= 0xF1 && c <= 0xF3)
			n = 3;
		else if (c == 0xF4)
		{
			n = 3;
			hi = 0x8F;			/* nothing beyond U+10FFFF */
		}
		else
			return i;
		if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return i;
		i += n + 1;
	}
	return len;
}

/*
 * check_numbers
 *		json-c accepts NaN, Infinity and -Infinity even in strict mode, and
 *		silently clamps an integer beyond 64 bits to the nearest limit.
 *		Neither may pass: the first is not JSON, the second would hand on a
 *		different number.  (Integers that are exactly INT64_MIN or UINT64_MAX
 *		cannot be told from clamped ones and are refused too.)  A page checks
 *		the values it hands on, as they are copied out (its long integers
 *		never reach json-c as integers: see mark_numbers); error bodies and
 *		request-body values are checked whole.
 */
static bool
check_numbers(json_object *obj, char *errbuf, size_t errlen)
{
	switch (json_object_get_type(obj))
	{
		case json_type_double:
			if (!isfinite(json_object_get_double(obj)))
			{
				/* 1e400 is JSON (json-c keeps its text); NaN is not. */
				const char *s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);

				if (s == NULL ||
					!(isdigit((unsigned char) s[0]) ||
					  (s[0] == '-' && isdigit((unsigned char) s[1]))))
				{
					set_error(errbuf, errlen, "NaN and Infinity are not valid JSON");
					return false;
				}
			}
			return true;
		case json_type_int:
			if (json_object_get_int64(obj) == INT64_MIN ||
				json_object_get_uint64(obj) == UINT64_MAX)
			{
				set_error(errbuf, errlen, "an integer is outside the 64-bit range");
				return false;
			}
			return true;
		case json_type_array:
			{
				size_t		n = json_object_array_length(obj);

				for (size_t i = 0; i < n; i++)
					if (!check_numbers(json_object_array_get_idx(obj, i), errbuf, errlen))
						return false;
			}
			return true;
		case json_type_object:
			{
				json_object_object_foreach(obj, key, val)
				{
					(void) key;
					if (!check_numbers(val, errbuf, errlen))
						return false;
				}
			}
			return true;
		default:
			return true;
	}
}

/* ---------- incremental parsing ---------- */

/*
 * A body read as it arrives.  Each chunk is checked as UTF-8 (a sequence
 * split between chunks waits in carry for the rest) and kept.  When the
 * caller has said which attributes it wants (itg_json_stream_expect), the
 * fast scanner (jsonscan.c) reads the records out of the growing body at
 * once, so the work overlaps the transfer; a body the scanner does not take
 * is parsed whole with json-c when it ends, which also gives every error
 * message.
 */
struct ItgJsonStream
{
	json_tokener *tok;
	json_object *root;			/* json-c's value, once complete */
	bool		done;			/* json-c has read a complete value */
	bool		failed;			/* an error is recorded in err */
	bool		integer_refused;	/* json-c refused an integer beyond 64 bits */
	size_t		consumed;		/* bytes received and checked as UTF-8 */
	size_t		parsed;			/* bytes json-c has read */
	unsigned char carry[4];
	int			carry_len;
	char	   *body;			/* every byte received */
	size_t		body_len;
	size_t		body_cap;
	bool		use_scanner;	/* try the fast scan (false: json-c only) */
	ItgScan    *scan;			/* the fast scan, when the attributes are known */
	char		err[256];
};

bool		itg_json_escape_non_ascii = false;

/* Total length of the UTF-8 sequence a lead byte starts (1 if not a lead). */
static int
utf8_sequence_length(unsigned char c)
{
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 1;
}

static bool
stream_fail(ItgJsonStream *s, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));
static bool stream_check_trailing(ItgJsonStream *s, const char *p, size_t len,
								  size_t offset);

static bool
stream_fail(ItgJsonStream *s, const char *fmt,...)
{
	va_list		ap;

	if (!s->failed)
	{
		va_start(ap, fmt);
		vsnprintf(s->err, sizeof(s->err), fmt, ap);
		va_end(ap);
		s->failed = true;
	}
	return false;
}

/*
 * stream_check_utf8
 *		Check one chunk as UTF-8.  A sequence the previous chunk left open is
 *		completed first; one this chunk leaves open waits in carry for the
 *		next.  consumed advances past the whole characters.
 */
static bool
stream_check_utf8(ItgJsonStream *s, const unsigned char *p, size_t len)
{
	size_t		bad;
	size_t		tail;

	while (s->carry_len > 0 && len > 0)
	{
		int			need = utf8_sequence_length(s->carry[0]);

		s->carry[s->carry_len++] = *p++;
		len--;
		if (s->carry_len == need)
		{
			if (invalid_utf8_at(s->carry, need) < (size_t) need)
				return stream_fail(s, "invalid UTF-8 at byte %zu", s->consumed);
			s->consumed += need;
			s->carry_len = 0;
		}
	}

	tail = len;
	for (size_t k = 1; k <= 3 && k <= len; k++)
	{
		unsigned char c = p[len - k];

		if (c >= 0xC0)
		{
			if ((size_t) utf8_sequence_length(c) > k)
				tail = len - k;
			break;
		}
		if (c < 0x80)
			break;
	}
	bad = invalid_utf8_at(p, tail);
	if (bad < tail)
		return stream_fail(s, "invalid UTF-8 at byte %zu", s->consumed + bad);
	s->consumed += tail;
	memcpy(s->carry + s->carry_len, p + tail, len - tail);
	s->carry_len += (int) (len - tail);
	return true;
}

/*
 * strict_rejects_utf8
 *		Whether this json-c's strict mode rejects every string byte above
 *		0x7f (json-c 0.18 compares a signed char in its control-character
 *		check: json-c issues 875 and 892).  Asked once, of the library.
 */
static bool
strict_rejects_utf8(void)
{
	static int	rejects = -1;

	if (rejects < 0)
	{
		json_tokener *probe = json_tokener_new();
		json_object *parsed;

		if (probe == NULL)
			return false;		/* asked again next time */
		json_tokener_set_flags(probe, JSON_TOKENER_STRICT);
		parsed = json_tokener_parse_ex(probe, "\"\xc3\xa9\"", 4);
		rejects = parsed == NULL;
		json_object_put(parsed);
		json_tokener_free(probe);
	}
	return rejects == 1;
}

/*
 * escaped_width
 *		For such a json-c, each non-ASCII character is given to it as \uXXXX
 *		(a surrogate pair above U+FFFF), which it decodes to the same UTF-8.
 *		A character right after an unpaired backslash stays as it is, so an
 *		invalid escape is still refused.  Sets *n to the character's length
 *		in data (valid UTF-8) and returns its length as given to json-c.
 */
static size_t
escaped_width(const char *data, size_t i, int *n)
{
	unsigned char c = (unsigned char) data[i];
	size_t		backslashes = 0;

	*n = utf8_sequence_length(c);
	if (c < 0x80)
		return 1;
	while (backslashes < i && data[i - 1 - backslashes] == '\\')
		backslashes++;
	if (backslashes % 2 == 1)
		return *n;
	return *n == 4 ? 12 : 6;
}

/* The text to give json-c for data (malloc'd); NULL when out of memory. */
static char *
escape_non_ascii(const char *data, size_t len, size_t *out_len)
{
	char	   *out = malloc(3 * len + 1);
	size_t		o = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len;)
	{
		int			n;
		size_t		width = escaped_width(data, i, &n);
		const unsigned char *u = (const unsigned char *) data + i;
		unsigned int cp;

		if (width == (size_t) n)
		{
			memcpy(out + o, data + i, n);
			o += n;
			i += n;
			continue;
		}
		if (n == 2)
			cp = ((u[0] & 0x1F) << 6) | (u[1] & 0x3F);
		else if (n == 3)
			cp = ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
		else
			cp = ((u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) |
				((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
		if (cp >= 0x10000)
		{
			cp -= 0x10000;
			o += sprintf(out + o, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
		}
		else
			o += sprintf(out + o, "\\u%04x", cp);
		i += n;
	}
	*out_len = o;
	return out;
}

/* The offset in data of the character at offset escaped_offset of its escaped text. */
static size_t
unescaped_offset(const char *data, size_t len, size_t escaped_offset)
{
	size_t		o = 0;

	for (size_t i = 0; i < len;)
	{
		int			n;
		size_t		width = escaped_width(data, i, &n);

		if (o + width > escaped_offset)
			return i;
		o += width;
		i += n;
	}
	return len;
}

/*
 * integer_overflows_at
 *		Whether the digits ending at data[end] are an integer beyond 64 bits.
 *		json-c 0.17 and later refuse one in strict mode ("number expected")
 *		where older ones clamp it (check_numbers() then refuses it): both are
 *		reported the same way.
 */
static bool
integer_overflows_at(const char *data, size_t end)
{
	size_t		start = end;
	char		digits[64];

	while (start > 0 && isdigit((unsigned char) data[start - 1]))
		start--;
	if (start == end || data[start] == '0')
		return false;			/* no digits, or a leading zero */
	if (start > 0 && data[start - 1] == '-')
		start--;
	if (end - start >= sizeof(digits))
		return true;
	memcpy(digits, data + start, end - start);
	digits[end - start] = '\0';
	errno = 0;
	if (digits[0] == '-')
		(void) strtoimax(digits, NULL, 10);
	else
		(void) strtoumax(digits, NULL, 10);
	return errno == ERANGE;
}

/*
 * bare_integer_overflows
 *		Whether the whole document is one integer beyond 64 bits (which
 *		json-c 0.17 and later report as the end of data coming early).
 */
static bool
bare_integer_overflows(const char *data, size_t len)
{
	size_t		start = 0;
	size_t		end = len;

	while (start < len && isspace((unsigned char) data[start]))
		start++;
	while (end > start && isspace((unsigned char) data[end - 1]))
		end--;
	if (start < end && data[start] == '-')
		start++;
	for (size_t i = start; i < end; i++)
		if (!isdigit((unsigned char) data[i]))
			return false;
	return integer_overflows_at(data, end);
}

/* Feed whole characters to json-c (or, once done, check for trailing text). */
static bool
stream_parse(ItgJsonStream *s, const char *data, size_t len)
{
	const char *text = data;
	size_t		text_len = len;
	char	   *escaped = NULL;
	size_t		end;
	enum json_tokener_error error;

	if (len == 0)
		return true;
	if (s->done)
		return stream_check_trailing(s, data, len, (s->parsed += len) - len);

	if (itg_json_escape_non_ascii || strict_rejects_utf8())
	{
		if ((escaped = escape_non_ascii(data, len, &text_len)) == NULL)
			return stream_fail(s, "out of memory parsing JSON");
		text = escaped;
	}
	s->root = json_tokener_parse_ex(s->tok, text, (int) text_len);
	error = json_tokener_get_error(s->tok);
	end = json_tokener_get_parse_end(s->tok);
	if (escaped != NULL)
	{
		end = unescaped_offset(data, len, end);
		free(escaped);
	}
	switch (error)
	{
		case json_tokener_success:
			s->done = true;
			if (!stream_check_trailing(s, data + end, len - end, s->parsed + end))
				return false;
			break;
		case json_tokener_continue:
			break;
		default:
			if (error == json_tokener_error_parse_number && integer_overflows_at(data, end))
			{
				s->integer_refused = true;
				return stream_fail(s, "an integer is outside the 64-bit range");
			}
			return stream_fail(s, "invalid JSON at byte %zu: %s",
							   s->parsed + end, json_tokener_error_desc(error));
	}
	s->parsed += len;
	return true;
}

/* Only white space may follow the JSON value. */
static bool
stream_check_trailing(ItgJsonStream *s, const char *p, size_t len, size_t offset)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != ' ' && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			return stream_fail(s, "unexpected text after the JSON document at byte %zu",
							   offset + i);
	return true;
}

ItgJsonStream *
itg_json_stream_new(void)
{
	ItgJsonStream *s = calloc(1, sizeof(ItgJsonStream));

	if (s == NULL)
		return NULL;
	s->tok = json_tokener_new_ex(ITG_JSON_MAX_DEPTH);
	if (s->tok == NULL)
	{
		free(s);
		return NULL;
	}
	json_tokener_set_flags(s->tok, JSON_TOKENER_STRICT);
	s->use_scanner = true;
	return s;
}

/*
 * itg_json_stream_use_scanner
 *		Whether the fast scanner may read this stream's body (it may unless
 *		told otherwise; tests turn it off to compare with json-c).  Call
 *		before itg_json_stream_expect.
 */
void
itg_json_stream_use_scanner(ItgJsonStream *s, bool use_scanner)
{
	s->use_scanner = use_scanner;
	if (!use_scanner)
	{
		itg_scan_free(s->scan);
		s->scan = NULL;
	}
}

/*
 * itg_json_stream_expect
 *		Say which attributes the body's records will be read for, so that
 *		they are scanned as the body arrives.  The names must stay valid
 *		until the stream is freed, and itg_parse_stream must be given the
 *		same ones.  Without this call the scan happens when the body ends.
 */
void
itg_json_stream_expect(ItgJsonStream *s, const char *const *attr_names, int nattrs,
					   bool single_object)
{
	itg_scan_free(s->scan);
	s->scan = s->use_scanner ? itg_scan_new(attr_names, nattrs, single_object) : NULL;
}

void
itg_json_stream_reset(ItgJsonStream *s)
{
	json_tokener_reset(s->tok);
	if (s->root != NULL)
		json_object_put(s->root);
	s->root = NULL;
	s->done = s->failed = s->integer_refused = false;
	s->consumed = s->parsed = 0;
	s->carry_len = 0;
	s->body_len = 0;
	if (s->scan != NULL)
		itg_scan_reset(s->scan);
	s->err[0] = '\0';
}

void
itg_json_stream_free(ItgJsonStream *s)
{
	if (s == NULL)
		return;
	if (s->root != NULL)
		json_object_put(s->root);
	json_tokener_free(s->tok);
	itg_scan_free(s->scan);
	free(s->body);
	free(s);
}

/* Keep a chunk (the body is needed whole if json-c has to read it). */
static bool
stream_keep(ItgJsonStream *s, const char *data, size_t len)
{
	if (s->body_len + len > s->body_cap)
	{
		size_t		cap = s->body_cap ? s->body_cap : 65536;
		char	   *grown;

		while (cap < s->body_len + len)
			cap *= 2;
		grown = realloc(s->body, cap);
		if (grown == NULL)
			return stream_fail(s, "out of memory while reading the response");
		s->body = grown;
		s->body_cap = cap;
	}
	memcpy(s->body + s->body_len, data, len);
	s->body_len += len;
	return true;
}

/*
 * itg_json_stream_feed
 *		Take the next chunk of a body.  Returns false once the body is known
 *		to be bad (the reason is kept for itg_parse_stream); later chunks are
 *		then ignored.
 */
bool
itg_json_stream_feed(ItgJsonStream *s, const char *data, size_t len)
{
	if (s->failed)
		return false;
	if (len == 0)
		return true;
	if (s->body_len + len > (size_t) INT32_MAX)
		return stream_fail(s, "the response body is too large to parse");
	if (!stream_check_utf8(s, (const unsigned char *) data, len) ||
		!stream_keep(s, data, len))
		return false;
	if (s->scan != NULL)
		(void) itg_scan_advance(s->scan, s->body, s->body_len, false);
	return true;
}

/*
 * stream_finish
 *		The body has ended: parse it with json-c and take the complete value
 *		(NULL for JSON null) out of the stream.  False with errbuf set when
 *		there is none.
 */
static bool
stream_finish(ItgJsonStream *s, json_object **root, bool check_all_numbers,
			  char *errbuf, size_t errlen)
{
	*root = NULL;
	if (!s->failed && s->consumed == 0 && s->carry_len == 0)
		stream_fail(s, "the response body is empty");
	if (!s->failed && s->carry_len > 0)
		stream_fail(s, "invalid UTF-8 at byte %zu", s->consumed);
	if (!s->failed && s->parsed < s->consumed)
		(void) stream_parse(s, s->body + s->parsed, s->consumed - s->parsed);
	if (!s->failed && !s->done)
	{
		/*
		 * A bare number or literal ("42", "true") is only complete once the
		 * tokener sees its end, which json_tokener_parse() marks with the
		 * terminating NUL; do the same.  Anything else is truncated.
		 */
		s->root = json_tokener_parse_ex(s->tok, "", 1);
		if (json_tokener_get_error(s->tok) == json_tokener_success)
			s->done = true;
		else if (bare_integer_overflows(s->body, s->consumed))
		{
			s->integer_refused = true;
			stream_fail(s, "an integer is outside the 64-bit range");
		}
		else
			stream_fail(s, "the JSON document ends early (truncated after %zu bytes)",
						s->consumed);
	}
	if (!s->failed && check_all_numbers && !check_numbers(s->root, s->err, sizeof(s->err)))
		s->failed = true;
	if (s->failed)
	{
		set_error(errbuf, errlen, "%s", s->err);
		return false;
	}
	*root = s->root;
	s->root = NULL;				/* the caller owns it now */
	return true;
}

static bool reread_marked(const char *body, size_t len, json_object **root,
						  bool *marked, char *errbuf, size_t errlen);
static bool stream_finish_exact(ItgJsonStream *s, json_object **root, bool *marked,
								char *errbuf, size_t errlen);

/*
 * parse_json
 *		Parse a whole body into *root (NULL for the JSON value null).  False
 *		with errbuf set when the body is not exactly one JSON value or holds
 *		NaN or Infinity.  Without exact_numbers, an integer json-c would
 *		clamp is refused too; with it, such numbers are marked (see
 *		mark_numbers), and whatever prints *root must unmark the text.
 */
static bool
parse_json(const char *body, size_t len, json_object **root, bool exact_numbers,
		   char *errbuf, size_t errlen)
{
	ItgJsonStream *s = itg_json_stream_new();
	bool		ok;

	*root = NULL;
	if (s == NULL)
	{
		set_error(errbuf, errlen, "out of memory while parsing the response");
		return false;
	}
	if (body != NULL)
		(void) itg_json_stream_feed(s, body, len);
	if (!exact_numbers)
		ok = stream_finish(s, root, true, errbuf, errlen);
	else
	{
		bool		marked;

		ok = stream_finish_exact(s, root, &marked, errbuf, errlen);
		if (ok && !check_numbers(*root, errbuf, errlen))
		{
			json_object_put(*root);
			*root = NULL;
			ok = false;
		}
	}
	itg_json_stream_free(s);
	return ok;
}

/*
 * stream_finish_exact
 *		stream_finish, then the integers json-c cannot keep are read again
 *		from a marked copy (*marked says so; see mark_numbers).  json-c 0.17
 *		and later refuse such an integer where older ones clamp it: then only
 *		the copy is read.
 */
static bool
stream_finish_exact(ItgJsonStream *s, json_object **root, bool *marked,
					char *errbuf, size_t errlen)
{
	*marked = false;
	if (!stream_finish(s, root, false, errbuf, errlen) && !s->integer_refused)
		return false;
	if (!reread_marked(s->body, s->body_len, root, marked, errbuf, errlen) ||
		(s->integer_refused && !*marked))
	{
		json_object_put(*root);
		*root = NULL;
		return false;
	}
	return true;
}

/* ---------- numbers json-c would not give back as sent ---------- */

/*
 * json-c turns an integer beyond 64 bits into the nearest 64-bit limit and
 * "-0" into 0, but keeps the exact text of every number with a fraction or
 * an exponent.  So before json-c reads a page that has such integers, each
 * is sent to it with the exponent "E-0" added (the same number, now kept as
 * text), and the text is taken back when the value is copied out.  To keep
 * that reversible, a number sent with an exponent of "E-" and zeros only
 * gets one zero more, which is taken off again.  The fast scanner hands on
 * every number's text as it is, so both readers give the same values.
 */
#define INT_DIGITS_JSONC_KEEPS 18

static bool
is_number_char(char ch)
{
	return (ch >= '0' && ch <= '9') || ch == '.' || ch == 'e' || ch == 'E' ||
		ch == '+' || ch == '-';
}

/* What marking adds to one number token: "E-0", "0", or nothing. */
static const char *
number_mark(const char *t, size_t n)
{
	const char *e = NULL;
	bool		fraction = false;
	size_t		k;

	for (size_t i = 0; i < n; i++)
	{
		if (t[i] == '.')
			fraction = true;
		else if (t[i] == 'e' || t[i] == 'E')
			e = t + i;
	}
	if (e == NULL && !fraction)
	{
		size_t		digits = n - (t[0] == '-');

		return (digits > INT_DIGITS_JSONC_KEEPS || (n == 2 && t[0] == '-' && t[1] == '0')) ?
			"E-0" : "";
	}
	if (e == NULL || *e != 'E' || e + 2 >= t + n || e[1] != '-')
		return "";
	for (k = 2; e + k < t + n; k++)
		if (e[k] != '0')
			return "";
	return "0";
}

/*
 * unmark_number
 *		The length of a number's text as sent, given its marked text: an
 *		integer marked "E-0" loses it (*was_int is set), a marked exponent of
 *		zeros loses a zero; anything else is unchanged.
 */
static size_t
unmark_number(const char *t, size_t n, bool *was_int)
{
	const char *e = NULL;
	size_t		k;

	*was_int = false;
	for (size_t i = 0; i < n; i++)
		if (t[i] == 'E' || t[i] == 'e')
			e = t + i;
	if (e == NULL || *e != 'E' || e + 2 >= t + n || e[1] != '-')
		return n;
	for (k = 2; e + k < t + n; k++)
		if (e[k] != '0')
			return n;
	if (k == 3)
	{
		*was_int = true;
		return (size_t) (e - t);
	}
	return n - 1;
}

/*
 * mark_numbers
 *		A copy of a (valid JSON) body with its numbers marked, in malloc'd
 *		*out; *out is NULL when no number needed it.  False when out of memory.
 */
static bool
mark_numbers(const char *body, size_t len, char **out, size_t *out_len)
{
	size_t		extra = 0;

	*out = NULL;
	for (int pass = 0; pass < 2; pass++)
	{
		size_t		o = 0;
		size_t		i = 0;

		if (pass == 1)
		{
			if (extra == 0)
				return true;
			*out = malloc(len + extra + 1);
			if (*out == NULL)
				return false;
		}
		while (i < len)
		{
			size_t		start = i;
			const char *mark = "";

			if (body[i] == '"')
			{
				for (i++; i < len && body[i] != '"'; i++)
					if (body[i] == '\\')
						i++;
				i++;
			}
			else if (body[i] == '-' || (body[i] >= '0' && body[i] <= '9'))
			{
				while (i < len && is_number_char(body[i]))
					i++;
				mark = number_mark(body + start, i - start);
			}
			else
				i++;
			if (i > len)
				i = len;
			if (pass == 0)
				extra += strlen(mark);
			else
			{
				memcpy(*out + o, body + start, i - start);
				o += i - start;
				memcpy(*out + o, mark, strlen(mark));
				o += strlen(mark);
			}
		}
		if (pass == 1)
		{
			(*out)[o] = '\0';
			*out_len = o;
		}
	}
	return true;
}

/*
 * unmark_json_text
 *		JSON text json-c printed from a marked document, with every number
 *		as it was sent (in place: it only gets shorter).
 */
static void
unmark_json_text(char *text, size_t *len)
{
	size_t		i = 0;
	size_t		o = 0;
	size_t		n = *len;

	while (i < n)
	{
		size_t		start = i;

		if (text[i] == '"')
		{
			for (i++; i < n && text[i] != '"'; i++)
				if (text[i] == '\\')
					i++;
			i = i < n ? i + 1 : n;
		}
		else if (text[i] == '-' || (text[i] >= '0' && text[i] <= '9'))
		{
			bool		was_int;
			size_t		keep;

			while (i < n && is_number_char(text[i]))
				i++;
			keep = unmark_number(text + start, i - start, &was_int);
			memmove(text + o, text + start, keep);
			o += keep;
			continue;
		}
		else
			i++;
		memmove(text + o, text + start, i - start);
		o += i - start;
	}
	text[o] = '\0';
	*len = o;
}

/*
 * reread_marked
 *		When the body has numbers json-c would change, parse it again with
 *		them marked, replacing *root (json-c has accepted the body already,
 *		so it parses again; errors keep the original's byte offsets).
 *		*marked tells whether the values must be unmarked.
 */
static bool
reread_marked(const char *body, size_t len, json_object **root, bool *marked,
			  char *errbuf, size_t errlen)
{
	char	   *copy;
	size_t		copy_len = 0;
	ItgJsonStream *s;
	json_object *again;
	bool		ok;

	*marked = false;
	if (!mark_numbers(body, len, &copy, &copy_len))
		goto oom;
	if (copy == NULL)
		return true;
	if ((s = itg_json_stream_new()) == NULL)
	{
		free(copy);
		goto oom;
	}
	/*
	 * The copy is read like a body (so the json-c workarounds apply).  It
	 * fails only where the body did too, which json-c 0.17+ reports only
	 * after its first integer beyond 64 bits: say what it found then.
	 */
	(void) itg_json_stream_feed(s, copy, copy_len);
	ok = stream_finish(s, &again, false, errbuf, errlen);
	itg_json_stream_free(s);
	free(copy);
	if (!ok)
		return false;
	json_object_put(*root);
	*root = again;
	*marked = true;
	return true;

oom:
	set_error(errbuf, errlen, "out of memory while reading the response");
	return false;
}

/* JSON text of a value, plain and compact, copied out (numbers as sent). */
static char *
copy_json_text(json_object *obj, bool marked, ItgAllocFn alloc, void *alloc_ctx,
			   size_t *len)
{
	size_t		n;
	const char *s = json_object_to_json_string_length(obj,
													  JSON_C_TO_STRING_PLAIN |
													  JSON_C_TO_STRING_NOSLASHESCAPE,
													  &n);
	char	   *copy = copy_text(alloc, alloc_ctx, s, n);

	if (copy != NULL && marked)
		unmark_json_text(copy, &n);
	*len = n;
	return copy;
}

/*
 * extract_value
 *		Fill one ItgValue from a json-c value.  False only on allocation
 *		failure or a string with an embedded NUL (which no text type holds).
 */
static bool
extract_value(json_object *v, bool marked, ItgValue *out, ItgAllocFn alloc, void *alloc_ctx,
			  bool *has_nul, char *errbuf, size_t errlen, bool *bad_number)
{
	*has_nul = false;
	*bad_number = false;
	switch (json_object_get_type(v))
	{
		case json_type_null:
			out->kind = ITG_JSON_NULL;
			return true;
		case json_type_string:
			{
				const char *s = json_object_get_string(v);
				size_t		n = (size_t) json_object_get_string_len(v);

				if (memchr(s, '\0', n) != NULL)
				{
					*has_nul = true;
					return false;
				}
				out->kind = ITG_JSON_STRING;
				out->text = copy_text(alloc, alloc_ctx, s, n);
				out->len = n;
				return out->text != NULL;
			}
		case json_type_boolean:
			out->kind = ITG_JSON_BOOL;
			out->len = json_object_get_boolean(v) ? 4 : 5;
			out->text = copy_text(alloc, alloc_ctx, out->len == 4 ? "true" : "false", out->len);
			return out->text != NULL;
		case json_type_int:
			{
				/*
				 * Formatted here: json-c would build a print buffer per value.
				 * A page's integers have at most 18 digits here (longer ones
				 * are marked, see mark_numbers), so this is their text.
				 */
				char		buf[32];
				int			n = snprintf(buf, sizeof(buf), "%" PRId64,
										 json_object_get_int64(v));

				out->kind = ITG_JSON_INT;
				out->len = (size_t) n;
				out->text = copy_text(alloc, alloc_ctx, buf, out->len);
				return out->text != NULL;
			}
		case json_type_double:
			{
				/* json-c keeps a double's text as sent (or as marked). */
				const char *t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
				size_t		n = strlen(t);
				bool		was_int = false;

				if (!check_numbers(v, errbuf, errlen))
				{
					*bad_number = true;
					return false;
				}
				if (marked)
					n = unmark_number(t, n, &was_int);
				out->kind = was_int ? ITG_JSON_INT : ITG_JSON_DOUBLE;
				out->len = n;
				out->text = copy_text(alloc, alloc_ctx, t, n);
				return out->text != NULL;
			}
		case json_type_object:
			out->kind = ITG_JSON_OBJECT;
			break;
		case json_type_array:
			out->kind = ITG_JSON_ARRAY;
			break;
	}
	/* Objects and arrays: no NaN inside. */
	if (!check_numbers(v, errbuf, errlen))
	{
		*bad_number = true;
		return false;
	}
	out->text = copy_json_text(v, marked, alloc, alloc_ctx, &out->len);
	return out->text != NULL;
}

/*
 * integer_text
 *		If v is a JSON integer (of any length), its text as sent, in json-c's
 *		print buffer (valid until v is printed again or freed).
 */
static const char *
integer_text(json_object *v, bool marked, size_t *len)
{
	const char *t;
	bool		was_int;

	if (json_object_get_type(v) == json_type_int)
	{
		t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		*len = strlen(t);
		return t;
	}
	if (json_object_get_type(v) != json_type_double || !marked)
		return NULL;
	t = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
	*len = unmark_number(t, strlen(t), &was_int);
	return was_int ? t : NULL;
}

/* Read an integer member of meta; -1 when null, absent, not an integer or beyond 64 bits. */
static int64_t
meta_int(json_object *meta, const char *key, bool marked)
{
	json_object *v;
	const char *t;
	size_t		n;

	if (!json_object_object_get_ex(meta, key, &v) || v == NULL)
		return -1;
	if ((t = integer_text(v, marked, &n)) != NULL)
		return itg_json_int64(t, n);
	if (json_object_get_type(v) == json_type_string)
	{
		const char *s = json_object_get_string(v);
		char	   *end;
		long long	n;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == 0 && end != s && *end == '\0')
			return (int64_t) n;
	}
	return -1;
}

/*
 * parse_record
 *		Copy the id and the requested attributes of one resource object.
 */
static bool
parse_record(json_object *item, int index, ItgRecord *rec, ItgRecordShape *shape,
			 bool marked, ItgAllocFn alloc, void *alloc_ctx, char *errbuf, size_t errlen)
{
	const char *const *attr_names = shape->names;
	int			nattrs = shape->nattrs;
	json_object *id;
	json_object *attrs = NULL;
	const char *id_text;
	size_t		n;

	if (json_object_get_type(item) != json_type_object)
	{
		set_error(errbuf, errlen, "record %d of \"data\" is not an object", index + 1);
		return false;
	}
	if (!json_object_object_get_ex(item, "id", &id) || id == NULL)
	{
		set_error(errbuf, errlen, "record %d has no \"id\"", index + 1);
		return false;
	}
	if (json_object_get_type(id) == json_type_string)
		rec->id = copy_text(alloc, alloc_ctx, json_object_get_string(id),
							(size_t) json_object_get_string_len(id));
	else if ((id_text = integer_text(id, marked, &n)) != NULL)
		rec->id = copy_text(alloc, alloc_ctx, id_text, n);	/* of any length */
	else
	{
		set_error(errbuf, errlen,
				  "record %d has an \"id\" that is neither a string nor an integer",
				  index + 1);
		return false;
	}
	if (rec->id == NULL)
		goto oom;

	if (json_object_object_get_ex(item, "attributes", &attrs) && attrs != NULL &&
		json_object_get_type(attrs) != json_type_object)
	{
		set_error(errbuf, errlen, "record %d (id %s) has \"attributes\" that is not an object",
				  index + 1, rec->id);
		return false;
	}

	rec->values = alloc(alloc_ctx, sizeof(ItgValue) * (nattrs > 0 ? nattrs : 1));
	if (rec->values == NULL)
		goto oom;

	/* Every slot starts absent; the whole-object slots are filled now. */
	for (int i = 0; i < nattrs; i++)
	{
		ItgValue   *out = &rec->values[i];

		out->kind = ITG_JSON_ABSENT;
		if (attr_names[i] != NULL && attrs != NULL &&
			strcmp(attr_names[i], ITG_ATTR_ALL) == 0)
		{
			if (!check_numbers(attrs, errbuf, errlen))
				return false;
			out->kind = ITG_JSON_OBJECT;
			out->text = copy_json_text(attrs, marked, alloc, alloc_ctx, &out->len);
			if (out->text == NULL)
				goto oom;
		}
	}
	if (attrs == NULL)
		return true;

	/* One pass over the attributes (the shape remembers their positions). */
	{
		int			position = 0;

		json_object_object_foreach(attrs, key, v)
		{
			int			slot = itg_shape_slot(shape, key, strlen(key), position++);
			bool		has_nul;
			bool		bad_number;

			if (slot < 0)
				continue;
			if (!extract_value(v, marked, &rec->values[slot], alloc, alloc_ctx, &has_nul,
							   errbuf, errlen, &bad_number))
			{
				if (bad_number)
					return false;
				if (has_nul)
				{
					set_error(errbuf, errlen,
							  "attribute \"%s\" of record id %s contains a NUL character",
							  key, rec->id);
					return false;
				}
				goto oom;
			}
			/* A name asked for twice fills every slot that asked. */
			for (int i = itg_shape_same_name(shape, slot); i >= 0;
				 i = itg_shape_same_name(shape, i))
				rec->values[i] = rec->values[slot];
		}
	}
	return true;

oom:
	set_error(errbuf, errlen, "out of memory while reading the response");
	return false;
}

/*
 * extract_page
 *		Copy the records and paging facts out of a parsed document, then
 *		release the document (on every path).
 */
static bool
extract_page(json_object *root, bool marked, const char *const *attr_names, int nattrs,
			 bool single_object, ItgAllocFn alloc, void *alloc_ctx,
			 ItgPage *page, char *errbuf, size_t errlen)
{
	json_object *data;
	json_object *meta;
	bool		ok = false;
	ItgRecordShape shape;

	if (!itg_shape_init(&shape, attr_names, nattrs, alloc, alloc_ctx))
	{
		set_error(errbuf, errlen, "out of memory while reading the response");
		json_object_put(root);
		return false;
	}

	if (json_object_get_type(root) != json_type_object)
	{
		set_error(errbuf, errlen, "the response is not a JSON object");
		goto done;
	}
	if (!json_object_object_get_ex(root, "data", &data))
	{
		if (json_object_object_get_ex(root, "errors", NULL))
			set_error(errbuf, errlen, "the response is an error document, not data");
		else
			set_error(errbuf, errlen, "the response has no \"data\" member");
		goto done;
	}

	if (json_object_object_get_ex(root, "meta", &meta) && meta != NULL &&
		json_object_get_type(meta) == json_type_object)
	{
		int64_t		numbers[ITG_META_NKEYS];

		for (int k = 0; k < ITG_META_NKEYS; k++)
			numbers[k] = meta_int(meta, itg_meta_keys[k], marked);
		itg_page_set_meta(page, numbers);
	}

	if (single_object)
	{
		if (data == NULL)
		{
			/* A show route answering null means no such record. */
			ok = true;
			goto done;
		}
		if (json_object_get_type(data) != json_type_object)
		{
			set_error(errbuf, errlen, "\"data\" is not an object");
			goto done;
		}
		page->records = alloc(alloc_ctx, sizeof(ItgRecord));
		if (page->records == NULL)
		{
			set_error(errbuf, errlen, "out of memory while reading the response");
			goto done;
		}
		if (!parse_record(data, 0, &page->records[0], &shape, marked, alloc, alloc_ctx,
						  errbuf, errlen))
			goto done;
		page->nrecords = 1;
		ok = true;
		goto done;
	}

	if (data == NULL || json_object_get_type(data) != json_type_array)
	{
		set_error(errbuf, errlen, "\"data\" is not an array");
		goto done;
	}
	else
	{
		size_t		n = json_object_array_length(data);

		page->records = alloc(alloc_ctx, sizeof(ItgRecord) * (n > 0 ? n : 1));
		if (page->records == NULL)
		{
			set_error(errbuf, errlen, "out of memory while reading the response");
			goto done;
		}
		for (size_t i = 0; i < n; i++)
		{
			if (!parse_record(json_object_array_get_idx(data, i), (int) i,
							  &page->records[i], &shape, marked, alloc, alloc_ctx,
							  errbuf, errlen))
				goto done;
		}
		page->nrecords = (int) n;
		ok = true;
	}

done:
	json_object_put(root);
	return ok;
}

static void
init_page(ItgPage *page)
{
	memset(page, 0, sizeof(*page));
	page->current_page = page->next_page = page->total_pages = page->total_count = -1;
}

bool
itg_parse_page_ex(const char *body, size_t len, const char *const *attr_names, int nattrs,
				  bool single_object, bool use_scanner, ItgAllocFn alloc, void *alloc_ctx,
				  ItgPage *page, char *errbuf, size_t errlen)
{
	ItgJsonStream *s = itg_json_stream_new();
	bool		ok;

	if (s == NULL)
	{
		init_page(page);
		set_error(errbuf, errlen, "out of memory while parsing the response");
		return false;
	}
	itg_json_stream_use_scanner(s, use_scanner);
	if (body != NULL)
		(void) itg_json_stream_feed(s, body, len);
	ok = itg_parse_stream(s, attr_names, nattrs, single_object, alloc, alloc_ctx,
						  page, errbuf, errlen);
	itg_json_stream_free(s);
	return ok;
}

bool
itg_parse_page(const char *body, size_t len,
			   const char *const *attr_names, int nattrs,
			   bool single_object,
			   ItgAllocFn alloc, void *alloc_ctx,
			   ItgPage *page, char *errbuf, size_t errlen)
{
	return itg_parse_page_ex(body, len, attr_names, nattrs, single_object, true,
							 alloc, alloc_ctx, page, errbuf, errlen);
}

bool
itg_parse_stream(ItgJsonStream *s,
				 const char *const *attr_names, int nattrs,
				 bool single_object,
				 ItgAllocFn alloc, void *alloc_ctx,
				 ItgPage *page, char *errbuf, size_t errlen)
{
	json_object *root;
	bool		marked;

	init_page(page);

	/* The fast scan first; json-c for whatever it does not take. */
	if (s->use_scanner && !s->failed && s->carry_len == 0 && s->body_len > 0)
	{
		if (s->scan != NULL &&
			!itg_scan_matches(s->scan, attr_names, nattrs, single_object))
		{
			itg_scan_free(s->scan);
			s->scan = NULL;
		}
		if (s->scan == NULL)
			s->scan = itg_scan_new(attr_names, nattrs, single_object);
		if (s->scan != NULL &&
			itg_scan_advance(s->scan, s->body, s->body_len, true) == ITG_SCANNER_DONE)
			return itg_scan_page(s->scan, alloc, alloc_ctx, page, errbuf, errlen);
	}

	if (!stream_finish_exact(s, &root, &marked, errbuf, errlen))
		return false;
	return extract_page(root, marked, attr_names, nattrs, single_object, alloc, alloc_ctx,
						page, errbuf, errlen);
}

/* A string member of obj, or NULL. */
static const char *
member_string(json_object *obj, const char *key)
{
	json_object *v;

	if (obj == NULL || json_object_get_type(obj) != json_type_object)
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v) || v == NULL)
		return NULL;
	if (json_object_get_type(v) == json_type_string ||
		json_object_get_type(v) == json_type_int)
		return json_object_get_string(v);
	return NULL;
}

/* The title, detail and source pointer of one JSON:API error (each may be NULL). */
static void
error_fields(json_object *e, const char **title, const char **detail, const char **pointer)
{
	json_object *src;

	*title = member_string(e, "title");
	*detail = member_string(e, "detail");
	*pointer = NULL;
	if (json_object_object_get_ex(e, "source", &src))
		*pointer = member_string(src, "pointer");
}

bool
itg_parse_error_body(const char *body, size_t len,
					 ItgAllocFn alloc, void *alloc_ctx, ItgApiError *err)
{
	json_object *root;
	json_object *errors;
	char		scratch[128];
	bool		ok = false;

	memset(err, 0, sizeof(*err));
	if (!parse_json(body, len, &root, false, scratch, sizeof(scratch)))
		return false;
	if (json_object_get_type(root) != json_type_object)
		goto done;

	if (json_object_object_get_ex(root, "errors", &errors) && errors != NULL &&
		json_object_get_type(errors) == json_type_array)
	{
		size_t		n = json_object_array_length(errors);
		size_t		total = 1;
		char	   *all;
		size_t		pos = 0;

		/* First pass sizes the combined text, second fills it. */
		for (size_t i = 0; i < n; i++)
		{
			const char *t;
			const char *d;
			const char *p;

			error_fields(json_object_array_get_idx(errors, i), &t, &d, &p);
			total += (t ? strlen(t) : 0) + (d ? strlen(d) : 0) + (p ? strlen(p) : 0) + 16;
		}
		all = alloc(alloc_ctx, total);
		if (all == NULL)
			goto done;
		for (size_t i = 0; i < n; i++)
		{
			const char *t;
			const char *d;
			const char *p;

			error_fields(json_object_array_get_idx(errors, i), &t, &d, &p);
			if (i == 0)
			{
				err->title = t ? copy_text(alloc, alloc_ctx, t, strlen(t)) : NULL;
				err->detail = d ? copy_text(alloc, alloc_ctx, d, strlen(d)) : NULL;
				err->pointer = p ? copy_text(alloc, alloc_ctx, p, strlen(p)) : NULL;
				if ((t && !err->title) || (d && !err->detail) || (p && !err->pointer))
					goto done;	/* out of memory: not a usable result */
			}
			pos += (size_t) snprintf(all + pos, total - pos, "%s%s%s%s%s%s%s",
									 i > 0 ? "; " : "",
									 t ? t : "",
									 (t && d) ? ": " : "",
									 d ? d : "",
									 p ? " (" : "", p ? p : "", p ? ")" : "");
		}
		err->all_text = all;
		err->nerrors = (int) n;
		ok = n > 0;
	}
	else if (member_string(root, "message") != NULL)
	{
		const char *m = member_string(root, "message");

		err->title = copy_text(alloc, alloc_ctx, m, strlen(m));
		err->all_text = err->title;
		err->nerrors = 1;
		ok = err->title != NULL;
	}

done:
	json_object_put(root);
	if (!ok)
		memset(err, 0, sizeof(*err));
	return ok;
}

/* Add one attribute to a json-c object; false when its JSON text is invalid. */
static bool
add_body_attr(json_object *attrs, const ItgBodyAttr *a, char *errbuf, size_t errlen)
{
	json_object *v = NULL;

	switch (a->kind)
	{
		case ITG_JSON_ABSENT:
			return true;
		case ITG_JSON_NULL:
			v = NULL;
			break;
		case ITG_JSON_STRING:
			v = json_object_new_string(a->text);
			break;
		default:
			{
				char		inner[128];

				if (!parse_json(a->text, strlen(a->text), &v, true, inner, sizeof(inner)))
				{
					set_error(errbuf, errlen, "value for \"%s\" is not valid JSON: %s",
							  a->name, inner);
					return false;
				}
			}
			break;
	}
	json_object_object_add(attrs, a->name, v);
	return true;
}

char *
itg_build_body(const char *json_type,
			   const ItgBodyAttr *const *rows, const int *nattrs,
			   int nrows, bool as_array,
			   ItgAllocFn alloc, void *alloc_ctx,
			   char *errbuf, size_t errlen)
{
	json_object *root = json_object_new_object();
	json_object *array = as_array ? json_object_new_array() : NULL;
	char	   *result = NULL;
	size_t		n;

	/* Owned by root from the start, so every exit frees it with root. */
	if (as_array)
		json_object_object_add(root, "data", array);

	for (int r = 0; r < nrows; r++)
	{
		json_object *item = json_object_new_object();
		json_object *attrs = json_object_new_object();

		json_object_object_add(item, "type", json_object_new_string(json_type));
		json_object_object_add(item, "attributes", attrs);
		if (as_array)
			json_object_array_add(array, item);
		else
			json_object_object_add(root, "data", item);

		for (int i = 0; i < nattrs[r]; i++)
			if (!add_body_attr(attrs, &rows[r][i], errbuf, errlen))
				goto done;
		if (!as_array)
			break;
	}
	{
		const char *s = json_object_to_json_string_length(root,
														  JSON_C_TO_STRING_PLAIN |
														  JSON_C_TO_STRING_NOSLASHESCAPE,
														  &n);

		result = copy_text(alloc, alloc_ctx, s, n);
		if (result == NULL)
			set_error(errbuf, errlen, "out of memory while building the request body");
		else
			unmark_json_text(result, &n);	/* values were parsed with exact numbers */
	}

done:
	json_object_put(root);
	return result;
}

/*
 * itg_check_record_types
 *		Is every resource object in "data" (one object, or an array) of the
 *		JSON:API type json_type?  A write's answer must be the record written,
 *		and a record of another type is not that.  False with errbuf set
 *		otherwise, also when the body is not a JSON:API document.
 */
bool
itg_check_record_types(const char *body, size_t len, const char *json_type,
					   char *errbuf, size_t errlen)
{
	json_object *root;
	json_object *data;
	bool		ok = true;
	size_t		n;

	if (!parse_json(body, len, &root, false, errbuf, errlen))
		return false;
	if (root == NULL || json_object_get_type(root) != json_type_object ||
		!json_object_object_get_ex(root, "data", &data) || data == NULL)
	{
		set_error(errbuf, errlen, "the response has no \"data\"");
		json_object_put(root);
		return false;
	}
	n = json_object_get_type(data) == json_type_array ? json_object_array_length(data) : 1;
	for (size_t i = 0; ok && i < n; i++)
	{
		json_object *item = json_object_get_type(data) == json_type_array ?
			json_object_array_get_idx(data, i) : data;
		const char *type = member_string(item, "type");

		if (type == NULL)
		{
			set_error(errbuf, errlen, "record %zu has no \"type\"", i + 1);
			ok = false;
		}
		else if (strcmp(type, json_type) != 0)
		{
			set_error(errbuf, errlen, "record %zu is of type \"%.64s\"", i + 1, type);
			ok = false;
		}
	}
	json_object_put(root);
	return ok;
}
