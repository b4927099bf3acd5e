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

#include <ctype.h>
#include <errno.h>
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
			i++;
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
 *		cannot be told from clamped ones and are refused too.)
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

/*
 * parse_json
 *		Parse a whole body with a depth-limited tokener into *root (NULL for
 *		the JSON value null).  False with errbuf set when the body is not
 *		exactly one JSON value.
 */
static bool
parse_json(const char *body, size_t len, json_object **root,
		   char *errbuf, size_t errlen)
{
	json_tokener *tok;
	enum json_tokener_error jerr;
	size_t		bad;
	bool		ok = false;

	*root = NULL;
	if (body == NULL || len == 0)
	{
		set_error(errbuf, errlen, "the response body is empty");
		return false;
	}
	if (len > (size_t) INT32_MAX)
	{
		set_error(errbuf, errlen, "the response body is too large to parse");
		return false;
	}
	bad = invalid_utf8_at((const unsigned char *) body, len);
	if (bad < len)
	{
		set_error(errbuf, errlen, "invalid UTF-8 at byte %zu", bad);
		return false;
	}

	tok = json_tokener_new_ex(ITG_JSON_MAX_DEPTH);
	if (tok == NULL)
	{
		set_error(errbuf, errlen, "out of memory while parsing the response");
		return false;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	*root = json_tokener_parse_ex(tok, body, (int) len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue)
	{
		/*
		 * The tokener took every byte and wants more.  A document that is a
		 * bare number or literal ("42", "true") is only complete once the
		 * tokener sees its end, which json_tokener_parse() marks with the
		 * terminating NUL; do the same.  Anything else is truncated.
		 */
		*root = json_tokener_parse_ex(tok, "", 1);
		if (json_tokener_get_error(tok) == json_tokener_success)
			ok = true;
		else
			set_error(errbuf, errlen,
					  "the JSON document ends early (truncated after %zu bytes)", len);
	}
	else if (jerr == json_tokener_success)
	{
		/* Anything but white space after the value is garbage. */
		size_t		used = json_tokener_get_parse_end(tok);

		while (used < len && (body[used] == ' ' || body[used] == '\n' ||
							  body[used] == '\r' || body[used] == '\t'))
			used++;
		if (used < len)
			set_error(errbuf, errlen,
					  "unexpected text after the JSON document at byte %zu", used);
		else
			ok = true;
	}
	else
		set_error(errbuf, errlen, "invalid JSON at byte %zu: %s",
				  json_tokener_get_parse_end(tok),
				  json_tokener_error_desc(jerr));
	json_tokener_free(tok);

	if (ok && !check_numbers(*root, errbuf, errlen))
		ok = false;
	if (!ok)
	{
		json_object_put(*root);
		*root = NULL;
	}
	return ok;
}

/* JSON text of a value, plain and compact, copied out. */
static char *
copy_json_text(json_object *obj, ItgAllocFn alloc, void *alloc_ctx, size_t *len)
{
	size_t		n;
	const char *s = json_object_to_json_string_length(obj,
													  JSON_C_TO_STRING_PLAIN |
													  JSON_C_TO_STRING_NOSLASHESCAPE,
													  &n);

	*len = n;
	return copy_text(alloc, alloc_ctx, s, n);
}

/*
 * extract_value
 *		Fill one ItgValue from a json-c value.  False only on allocation
 *		failure or a string with an embedded NUL (which no text type holds).
 */
static bool
extract_value(json_object *v, ItgValue *out, ItgAllocFn alloc, void *alloc_ctx,
			  bool *has_nul)
{
	*has_nul = false;
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
			break;
		case json_type_int:
			out->kind = ITG_JSON_INT;
			break;
		case json_type_double:
			out->kind = ITG_JSON_DOUBLE;
			break;
		case json_type_object:
			out->kind = ITG_JSON_OBJECT;
			break;
		case json_type_array:
			out->kind = ITG_JSON_ARRAY;
			break;
	}
	out->text = copy_json_text(v, alloc, alloc_ctx, &out->len);
	return out->text != NULL;
}

