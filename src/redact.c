/*-------------------------------------------------------------------------
 *
 * redact.c
 *		Texts taken from IT Glue's responses, made safe for messages.
 *
 * Anything an answer carries (an error body, an HTML page, a header, a
 * parser message quoting an id, libcurl's error text) may echo the API key
 * back.  Before such a text reaches an error, a notice or the log it goes
 * through itg_safe_text(), which
 *	- replaces every API key this backend has sent, also when the text has
 *	  it percent-encoded, JSON-escaped (\u0049, \/), as an HTML character
 *	  reference, in another letter case or inside a longer token, and also
 *	  a key prefix that ends a text which was itself cut short;
 *	- replaces the value after any "x-api-key" / "api_key" name followed by
 *	  ':' or '=', whatever that value is;
 *	- escapes bytes that are not valid UTF-8 as \xHH (and every non-ASCII
 *	  character when the database encoding is not UTF-8), so that a client
 *	  in LATIN1 or SJIS is shown the real error rather than an encoding one;
 *	- turns runs of white space into one space and control characters
 *	  into '?'.
 * Redaction runs on the whole text before it is shortened, so an excerpt
 * cut in the middle of the key cannot show a prefix of it.
 *
 * As a second line, an emit_log_hook removes the known keys from every
 * message this backend sends to the log and the client (PostgreSQL's own
 * messages included, such as an input function quoting a value that does
 * not convert).  The hook runs only for messages that go to the server log
 * too, so it does not replace the first line.
 *
 * The keys are kept in this backend's memory (as the user mapping already
 * is) so that they can be recognised; they never leave it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/elog.h"
#include "utils/memutils.h"

#include "it_glue_fdw.h"

#define ITG_REDACTED			"[redacted]"

/*
 * Every key this backend has sent (TopMemoryContext).  None is forgotten:
 * a statement may use many servers, and a message about any of them must
 * still recognise its key.
 */
static char **known_keys = NULL;
static int	nknown_keys = 0;
static int	known_keys_size = 0;

static emit_log_hook_type prev_emit_log_hook = NULL;

/* Names whose value is a key, whatever the value is. */
static const char *const key_names[] = {"api-key", "api_key", "apikey"};

/*
 * itg_redact_remember_key
 *		Note a key this backend sends, so that it is recognised in texts.
 */
void
itg_redact_remember_key(const char *key)
{
	if (key == NULL || key[0] == '\0')
		return;
	for (int i = 0; i < nknown_keys; i++)
		if (strcmp(known_keys[i], key) == 0)
			return;
	if (nknown_keys == known_keys_size)
	{
		int			size = Max(8, known_keys_size * 2);

		known_keys = known_keys == NULL ?
			MemoryContextAlloc(TopMemoryContext, sizeof(char *) * size) :
			repalloc(known_keys, sizeof(char *) * size);
		known_keys_size = size;
	}
	known_keys[nknown_keys++] = MemoryContextStrdup(TopMemoryContext, key);
}

