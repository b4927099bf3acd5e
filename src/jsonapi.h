/*-------------------------------------------------------------------------
 *
 * jsonapi.h
 *		JSON:API page parsing and request bodies, independent of PostgreSQL.
 *
 * This interface is plain C: it includes neither PostgreSQL nor json-c
 * headers, so the parser can be built into a libFuzzer target and unit tests
 * without a backend.  Every string it returns is allocated through the
 * caller's allocator (palloc in the backend), so the caller's memory context
 * owns the results; json-c's own objects never outlive a call.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ITGLUE_JSONAPI_H
#define ITGLUE_JSONAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kind of one JSON value found in a record's attributes. */
typedef enum ItgJsonKind
{
	ITG_JSON_ABSENT = 0,		/* the attribute is not in the record */
	ITG_JSON_NULL,
	ITG_JSON_BOOL,
	ITG_JSON_INT,
	ITG_JSON_DOUBLE,
	ITG_JSON_STRING,
	ITG_JSON_OBJECT,
	ITG_JSON_ARRAY
} ItgJsonKind;

/*
 * One attribute value.  For strings, text is the decoded string (NUL
 * terminated; len excludes the NUL, and the string may contain no NUL
 * bytes).  For every other kind, text is the value's JSON text ("true",
 * "42", "[1,6]", ...).  For null and absent, text is NULL.
 */
typedef struct ItgValue
{
	ItgJsonKind kind;
	const char *text;
	size_t		len;
} ItgValue;

/* One JSON:API resource object, with the requested attributes in order. */
typedef struct ItgRecord
{
	const char *id;				/* "id" member as text (a JSON string or number) */
	ItgValue   *values;			/* one per requested attribute name */
} ItgRecord;

/* What a list or show response holds. */
typedef struct ItgPage
{
	int			nrecords;
	ItgRecord  *records;
	bool		has_meta;		/* meta object present with paging members */
	int64_t		current_page;	/* -1 when absent */
	int64_t		next_page;		/* -1 when null or absent */
	int64_t		total_pages;	/* -1 when absent */
	int64_t		total_count;	/* -1 when absent */
	bool		scanned;		/* read by the fast scanner, not json-c */
} ItgPage;

/* Allocator: returns zeroed memory, or NULL when out of memory. */
typedef void *(*ItgAllocFn) (void *alloc_ctx, size_t size);

/*
 * Requested-attribute name meaning "the whole attributes object", for a json
 * or jsonb column named attributes.
 */
#define ITG_ATTR_ALL "\001all"
#define ITG_ATTR_UPDATED_AT "updated-at"	/* the record cache's key */

/* Parser limits that keep a hostile body from exhausting the backend. */
#define ITG_JSON_MAX_DEPTH 64

/*
 * itg_parse_page
 *		Parse a JSON:API document.  With single_object, "data" must be one
 *		resource object (a show response), otherwise an array.
 *
 * Returns true on success.  On failure returns false with a one-line English
 * description of what is wrong in errbuf (never any body text longer than a
 * short excerpt).
 */
extern bool itg_parse_page(const char *body, size_t len,
						   const char *const *attr_names, int nattrs,
						   bool single_object,
						   ItgAllocFn alloc, void *alloc_ctx,
						   ItgPage *page, char *errbuf, size_t errlen);

/*
 * Incremental parsing: a body fed chunk by chunk as it arrives (from
 * libcurl's write callback: no allocation but malloc, no longjmp), then
 * finished into a page.  After itg_json_stream_expect, records are read out
 * while the body arrives (see src/jsonscan.h).  Errors found while feeding
 * are kept and reported by itg_parse_stream.
 */
typedef struct ItgJsonStream ItgJsonStream;

extern ItgJsonStream *itg_json_stream_new(void);	/* NULL when out of memory */
extern void itg_json_stream_use_scanner(ItgJsonStream *stream, bool use_scanner);
extern void itg_json_stream_expect(ItgJsonStream *stream,
								   const char *const *attr_names, int nattrs,
								   bool single_object);
extern void itg_json_stream_reset(ItgJsonStream *stream);
extern void itg_json_stream_free(ItgJsonStream *stream);
extern bool itg_json_stream_feed(ItgJsonStream *stream, const char *data, size_t len);
extern bool itg_parse_stream(ItgJsonStream *stream,
							 const char *const *attr_names, int nattrs,
							 bool single_object,
							 ItgAllocFn alloc, void *alloc_ctx,
							 ItgPage *page, char *errbuf, size_t errlen);

/*
 * Pages are read by the fast scanner (src/jsonscan.c) and, when it does not
 * take a body, by json-c.  itg_parse_page_ex without use_scanner reads with
 * json-c only, for tests that compare the two; otherwise it is
 * itg_parse_page.
 */
extern bool itg_parse_page_ex(const char *body, size_t len,
							  const char *const *attr_names, int nattrs,
							  bool single_object, bool use_scanner,
							  ItgAllocFn alloc, void *alloc_ctx,
							  ItgPage *page, char *errbuf, size_t errlen);

/*
 * Give json-c non-ASCII text as \u escapes even where its strict mode takes
 * UTF-8 (json-c 0.18's does not: then it always happens).  For tests.
 */
extern bool itg_json_escape_non_ascii;

/* What an error response said, from either body shape IT Glue uses. */
typedef struct ItgApiError
{
	const char *title;			/* first error's title, or the gateway message */
	const char *detail;			/* first error's detail, or NULL */
	const char *pointer;		/* first error's source.pointer, or NULL */
	const char *all_text;		/* every error as "title: detail (pointer)"; */
	int			nerrors;
} ItgApiError;

/*
 * itg_parse_error_body
 *		Read a JSON:API errors array or a gateway {"message": ...} body.
 *		Returns false when the body is neither (HTML, garbage, empty).
 */
extern bool itg_parse_error_body(const char *body, size_t len,
								 ItgAllocFn alloc, void *alloc_ctx,
								 ItgApiError *err);

/*
 * itg_check_record_types
 *		True when every resource object in "data" has the JSON:API type
 *		json_type; false with a one-line description in errbuf otherwise.
 */
extern bool itg_check_record_types(const char *body, size_t len, const char *json_type,
								   char *errbuf, size_t errlen);

/* One attribute of a request body being built. */
typedef struct ItgBodyAttr
{
	const char *name;			/* JSON:API attribute name (kebab-case) */
	ItgJsonKind kind;			/* NULL, BOOL, INT, DOUBLE, STRING, OBJECT, ARRAY */
	const char *text;			/* as in ItgValue; JSON text for non-strings */
} ItgBodyAttr;

/*
 * itg_build_body
 *		Build {"data":{"type":T,"attributes":{...}}}, or with as_array a
 *		{"data":[...]} of one such object per row (bulk forms).  Non-string
 *		values are re-validated as JSON, and their numbers go out exactly as
 *		written (integers beyond 64 bits included).  Returns NULL with errbuf set when a
 *		value is not valid JSON.
 */
extern char *itg_build_body(const char *json_type,
							const ItgBodyAttr *const *rows, const int *nattrs,
							int nrows, bool as_array,
							ItgAllocFn alloc, void *alloc_ctx,
							char *errbuf, size_t errlen);

#endif							/* ITGLUE_JSONAPI_H */