/* Read an integer member of meta; -1 when null, absent or not an integer. */
static int64_t
meta_int(json_object *meta, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(meta, key, &v) || v == NULL)
		return -1;
	if (json_object_get_type(v) == json_type_int)
		return json_object_get_int64(v);
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
parse_record(json_object *item, int index, ItgRecord *rec,
			 const char *const *attr_names, int nattrs,
			 ItgAllocFn alloc, void *alloc_ctx, char *errbuf, size_t errlen)
{
	json_object *id;
	json_object *attrs = NULL;
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
	switch (json_object_get_type(id))
	{
		case json_type_string:
			rec->id = copy_text(alloc, alloc_ctx, json_object_get_string(id),
								(size_t) json_object_get_string_len(id));
			break;
		case json_type_int:
			rec->id = copy_json_text(id, alloc, alloc_ctx, &n);
			break;
		default:
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

	for (int i = 0; i < nattrs; i++)
	{
		ItgValue   *out = &rec->values[i];
		json_object *v;
		bool		has_nul;

		if (attr_names[i] == NULL)
			continue;			/* caller does not need this slot */
		if (attrs == NULL)
		{
			out->kind = ITG_JSON_ABSENT;
			continue;
		}
		if (strcmp(attr_names[i], ITG_ATTR_ALL) == 0)
		{
			out->kind = ITG_JSON_OBJECT;
			out->text = copy_json_text(attrs, alloc, alloc_ctx, &out->len);
			if (out->text == NULL)
				goto oom;
			continue;
		}
		if (!json_object_object_get_ex(attrs, attr_names[i], &v))
		{
			out->kind = ITG_JSON_ABSENT;
			continue;
		}
		if (!extract_value(v, out, alloc, alloc_ctx, &has_nul))
		{
			if (has_nul)
			{
				set_error(errbuf, errlen,
						  "attribute \"%s\" of record id %s contains a NUL character",
						  attr_names[i], rec->id);
				return false;
			}
			goto oom;
		}
	}
	return true;

oom:
	set_error(errbuf, errlen, "out of memory while reading the response");
	return false;
}

bool
itg_parse_page(const char *body, size_t len,
			   const char *const *attr_names, int nattrs,
			   bool single_object,
			   ItgAllocFn alloc, void *alloc_ctx,
			   ItgPage *page, char *errbuf, size_t errlen)
{
	json_object *root;
	json_object *data;
	json_object *meta;
	bool		ok = false;

	memset(page, 0, sizeof(*page));
	page->current_page = page->next_page = page->total_pages = page->total_count = -1;

	if (!parse_json(body, len, &root, errbuf, errlen))
		return false;

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
		page->current_page = meta_int(meta, "current-page");
		page->next_page = meta_int(meta, "next-page");
		page->total_pages = meta_int(meta, "total-pages");
		page->total_count = meta_int(meta, "total-count");
		page->has_meta = (page->current_page >= 0 || page->total_pages >= 0 ||
						  page->total_count >= 0);
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
		if (!parse_record(data, 0, &page->records[0], attr_names, nattrs,
						  alloc, alloc_ctx, errbuf, errlen))
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
							  &page->records[i], attr_names, nattrs,
							  alloc, alloc_ctx, errbuf, errlen))
				goto done;
		}
		page->nrecords = (int) n;
		ok = true;
	}

done:
	json_object_put(root);
	return ok;
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

bool
itg_parse_error_body(const char *body, size_t len,
					 ItgAllocFn alloc, void *alloc_ctx, ItgApiError *err)
{
	json_object *root;
	json_object *errors;
	char		scratch[128];
	bool		ok = false;

	memset(err, 0, sizeof(*err));
	if (!parse_json(body, len, &root, scratch, sizeof(scratch)))
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
			json_object *e = json_object_array_get_idx(errors, i);
			const char *t = member_string(e, "title");
			const char *d = member_string(e, "detail");
			json_object *src;
			const char *p = NULL;

			if (json_object_object_get_ex(e, "source", &src))
				p = member_string(src, "pointer");
			total += (t ? strlen(t) : 0) + (d ? strlen(d) : 0) + (p ? strlen(p) : 0) + 16;
		}
		all = alloc(alloc_ctx, total);
		if (all == NULL)
			goto done;
		for (size_t i = 0; i < n; i++)
		{
			json_object *e = json_object_array_get_idx(errors, i);
			const char *t = member_string(e, "title");
			const char *d = member_string(e, "detail");
			json_object *src;
			const char *p = NULL;

			if (json_object_object_get_ex(e, "source", &src))
				p = member_string(src, "pointer");
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

				if (!parse_json(a->text, strlen(a->text), &v, inner, sizeof(inner)))
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
	}

done:
	json_object_put(root);
	return result;
}