/* ---------- reading a text one encoded character at a time ---------- */

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Parse n hex digits at s (n <= 6), or -1. */
static long
hexnum(const char *s, int n)
{
	long		v = 0;

	for (int i = 0; i < n; i++)
	{
		int			h = hexval(s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* A code point as UTF-8 into out (4 bytes); returns the length. */
static int
put_utf8(long cp, unsigned char *out)
{
	if (cp < 0 || cp > 0x10FFFF)
		return 0;
	unicode_to_utf8((pg_wchar) cp, out);
	return pg_utf_mblen(out);
}

/*
 * decode_unit
 *		What the text at s[p] stands for: a percent escape, a JSON escape
 *		(with surrogate pairs), a \xHH escape, an HTML character reference,
 *		or the byte itself.  Writes the decoded bytes to out (up to 4),
 *		returns how many input bytes the unit takes.  *partial is set when
 *		an escape may have been cut by the end of the text.
 */
static size_t
decode_unit(const char *s, size_t len, size_t p, unsigned char *out, int *nout,
			bool *partial)
{
	size_t		left = len - p;

	*partial = false;
	if (s[p] == '%')
	{
		if (left < 3)
		{
			*partial = true;
			goto raw;
		}
		if (hexval(s[p + 1]) >= 0 && hexval(s[p + 2]) >= 0)
		{
			out[0] = (unsigned char) hexnum(s + p + 1, 2);
			*nout = 1;
			return 3;
		}
	}
	else if (s[p] == '\\' && left >= 2)
	{
		char		c = s[p + 1];

		if (c == 'u')
		{
			long		cp;

			if (left < 6)
			{
				*partial = true;
				goto raw;
			}
			cp = hexnum(s + p + 2, 4);
			if (cp >= 0xD800 && cp <= 0xDBFF)
			{
				long		lo;

				if (left < 12)
				{
					*partial = true;
					goto raw;
				}
				lo = (s[p + 6] == '\\' && s[p + 7] == 'u') ? hexnum(s + p + 8, 4) : -1;
				if (lo >= 0xDC00 && lo <= 0xDFFF)
				{
					*nout = put_utf8(0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00), out);
					return 12;
				}
			}
			else if (cp >= 0 && (*nout = put_utf8(cp, out)) > 0)
				return 6;
		}
		else if (c == 'x')
		{
			if (left < 4)
			{
				*partial = true;
				goto raw;
			}
			if (hexval(s[p + 2]) >= 0 && hexval(s[p + 3]) >= 0)
			{
				out[0] = (unsigned char) hexnum(s + p + 2, 2);
				*nout = 1;
				return 4;
			}
		}
		else if (c == '/' || c == '\\' || c == '"' || c == '\'')
		{
			out[0] = (unsigned char) c;
			*nout = 1;
			return 2;
		}
	}
	else if (s[p] == '\\')
		*partial = true;
	else if (s[p] == '&')
	{
		/* &#73; &#x49; and the five XML names */
		static const struct
		{
			const char *name;
			char		c;
		}			named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'},
		{"quot;", '"'}, {"apos;", '\''}};
		size_t		semi = p + 1;

		while (semi < len && semi < p + 10 && s[semi] != ';')
			semi++;
		if (semi >= len)
		{
			*partial = left < 10;
			goto raw;
		}
		if (s[semi] == ';' && left > 3 && s[p + 1] == '#')
		{
			bool		hex = (s[p + 2] == 'x' || s[p + 2] == 'X');
			const char *d = s + p + (hex ? 3 : 2);
			long		cp = 0;

			if (d < s + semi)
			{
				for (; d < s + semi; d++)
				{
					int			v = hex ? hexval(*d) : (*d >= '0' && *d <= '9' ? *d - '0' : -1);

					if (v < 0 || cp > 0x10FFFF)
					{
						cp = -1;
						break;
					}
					cp = cp * (hex ? 16 : 10) + v;
				}
				if (cp >= 0 && (*nout = put_utf8(cp, out)) > 0)
					return semi - p + 1;
			}
		}
		for (size_t i = 0; i < lengthof(named); i++)
			if (left - 1 >= strlen(named[i].name) &&
				strncmp(s + p + 1, named[i].name, strlen(named[i].name)) == 0)
			{
				out[0] = (unsigned char) named[i].c;
				*nout = 1;
				return strlen(named[i].name) + 1;
			}
	}
raw:
	out[0] = (unsigned char) s[p];
	*nout = 1;
	return 1;
}

static inline unsigned char
fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/*
 * match_at
 *		Does the text at s[p] spell pattern (in any encoding decode_unit
 *		reads, letter case ignored)?  Returns the end of the match, or 0.
 *		When cut is set, a match still going when the text ends counts (the
 *		rest may have been cut off).
 */
static size_t
match_at(const char *s, size_t len, size_t p, const char *pattern, size_t plen, bool cut)
{
	size_t		i = 0;

	while (i < plen)
	{
		unsigned char out[4];
		int			nout;
		bool		partial;
		size_t		step;

		if (p >= len)
			return cut ? len : 0;
		step = decode_unit(s, len, p, out, &nout, &partial);
		if (partial && cut)
			return len;
		if (i + nout > plen)
			return 0;
		for (int k = 0; k < nout; k++)
		{
			unsigned char want = (unsigned char) pattern[i + k];

			if (fold(out[k]) != fold(want) && !(out[k] == '+' && want == ' '))
				return 0;
		}
		i += nout;
		p += step;
	}
	return p;
}

/*
 * key_value_at
 *		At s[p], a name such as "x-api-key" followed by ':' or '=' (quotes
 *		and spaces around them allowed): set [*vstart, *vend) to its value
 *		and return true.
 */
static bool
key_value_at(const char *s, size_t len, size_t p, size_t *vstart, size_t *vend)
{
	for (size_t n = 0; n < lengthof(key_names); n++)
	{
		size_t		q = match_at(s, len, p, key_names[n], strlen(key_names[n]), false);
		bool		assigned = false;
		int			seps = 0;

		if (q == 0)
			continue;
		/* separators: quotes, spaces, ':', '=', '>' (Ruby's =>) */
		while (q < len && seps < 8)
		{
			unsigned char out[4];
			int			nout;
			bool		partial;
			size_t		step = decode_unit(s, len, q, out, &nout, &partial);

			if (nout != 1 || strchr("\"' \t:=>", out[0]) == NULL || out[0] == '\0')
				break;
			if (out[0] == ':' || out[0] == '=')
				assigned = true;
			q += step;
			seps++;
		}
		if (!assigned)
			continue;
		*vstart = q;
		while (q < len)
		{
			unsigned char out[4];
			int			nout;
			bool		partial;
			size_t		step = decode_unit(s, len, q, out, &nout, &partial);

			if (nout == 1 && (strchr("\"'&,;<>(){}[] \t\r\n", out[0]) != NULL || out[0] == '\0'))
				break;
			q += step;
		}
		*vend = q;
		if (*vend > *vstart)
			return true;
	}
	return false;
}

/*
 * redact
 *		Append s with every known key and key value replaced, up to the
 *		first character boundary at or after byte limit (a match that starts
 *		before it is replaced whole).  Returns where it stopped; *any tells
 *		whether anything was replaced.
 */
static size_t
redact(StringInfo out, const char *s, size_t len, bool cut, size_t limit, bool *any)
{
	size_t		p = 0;

	*any = false;
	while (p < len && (p < limit || ((unsigned char) s[p] & 0xC0) == 0x80))
	{
		size_t		end = 0;
		size_t		vstart;
		size_t		vend;
		unsigned char dummy[4];
		int			nout;
		bool		partial;

		for (int k = 0; k < nknown_keys && end == 0; k++)
			end = match_at(s, len, p, known_keys[k], strlen(known_keys[k]), cut);
		if (end > p)
		{
			appendStringInfoString(out, ITG_REDACTED);
			p = end;
			*any = true;
			continue;
		}
		if (key_value_at(s, len, p, &vstart, &vend))
		{
			appendBinaryStringInfo(out, s + p, (int) (vstart - p));
			appendStringInfoString(out, ITG_REDACTED);
			p = vend;
			*any = true;
			continue;
		}
		end = p + decode_unit(s, len, p, dummy, &nout, &partial);
		appendBinaryStringInfo(out, s + p, (int) (end - p));
		p = end;
	}
	return p;
}

/*
 * make_printable
 *		Append s as one line of valid text in the database encoding:
 *		invalid UTF-8 bytes become \xHH, other non-ASCII characters stay
 *		in a UTF-8 database and become \uXXXX / \U00XXXXXX elsewhere,
 *		runs of white space become one space, control characters '?'.
 */
static void
make_printable(StringInfo out, const char *s, size_t len)
{
	bool		utf8_db = GetDatabaseEncoding() == PG_UTF8;
	bool		space = false;
	size_t		p = 0;

	while (p < len)
	{
		unsigned char c = (unsigned char) s[p];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
		{
			space = true;
			p++;
			continue;
		}
		if (space && out->len > 0)
			appendStringInfoChar(out, ' ');
		space = false;
		if (c < 0x80)
		{
			appendStringInfoChar(out, (c < 0x20 || c == 0x7f) ? '?' : (char) c);
			p++;
			continue;
		}
		{
			int			n = pg_utf_mblen((const unsigned char *) s + p);

			if (p + n <= len && pg_utf8_islegal((const unsigned char *) s + p, n))
			{
				if (utf8_db)
					appendBinaryStringInfo(out, s + p, n);
				else
				{
					pg_wchar	cp = utf8_to_unicode((const unsigned char *) s + p);

					appendStringInfo(out, cp > 0xFFFF ? "\\U%08X" : "\\u%04X", (unsigned) cp);
				}
				p += n;
			}
			else
			{
				appendStringInfo(out, "\\x%02X", c);
				p++;
			}
		}
	}
}

/*
 * itg_safe_text
 *		A text taken from a response (len bytes, NUL or not), safe for a
 *		message: keys redacted, valid and printable in the database
 *		encoding, one line.  cut says the text is the start of a longer one.
 *		max_bytes > 0 shows only about that many bytes of it (to a character
 *		boundary; the whole text is still searched for keys).  A text shown
 *		in part ends with "...".  Palloc'd.
 */
char *
itg_safe_text(const char *text, size_t len, bool cut, size_t max_bytes)
{
	StringInfoData redacted;
	StringInfoData out;
	size_t		shown;
	bool		any;

	if (text == NULL)
		return pstrdup("");
	initStringInfo(&redacted);
	shown = redact(&redacted, text, len, cut, max_bytes > 0 ? max_bytes : len, &any);
	initStringInfo(&out);
	make_printable(&out, redacted.data, redacted.len);
	pfree(redacted.data);
	if (shown < len || cut)
		appendStringInfoString(&out, "...");
	return out.data;
}

/* itg_safe_cstring: itg_safe_text of a whole NUL-terminated text. */
char *
itg_safe_cstring(const char *text)
{
	return itg_safe_text(text, text ? strlen(text) : 0, false, 0);
}

/* ---------- the second line: every emitted message ---------- */

/* A message field with the known keys removed, or NULL if none was there. */
static char *
redact_field(const char *text)
{
	StringInfoData buf;
	bool		any;
	size_t		len;

	if (text == NULL)
		return NULL;
	len = strlen(text);
	initStringInfo(&buf);
	(void) redact(&buf, text, len, false, len, &any);
	if (any)
		return buf.data;
	pfree(buf.data);
	return NULL;
}

static void
redact_emit_log_hook(ErrorData *edata)
{
	/* Not while an error is failing to be reported: allocate nothing then. */
	if (nknown_keys > 0 && !in_error_recursion_trouble())
	{
		char	  **fields[] = {&edata->message, &edata->detail, &edata->detail_log,
		&edata->hint, &edata->context, &edata->internalquery};

		for (size_t i = 0; i < lengthof(fields); i++)
		{
			char	   *clean = redact_field(*fields[i]);

			if (clean != NULL)
				*fields[i] = clean;
		}
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* itg_redact_init: from _PG_init. */
void
itg_redact_init(void)
{
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = redact_emit_log_hook;
}

/* Replace a text in a fixed-size buffer by its safe form, cut to fit. */
void
itg_safe_buffer(char *buf, size_t size, bool cut)
{
	char	   *safe = itg_safe_text(buf, strlen(buf), cut, 0);

	strlcpy(buf, safe, pg_mbcliplen(safe, strlen(safe), size - 1) + 1);
	pfree(safe);
}
