/*-------------------------------------------------------------------------
 *
 * test_jsonapi.c
 *		Unit tests of src/jsonapi.c (page parsing, error bodies, request
 *		bodies), without a backend.
 *
 * Every test uses an arena allocator standing in for palloc: it hands out
 * zeroed blocks, remembers them, can be told to fail after N allocations,
 * and frees everything between tests.  So any memory still held at exit was
 * allocated by json-c and leaked by the parser; the build uses
 * AddressSanitizer (when the compiler has it) and the last test asks
 * LeakSanitizer.
 *
 * Output: one line per failed check, one line per test, then exactly
 * "unit: N passed, M failed" (tests, not checks).  Exit status 1 on failure.
 *
 *-------------------------------------------------------------------------
 */
#include "jsonapi.h"
#include "recshape.h"

#include <json-c/json.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_LSAN 1
#endif
#endif
#ifdef HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* ---------------------------------------------------------------------
 * A tiny harness
 * --------------------------------------------------------------------- */

static int	tests_passed;
static int	tests_failed;
static int	checks_failed;			/* in the current test */
static const char *current_test;

static void
check_failed(const char *file, int line, const char *fmt,...)
{
	va_list		ap;

	fprintf(stderr, "%s:%d: %s: ", file, line, current_test);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	checks_failed++;
}

#define CHECK(cond) \
	do { \
		if (!(cond)) \
			check_failed(__FILE__, __LINE__, "expected %s", #cond); \
	} while (0)

#define CHECK_INT(actual, expected) \
	do { \
		long long a_ = (long long) (actual), e_ = (long long) (expected); \
		if (a_ != e_) \
			check_failed(__FILE__, __LINE__, "%s is %lld, expected %lld", \
						 #actual, a_, e_); \
	} while (0)

/* Exact string equality; NULL equals only NULL. */
#define CHECK_STR(actual, expected) \
	do { \
		const char *a_ = (actual), *e_ = (expected); \
		if ((a_ == NULL || e_ == NULL) ? a_ != e_ : strcmp(a_, e_) != 0) \
			check_failed(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", \
						 #actual, a_ ? a_ : "(null)", e_ ? e_ : "(null)"); \
	} while (0)

/* A value's kind, exact text and length. */
#define CHECK_VALUE(v, k, text_) \
	do { \
		const ItgValue *v_ = &(v); \
		const char *t_ = (text_); \
		CHECK_INT(v_->kind, k); \
		CHECK_STR(v_->text, t_); \
		if (t_ != NULL) \
			CHECK_INT(v_->len, strlen(t_)); \
	} while (0)

static void
run_test(const char *name, void (*fn) (void))
{
	current_test = name;
	checks_failed = 0;
	fn();
	if (checks_failed == 0)
	{
		tests_passed++;
		printf("ok   %s\n", name);
	}
	else
	{
		tests_failed++;
		printf("FAIL %s (%d checks)\n", name, checks_failed);
	}
	fflush(stdout);
}

#define RUN(fn) run_test(#fn, fn)

/* ---------------------------------------------------------------------
 * The arena allocator (palloc's stand-in)
 * --------------------------------------------------------------------- */

typedef struct Arena
{
	void	  **blocks;
	size_t	   *sizes;
	size_t		nblocks;
	size_t		cap;
	long		limit;			/* fail once count reaches this; -1 never */
	long		count;			/* successful allocations */
} Arena;

static Arena arena = {NULL, NULL, 0, 0, -1, 0};

static void *
arena_alloc(void *ctx, size_t size)
{
	Arena	   *a = ctx;
	void	   *p;

	if (a->limit >= 0 && a->count >= a->limit)
		return NULL;
	if (a->nblocks == a->cap)
	{
		size_t		ncap = a->cap ? a->cap * 2 : 64;
		void	  **nb = realloc(a->blocks, ncap * sizeof(void *));
		size_t	   *ns;

		if (nb == NULL)
			return NULL;
		a->blocks = nb;
		ns = realloc(a->sizes, ncap * sizeof(size_t));
		if (ns == NULL)
			return NULL;
		a->sizes = ns;
		a->cap = ncap;
	}
	p = calloc(1, size ? size : 1);
	if (p == NULL)
		return NULL;
	a->sizes[a->nblocks] = size;
	a->blocks[a->nblocks++] = p;
	a->count++;
	return p;
}

/* Free everything; the next allocations are unlimited. */
static void
arena_reset(Arena *a)
{
	for (size_t i = 0; i < a->nblocks; i++)
		free(a->blocks[i]);
	a->nblocks = 0;
	a->count = 0;
	a->limit = -1;
}

/* Does this pointer point into memory from the arena (so not json-c's or the scanner's)? */
static bool
arena_owns(const Arena *a, const void *p)
{
	for (size_t i = a->nblocks; i > 0; i--)
		if ((const char *) p >= (const char *) a->blocks[i - 1] &&
			(const char *) p < (const char *) a->blocks[i - 1] + (a->sizes[i - 1] ? a->sizes[i - 1] : 1))
			return true;
	return false;
}

/* ---------------------------------------------------------------------
 * Helpers
 * --------------------------------------------------------------------- */

static char errbuf[256];

/* Whether the fast scanner may read a body (it may in the FDW); off: json-c only. */
static bool use_scanner = true;

/* itg_parse_page, with the scanner as use_scanner says. */
static bool
parse_page_as_set(const char *body, size_t len, const char *const *names, int nnames,
				  bool single, ItgAllocFn alloc, void *alloc_ctx, ItgPage *page,
				  char *err, size_t errlen)
{
	return itg_parse_page_ex(body, len, names, nnames, single, use_scanner,
							 alloc, alloc_ctx, page, err, errlen);
}

static bool
parse_list(const char *body, const char *const *names, int nnames, ItgPage *page)
{
	arena_reset(&arena);
	errbuf[0] = '\0';
	return parse_page_as_set(body, strlen(body), names, nnames, false,
						  arena_alloc, &arena, page, errbuf, sizeof(errbuf));
}

static bool
parse_show(const char *body, const char *const *names, int nnames, ItgPage *page)
{
	arena_reset(&arena);
	errbuf[0] = '\0';
	return parse_page_as_set(body, strlen(body), names, nnames, true,
						  arena_alloc, &arena, page, errbuf, sizeof(errbuf));
}

/* A list body must fail with exactly this message. */
#define CHECK_LIST_ERROR(body, msg) \
	do { \
		ItgPage p_; \
		CHECK(!parse_list((body), NULL, 0, &p_)); \
		CHECK_STR(errbuf, (msg)); \
	} while (0)

static bool
parse_error(const char *body, size_t len, ItgApiError *err)
{
	arena_reset(&arena);
	return itg_parse_error_body(body, len, arena_alloc, &arena, err);
}

static char *
build_one(const char *type, const ItgBodyAttr *attrs, int nattrs)
{
	const ItgBodyAttr *rows[1] = {attrs};

	arena_reset(&arena);
	errbuf[0] = '\0';
	return itg_build_body(type, rows, &nattrs, 1, false, arena_alloc, &arena,
						  errbuf, sizeof(errbuf));
}

/* A growable string for generated documents. */
typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

static void
buf_add(Buf *b, const char *fmt,...)
{
	va_list		ap;
	int			n;

	for (;;)
	{
		size_t		room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t) n < room)
			break;
		b->cap = (b->cap + (size_t) n + 1) * 2;
		b->data = realloc(b->data, b->cap);
		if (b->data == NULL)
			abort();
	}
	b->len += (size_t) n;
}

/* A JSON:API list page as IT Glue sends it. */
static const char *const org_page =
"{\"data\":["
"{\"id\":\"1\",\"type\":\"organizations\",\"attributes\":"
"{\"name\":\"Acme\",\"organization-type-id\":3,\"quick-notes\":null,"
"\"created-at\":\"2024-01-02T03:04:05.000Z\"},"
"\"relationships\":{}},"
"{\"id\":\"2\",\"type\":\"organizations\",\"attributes\":"
"{\"name\":\"Beta \\u0026 Co\",\"organization-type-id\":null}}"
"],"
"\"meta\":{\"current-page\":1,\"next-page\":2,\"prev-page\":null,"
"\"total-pages\":3,\"total-count\":5,\"filters\":{}},"
"\"links\":{\"self\":\"https://api.itglue.com/organizations?page%5Bnumber%5D=1\"}}";

/* ---------------------------------------------------------------------
 * itg_parse_page: document shapes
 * --------------------------------------------------------------------- */

static void
test_list_page_with_meta(void)
{
	const char *names[] = {"name", "organization-type-id", "quick-notes", "missing"};
	ItgPage		p;

	CHECK(parse_list(org_page, names, 4, &p));
	CHECK_INT(p.nrecords, 2);
	CHECK(p.has_meta);
	CHECK_INT(p.current_page, 1);
	CHECK_INT(p.next_page, 2);
	CHECK_INT(p.total_pages, 3);
	CHECK_INT(p.total_count, 5);
	if (p.nrecords != 2)
		return;
	CHECK_STR(p.records[0].id, "1");
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_STRING, "Acme");
	CHECK_VALUE(p.records[0].values[1], ITG_JSON_INT, "3");
	CHECK_VALUE(p.records[0].values[2], ITG_JSON_NULL, NULL);
	CHECK_VALUE(p.records[0].values[3], ITG_JSON_ABSENT, NULL);
	CHECK_STR(p.records[1].id, "2");
	CHECK_VALUE(p.records[1].values[0], ITG_JSON_STRING, "Beta & Co");
	CHECK_VALUE(p.records[1].values[1], ITG_JSON_NULL, NULL);
	CHECK_VALUE(p.records[1].values[2], ITG_JSON_ABSENT, NULL);

	/* Everything handed back lives in the caller's allocator. */
	CHECK(arena_owns(&arena, p.records));
	CHECK(arena_owns(&arena, p.records[0].id));
	CHECK(arena_owns(&arena, p.records[0].values));
	CHECK(arena_owns(&arena, p.records[0].values[0].text));
	CHECK(arena_owns(&arena, p.records[1].values[0].text));
}

static void
test_list_last_page(void)
{
	ItgPage		p;

	CHECK(parse_list("{\"data\":[{\"id\":\"9\"}],\"meta\":{\"current-page\":3,"
					 "\"next-page\":null,\"prev-page\":2,\"total-pages\":3,"
					 "\"total-count\":21}}", NULL, 0, &p));
	CHECK_INT(p.nrecords, 1);
	CHECK(p.has_meta);
	CHECK_INT(p.current_page, 3);
	CHECK_INT(p.next_page, -1);
	CHECK_INT(p.total_pages, 3);
	CHECK_INT(p.total_count, 21);
	CHECK_STR(p.records[0].id, "9");
	CHECK(p.records[0].values != NULL);	/* one slot even with no names */
}

static void
test_list_empty_page(void)
{
	ItgPage		p;

	CHECK(parse_list("{\"data\":[],\"meta\":{\"current-page\":1,\"next-page\":null,"
					 "\"total-pages\":0,\"total-count\":0}}", NULL, 0, &p));
	CHECK_INT(p.nrecords, 0);
	CHECK(p.has_meta);
	CHECK_INT(p.total_pages, 0);
	CHECK_INT(p.total_count, 0);
	CHECK_INT(p.next_page, -1);
}

static void
test_meta_variants(void)
{
	ItgPage		p;

	/* No meta at all. */
	CHECK(parse_list("{\"data\":[]}", NULL, 0, &p));
	CHECK(!p.has_meta);
	CHECK_INT(p.current_page, -1);
	CHECK_INT(p.next_page, -1);
	CHECK_INT(p.total_pages, -1);
	CHECK_INT(p.total_count, -1);

	/* Numbers as strings count; other kinds do not. */
	CHECK(parse_list("{\"data\":[],\"meta\":{\"current-page\":\"2\",\"next-page\":\"x\","
					 "\"total-pages\":2.5,\"total-count\":true}}", NULL, 0, &p));
	CHECK(p.has_meta);
	CHECK_INT(p.current_page, 2);
	CHECK_INT(p.next_page, -1);
	CHECK_INT(p.total_pages, -1);
	CHECK_INT(p.total_count, -1);

	/* Meta without paging members, and meta that is not an object. */
	CHECK(parse_list("{\"data\":[],\"meta\":{\"filters\":{}}}", NULL, 0, &p));
	CHECK(!p.has_meta);
	CHECK(parse_list("{\"data\":[],\"meta\":[1,2]}", NULL, 0, &p));
	CHECK(!p.has_meta);
	CHECK(parse_list("{\"data\":[],\"meta\":null}", NULL, 0, &p));
	CHECK(!p.has_meta);
	CHECK_INT(p.total_count, -1);

	/* Large but valid counts. */
	CHECK(parse_list("{\"data\":[],\"meta\":{\"total-count\":9007199254740993}}",
					 NULL, 0, &p));
	CHECK(p.has_meta);
	CHECK_INT(p.total_count, 9007199254740993LL);
}

static void
test_show_object(void)
{
	const char *names[] = {"name"};
	ItgPage		p;

	CHECK(parse_show("{\"data\":{\"id\":\"42\",\"type\":\"organizations\","
					 "\"attributes\":{\"name\":\"Acme\"}}}", names, 1, &p));
	CHECK_INT(p.nrecords, 1);
	CHECK(!p.has_meta);
	CHECK_STR(p.records[0].id, "42");
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_STRING, "Acme");
}

static void
test_show_data_null(void)
{
	const char *names[] = {"name"};
	ItgPage		p;

	CHECK(parse_show("{\"data\":null}", names, 1, &p));
	CHECK_INT(p.nrecords, 0);
	CHECK(p.records == NULL);

	/* In a list, null data is an error. */
	CHECK(!parse_list("{\"data\":null}", names, 1, &p));
	CHECK_STR(errbuf, "\"data\" is not an array");
}

static void
test_missing_data(void)
{
	ItgPage		p;

	CHECK_LIST_ERROR("{}", "the response has no \"data\" member");
	CHECK_LIST_ERROR("{\"meta\":{\"total-count\":1}}", "the response has no \"data\" member");
	CHECK(!parse_show("{\"links\":{}}", NULL, 0, &p));
	CHECK_STR(errbuf, "the response has no \"data\" member");
	CHECK_INT(p.nrecords, 0);
}

static void
test_data_wrong_shape(void)
{
	ItgPage		p;

	CHECK_LIST_ERROR("{\"data\":{\"id\":\"1\"}}", "\"data\" is not an array");
	CHECK_LIST_ERROR("{\"data\":\"1\"}", "\"data\" is not an array");
	CHECK_LIST_ERROR("{\"data\":7}", "\"data\" is not an array");
	CHECK(!parse_show("{\"data\":[{\"id\":\"1\"}]}", NULL, 0, &p));
	CHECK_STR(errbuf, "\"data\" is not an object");
	CHECK(!parse_show("{\"data\":true}", NULL, 0, &p));
	CHECK_STR(errbuf, "\"data\" is not an object");
}

static void
test_errors_document(void)
{
	ItgPage		p;

	CHECK_LIST_ERROR("{\"errors\":[{\"status\":\"401\",\"title\":\"Unauthorized\"}]}",
					 "the response is an error document, not data");
	CHECK(!parse_show("{\"errors\":[]}", NULL, 0, &p));
	CHECK_STR(errbuf, "the response is an error document, not data");
}

static void
test_not_an_object(void)
{
	CHECK_LIST_ERROR("[]", "the response is not a JSON object");
	CHECK_LIST_ERROR("[{\"data\":[]}]", "the response is not a JSON object");
	CHECK_LIST_ERROR("\"data\"", "the response is not a JSON object");
	CHECK_LIST_ERROR("null", "the response is not a JSON object");
	CHECK_LIST_ERROR("42", "the response is not a JSON object");
	CHECK_LIST_ERROR("true", "the response is not a JSON object");
}

static void
test_record_shapes(void)
{
	ItgPage		p;

	CHECK_LIST_ERROR("{\"data\":[{\"id\":\"1\"},{\"attributes\":{}}]}",
					 "record 2 has no \"id\"");
	CHECK_LIST_ERROR("{\"data\":[{\"id\":null}]}", "record 1 has no \"id\"");
	CHECK_LIST_ERROR("{\"data\":[{\"id\":true}]}",
					 "record 1 has an \"id\" that is neither a string nor an integer");
	CHECK_LIST_ERROR("{\"data\":[{\"id\":1.5}]}",
					 "record 1 has an \"id\" that is neither a string nor an integer");
	CHECK_LIST_ERROR("{\"data\":[{\"id\":[1]}]}",
					 "record 1 has an \"id\" that is neither a string nor an integer");
	CHECK_LIST_ERROR("{\"data\":[{\"id\":\"1\"},2]}", "record 2 of \"data\" is not an object");
	CHECK_LIST_ERROR("{\"data\":[null]}", "record 1 of \"data\" is not an object");
	CHECK(!parse_show("{\"data\":{\"type\":\"organizations\"}}", NULL, 0, &p));
	CHECK_STR(errbuf, "record 1 has no \"id\"");
}

static void
test_integer_id(void)
{
	const char *names[] = {"a"};
	ItgPage		p;

	CHECK(parse_list("{\"data\":[{\"id\":42,\"attributes\":{\"a\":1}},"
					 "{\"id\":-7},{\"id\":9223372036854775807}]}", names, 1, &p));
	CHECK_INT(p.nrecords, 3);
	CHECK_STR(p.records[0].id, "42");
	CHECK(arena_owns(&arena, p.records[0].id));
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_INT, "1");
	CHECK_STR(p.records[1].id, "-7");
	CHECK_STR(p.records[2].id, "9223372036854775807");
	CHECK_VALUE(p.records[1].values[0], ITG_JSON_ABSENT, NULL);

	/* An id beyond 64 bits keeps its text (the scan refuses it, naming it). */
	for (int fast = 0; fast <= 1; fast++)
	{
		use_scanner = fast;
		CHECK(parse_list("{\"data\":[{\"id\":99999999999999999999},"
						 "{\"id\":-123456789012345678901234567890,\"attributes\":{\"a\":{}}}]}",
						 names, 1, &p));
		CHECK_INT(p.nrecords, 2);
		CHECK_STR(p.records[0].id, "99999999999999999999");
		CHECK_STR(p.records[1].id, "-123456789012345678901234567890");
		use_scanner = true;
	}
}

static void
test_attributes_not_object(void)
{
	const char *names[] = {"a"};
	ItgPage		p;

	CHECK(!parse_list("{\"data\":[{\"id\":\"7\",\"attributes\":[1]}]}", names, 1, &p));
	CHECK_STR(errbuf, "record 1 (id 7) has \"attributes\" that is not an object");
	CHECK(!parse_list("{\"data\":[{\"id\":\"1\"},{\"id\":8,\"attributes\":\"x\"}]}",
					  names, 1, &p));
	CHECK_STR(errbuf, "record 2 (id 8) has \"attributes\" that is not an object");
	CHECK(!parse_show("{\"data\":{\"id\":\"3\",\"attributes\":true}}", names, 1, &p));
	CHECK_STR(errbuf, "record 1 (id 3) has \"attributes\" that is not an object");
}

static void
test_absent_vs_null(void)
{
	const char *names[] = {"a", "b", ITG_ATTR_ALL};
	ItgPage		p;

	/* A null attribute is NULL; one the record lacks is ABSENT. */
	CHECK(parse_list("{\"data\":[{\"id\":\"1\",\"attributes\":{\"a\":null}},"
					 "{\"id\":\"2\"},"
					 "{\"id\":\"3\",\"attributes\":null},"
					 "{\"id\":\"4\",\"attributes\":{}}]}", names, 3, &p));
	CHECK_INT(p.nrecords, 4);
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_NULL, NULL);
	CHECK_VALUE(p.records[0].values[1], ITG_JSON_ABSENT, NULL);
	CHECK_VALUE(p.records[0].values[2], ITG_JSON_OBJECT, "{\"a\":null}");
	/* No attributes member, or a null one: everything absent. */
	for (int r = 1; r <= 2; r++)
		for (int i = 0; i < 3; i++)
			CHECK_VALUE(p.records[r].values[i], ITG_JSON_ABSENT, NULL);
	CHECK_VALUE(p.records[3].values[0], ITG_JSON_ABSENT, NULL);
	CHECK_VALUE(p.records[3].values[1], ITG_JSON_ABSENT, NULL);
	CHECK_VALUE(p.records[3].values[2], ITG_JSON_OBJECT, "{}");
}

static void
test_value_kinds(void)
{
	const char *names[] = {"s", "i", "neg", "d", "e", "t", "f", "o", "arr",
	"eo", "ea", "es", "n", "big", "zero"};
	ItgValue   *v;
	ItgPage		p;

	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{"
					 "\"s\":\"text\",\"i\":42,\"neg\":-42,\"d\":1.50,\"e\":1e3,"
					 "\"t\":true,\"f\":false,"
					 "\"o\" : { \"a\" : [ 1 , { \"b\" : null } ] , \"c\" : \"x/y\" },"
					 "\"arr\":[1,\"two\",3.0,[],{}],\"eo\":{},\"ea\":[],\"es\":\"\","
					 "\"n\":null,\"big\":18446744073709551614,\"zero\":-0}}}",
					 names, 15, &p));
	CHECK_INT(p.nrecords, 1);
	if (p.nrecords != 1)
		return;
	v = p.records[0].values;
	CHECK_VALUE(v[0], ITG_JSON_STRING, "text");
	CHECK_VALUE(v[1], ITG_JSON_INT, "42");
	CHECK_VALUE(v[2], ITG_JSON_INT, "-42");
	CHECK_VALUE(v[3], ITG_JSON_DOUBLE, "1.50");	/* the text as sent */
	CHECK_VALUE(v[4], ITG_JSON_DOUBLE, "1e3");
	CHECK_VALUE(v[5], ITG_JSON_BOOL, "true");
	CHECK_VALUE(v[6], ITG_JSON_BOOL, "false");
	/* Containers come back as compact JSON, member order kept. */
	CHECK_VALUE(v[7], ITG_JSON_OBJECT, "{\"a\":[1,{\"b\":null}],\"c\":\"x/y\"}");
	CHECK_VALUE(v[8], ITG_JSON_ARRAY, "[1,\"two\",3.0,[],{}]");
	CHECK_VALUE(v[9], ITG_JSON_OBJECT, "{}");
	CHECK_VALUE(v[10], ITG_JSON_ARRAY, "[]");
	CHECK_VALUE(v[11], ITG_JSON_STRING, "");
	CHECK_VALUE(v[12], ITG_JSON_NULL, NULL);
	CHECK_VALUE(v[13], ITG_JSON_INT, "18446744073709551614");
	CHECK_VALUE(v[14], ITG_JSON_INT, "-0");	/* the text as sent */
	for (int i = 0; i < 12; i++)
		CHECK(arena_owns(&arena, v[i].text));
}

static void
test_attr_all(void)
{
	const char *names[] = {ITG_ATTR_ALL, "name", NULL, ITG_ATTR_ALL};
	ItgPage		p;

	CHECK(parse_list("{\"data\":[{\"id\":\"1\",\"attributes\":"
					 "{\"name\":\"Acme\",\"n\":1, \"l\":[true,null],\"u\":\"\\u0026\\/\"}}]}",
					 names, 4, &p));
	CHECK_INT(p.nrecords, 1);
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_OBJECT,
				"{\"name\":\"Acme\",\"n\":1,\"l\":[true,null],\"u\":\"&/\"}");
	CHECK_VALUE(p.records[0].values[1], ITG_JSON_STRING, "Acme");
	/* A NULL name leaves its slot zeroed: the caller does not need it. */
	CHECK_VALUE(p.records[0].values[2], ITG_JSON_ABSENT, NULL);
	CHECK_VALUE(p.records[0].values[3], ITG_JSON_OBJECT,
				"{\"name\":\"Acme\",\"n\":1,\"l\":[true,null],\"u\":\"&/\"}");
	CHECK(p.records[0].values[0].text != p.records[0].values[3].text);

	/* Escapes survive re-serialisation, including NUL as \u0000. */
	CHECK(parse_list("{\"data\":[{\"id\":\"1\",\"attributes\":"
					 "{\"q\":\"a\\\"b\\\\c\\n\\u0001\\u0000\xc3\xa9\"}}]}", names, 1, &p));
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_OBJECT,
				"{\"q\":\"a\\\"b\\\\c\\n\\u0001\\u0000\xc3\xa9\"}");
}

static void
test_unicode_escapes(void)
{
	const char *names[] = {"amp", "e", "pair", "quote", "ctl", "lone", "raw", "max"};
	ItgPage		p;

	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{"
					 "\"amp\":\"Smith \\u0026 Sons \\u003cb\\u003e\","
					 "\"e\":\"caf\\u00e9 \\u20ac\","
					 "\"pair\":\"\\ud83d\\ude00\","
					 "\"quote\":\"\\\"q\\\" \\\\ \\/\","
					 "\"ctl\":\"a\\tb\\nc\\r\\b\\f\","
					 "\"lone\":\"x\\ud800y\","
					 "\"raw\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
					 "\"max\":\"\xf4\x8f\xbf\xbf\xef\xbf\xbf\"}}}",
					 names, 8, &p));
	CHECK_INT(p.nrecords, 1);
	if (p.nrecords != 1)
		return;
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_STRING, "Smith & Sons <b>");
	CHECK_VALUE(p.records[0].values[1], ITG_JSON_STRING, "caf\xc3\xa9 \xe2\x82\xac");
	CHECK_VALUE(p.records[0].values[2], ITG_JSON_STRING, "\xf0\x9f\x98\x80");
	CHECK_VALUE(p.records[0].values[3], ITG_JSON_STRING, "\"q\" \\ /");
	CHECK_VALUE(p.records[0].values[4], ITG_JSON_STRING, "a\tb\nc\r\b\f");
	/* json-c replaces a lone surrogate with U+FFFD. */
	CHECK_VALUE(p.records[0].values[5], ITG_JSON_STRING, "x\xef\xbf\xbdy");
	CHECK_VALUE(p.records[0].values[6], ITG_JSON_STRING,
				"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK_VALUE(p.records[0].values[7], ITG_JSON_STRING, "\xf4\x8f\xbf\xbf\xef\xbf\xbf");
}

/*
 * Whether this json-c's strict mode takes a raw control character in a
 * string: 0.16 does, Debian's 0.18 (json-c PR 871) does not.  The parser
 * follows the library here; the tests pin both.
 */
static bool
json_c_takes_raw_control_characters(void)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;
	bool		takes;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, "\"a\tb\"", 5);
	takes = o != NULL;
	json_object_put(o);
	json_tokener_free(tok);
	return takes;
}

/*
 * json-c reads non-ASCII text the same way everywhere, even a json-c whose
 * strict mode refuses it (0.18: jsonapi.c hands it \uXXXX escapes), and
 * errors name the byte of the body.
 */
static void
check_json_c_non_ascii(void)
{
	const char *names[] = {"name", "notes"};
	ItgPage		p;

	CHECK(parse_list("{\"data\":[{\"id\":\"1\",\"attributes\":{"
					 "\"name\":\"Zo\xc3\xab's Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\","
					 "\"notes\":\"a\\\\\xc3\xa9 \\\\\\\\\xc3\xa9 \\u00e9\"}}]}",
					 names, 2, &p));
	CHECK_INT(p.nrecords, 1);
	if (p.nrecords == 1)
	{
		CHECK_VALUE(p.records[0].values[0], ITG_JSON_STRING,
					"Zo\xc3\xab's Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
		/* A backslash, escaped, before a non-ASCII character. */
		CHECK_VALUE(p.records[0].values[1], ITG_JSON_STRING,
					"a\\\xc3\xa9 \\\\\xc3\xa9 \xc3\xa9");
	}
	/* An escape of a non-ASCII character is no escape. */
	CHECK_LIST_ERROR("{\"data\":[{\"id\":\"1\",\"attributes\":{\"name\":\"\xc3\xa9\\\xc3\xa9\"}}]}",
					 "invalid JSON at byte 44: invalid string sequence");
	/* Outside a string, at the right byte after earlier escaped text. */
	CHECK_LIST_ERROR("{\"data\":[{\"id\":\"\xc3\xa9\xf0\x9f\x98\x80\"}]\xc3\xa9}",
					 "invalid JSON at byte 25: object value separator ',' expected");
	/* An integer beyond 64 bits after escaped text keeps its exact value. */
	CHECK(parse_list("{\"data\":[{\"id\":\"1\",\"attributes\":{"
					 "\"name\":\"\xc3\xa9\",\"notes\":123456789012345678901234567890}}]}",
					 names, 2, &p));
	if (p.nrecords == 1)
		CHECK_VALUE(p.records[0].values[1], ITG_JSON_INT, "123456789012345678901234567890");
}

/* The same with and without the escapes, whatever this json-c does. */
static void
test_json_c_non_ascii(void)
{
	use_scanner = false;
	check_json_c_non_ascii();
	itg_json_escape_non_ascii = true;
	check_json_c_non_ascii();
	itg_json_escape_non_ascii = false;
	use_scanner = true;
}

static void
test_embedded_nul(void)
{
	const char *names[] = {"x"};
	const char *other[] = {"y"};
	static const char raw_nul_in_string[] = "{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":\"a\0b\"}}]}";
	static const char nul_after[] = "{\"data\":[]}\0";
	ItgPage		p;

	CHECK(!parse_list("{\"data\":[{\"id\":\"5\",\"attributes\":{\"x\":\"a\\u0000b\"}}]}",
					  names, 1, &p));
	CHECK_STR(errbuf, "attribute \"x\" of record id 5 contains a NUL character");
	/* An attribute nobody asked for is not examined. */
	CHECK(parse_list("{\"data\":[{\"id\":\"5\",\"attributes\":{\"x\":\"a\\u0000b\"}}]}",
					 other, 1, &p));
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_ABSENT, NULL);

	/* A raw NUL byte: a control character in a string, or trailing junk. */
	arena_reset(&arena);
	CHECK(!parse_page_as_set(raw_nul_in_string, sizeof(raw_nul_in_string) - 1, names, 1, false,
						  arena_alloc, &arena, &p, errbuf, sizeof(errbuf)));
	/* (At the NUL where json-c refuses control characters, after it where not.) */
	CHECK_STR(errbuf, json_c_takes_raw_control_characters()
			  ? "invalid JSON at byte 40: unexpected end of data"
			  : "invalid JSON at byte 39: unexpected end of data");
	CHECK(!parse_page_as_set(nul_after, sizeof(nul_after) - 1, names, 1, false,
						  arena_alloc, &arena, &p, errbuf, sizeof(errbuf)));
	CHECK_STR(errbuf, "unexpected text after the JSON document at byte 11");
}

static void
test_invalid_utf8(void)
{
	static const struct
	{
		const char *bytes;
		const char *why;
	}			bad[] = {
		{"\xff", "never valid"},
		{"\x80", "lone continuation byte"},
		{"\xc0\xaf", "overlong two-byte"},
		{"\xc1\xbf", "overlong two-byte"},
		{"\xe0\x80\xaf", "overlong three-byte"},
		{"\xf0\x80\x80\xaf", "overlong four-byte"},
		{"\xed\xa0\x80", "UTF-16 surrogate"},
		{"\xed\xbf\xbf", "UTF-16 surrogate"},
		{"\xf4\x90\x80\x80", "beyond U+10FFFF"},
		{"\xf5\x80\x80\x80", "beyond U+10FFFF"},
		{"\xe2\x82x", "short sequence"},
		{"\xc3", "sequence cut by the quote"},
	};
	const char *names[] = {"x"};
	ItgPage		p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char		body[128];

		/* The string's first byte is byte 37. */
		snprintf(body, sizeof(body), "{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":\"%s\"}}}",
				 bad[i].bytes);
		if (parse_show(body, names, 1, &p))
			check_failed(__FILE__, __LINE__, "accepted %s", bad[i].why);
		CHECK_STR(errbuf, "invalid UTF-8 at byte 37");
	}
	/* Outside strings as well, and a sequence cut by the end of the body. */
	CHECK_LIST_ERROR("{\"data\":[]}\xc3", "invalid UTF-8 at byte 11");
	/* A byte order mark is well-formed UTF-8, but not JSON. */
	CHECK_LIST_ERROR("\xef\xbb\xbf{\"data\":[]}", "invalid JSON at byte 0: unexpected character");
}

static void
test_trailing_garbage(void)
{
	ItgPage		p;

	CHECK(parse_list("{\"data\":[]} \r\n\t", NULL, 0, &p));
	CHECK(parse_list(" \n{\"data\":[]}", NULL, 0, &p));
	CHECK_LIST_ERROR("{\"data\":[]} x", "invalid JSON at byte 12: unexpected character");
	CHECK_LIST_ERROR("{\"data\":[]}{}", "invalid JSON at byte 11: unexpected character");
	CHECK_LIST_ERROR("{\"data\":[]}]", "invalid JSON at byte 11: unexpected character");
	CHECK_LIST_ERROR("{\"data\":[]},", "invalid JSON at byte 11: unexpected character");
	CHECK_LIST_ERROR("{\"data\":[]}<html>", "invalid JSON at byte 11: unexpected character");
}

static void
test_truncated(void)
{
	ItgPage		p;
	size_t		len = strlen(org_page);
	int			bad = 0;

	CHECK_LIST_ERROR("{\"data\":[{\"id\":\"1\"",
					 "the JSON document ends early (truncated after 18 bytes)");
	CHECK_LIST_ERROR("{\"data\":[{\"id\":\"1\"}],\"meta\":{\"total-count\":12",
					 "the JSON document ends early (truncated after 45 bytes)");
	CHECK_LIST_ERROR("{", "the JSON document ends early (truncated after 1 bytes)");
	CHECK_LIST_ERROR("{\"data\":[{\"id\":\"1\",\"x\":tru",
					 "the JSON document ends early (truncated after 26 bytes)");

	/* Every proper prefix of a real page fails cleanly. */
	for (size_t n = 1; n < len; n++)
	{
		arena_reset(&arena);
		if (parse_page_as_set(org_page, n, NULL, 0, false, arena_alloc, &arena, &p,
						   errbuf, sizeof(errbuf)))
			bad++;
		else if (strncmp(errbuf, "the JSON document ends early", 28) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);
}

static void
test_empty_body(void)
{
	ItgPage		p;

	arena_reset(&arena);
	CHECK(!parse_page_as_set("", 0, NULL, 0, false, arena_alloc, &arena, &p,
						  errbuf, sizeof(errbuf)));
	CHECK_STR(errbuf, "the response body is empty");
	CHECK(!parse_page_as_set(NULL, 0, NULL, 0, true, arena_alloc, &arena, &p,
						  errbuf, sizeof(errbuf)));
	CHECK_STR(errbuf, "the response body is empty");
	CHECK_INT(p.nrecords, 0);
	CHECK(p.records == NULL);
	CHECK_INT(p.total_count, -1);
	CHECK_LIST_ERROR("  \n", "the JSON document ends early (truncated after 3 bytes)");
	CHECK_INT(arena.count, 0);

	/* A tiny error buffer truncates; none at all is allowed. */
	{
		char		small[8];

		CHECK(!parse_page_as_set("{}", 2, NULL, 0, false, arena_alloc, &arena, &p,
							  small, sizeof(small)));
		CHECK_STR(small, "the res");
		CHECK(!parse_page_as_set("{}", 2, NULL, 0, false, arena_alloc, &arena, &p,
							  NULL, 0));
	}
}

static void
test_json_leniency_refused(void)
{
	const char *names[] = {"x"};
	ItgPage		p;

	/* json-c takes these even in strict mode; the parser must not. */
	CHECK(!parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":NaN}}}", names, 1, &p));
	CHECK_STR(errbuf, "NaN and Infinity are not valid JSON");
	CHECK(!parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":[Infinity]}}}", names, 1, &p));
	CHECK_STR(errbuf, "NaN and Infinity are not valid JSON");
	/* Pages check the values they hand on; an attribute nobody reads is not. */
	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"y\":[Infinity]}}}", names, 1, &p));
	CHECK(!parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":-Infinity}}}", names, 1, &p));
	CHECK_STR(errbuf, "NaN and Infinity are not valid JSON");
	/* json-c clamps integers beyond 64 bits; the parser keeps their text. */
	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":-99999999999999999999}}}",
					 names, 1, &p));
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_INT, "-99999999999999999999");
	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":{\"y\":18446744073709551616}}}}",
					 names, 1, &p));
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_OBJECT, "{\"y\":18446744073709551616}");

	/* A double out of range is still JSON, and keeps its text. */
	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":-1e400}}}", names, 1, &p));
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_DOUBLE, "-1e400");

	/* Strict mode refuses the rest of what sloppy JSON writers emit. */
	CHECK(!parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":'a'}}}", names, 1, &p));
	CHECK(!parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":[1,]}}}", names, 1, &p));
	CHECK(!parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{x:1}}}", names, 1, &p));
	CHECK(!parse_show("{\"data\":{\"id\":\"1\"}/*c*/}", names, 1, &p));
	CHECK(!parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":01}}}", names, 1, &p));

	/*
	 * What json-c 0.16 still lets through in strict mode, harmless for the
	 * values it yields; pinned here so that a change is noticed.
	 */
	if (json_c_takes_raw_control_characters())
	{
		CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":\"a\tb\"}}}", names, 1, &p));
		CHECK_VALUE(p.records[0].values[0], ITG_JSON_STRING, "a\tb");	/* raw control character */
	}
	else
	{
		CHECK(!parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":\"a\tb\"}}}", names, 1, &p));
		CHECK_STR(errbuf, "invalid JSON at byte 38: invalid string sequence");
	}
	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{'x':1}}}", names, 1, &p));
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_INT, "1");	/* single-quoted member name */
	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":1.}}}", names, 1, &p));
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_DOUBLE, "1.");	/* no digit after the point */
	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"x\":-01}}}", names, 1, &p));
	CHECK_VALUE(p.records[0].values[0], ITG_JSON_INT, "-1");	/* leading zero after a minus */
}

/* A document nesting `levels` arrays inside the attribute x (4 levels up). */
static char *
nested_doc(int levels, size_t *len)
{
	Buf			b = {0};

	buf_add(&b, "{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":");
	for (int i = 0; i < levels; i++)
		buf_add(&b, "[");
	for (int i = 0; i < levels; i++)
		buf_add(&b, "]");
	buf_add(&b, "}}]}");
	*len = b.len;
	return b.data;
}

static void
test_depth_limit(void)
{
	const char *names[] = {"x"};
	ItgPage		p;
	size_t		len;
	char	   *doc;

	/* Exactly ITG_JSON_MAX_DEPTH nested containers are fine... */
	doc = nested_doc(ITG_JSON_MAX_DEPTH - 4, &len);
	arena_reset(&arena);
	CHECK(parse_page_as_set(doc, len, names, 1, false, arena_alloc, &arena, &p,
						 errbuf, sizeof(errbuf)));
	CHECK_INT(p.records[0].values[0].kind, ITG_JSON_ARRAY);
	CHECK_INT(p.records[0].values[0].len, 2 * (ITG_JSON_MAX_DEPTH - 4));
	free(doc);

	/* ...one more is refused where it starts. */
	doc = nested_doc(ITG_JSON_MAX_DEPTH - 3, &len);
	arena_reset(&arena);
	CHECK(!parse_page_as_set(doc, len, names, 1, false, arena_alloc, &arena, &p,
						  errbuf, sizeof(errbuf)));
	CHECK_STR(errbuf, "invalid JSON at byte 97: nesting too deep");
	free(doc);

	/* A hostile million levels costs nothing (no recursion, no stack). */
	doc = nested_doc(1000000, &len);
	arena_reset(&arena);
	CHECK(!parse_page_as_set(doc, len, names, 1, false, arena_alloc, &arena, &p,
						  errbuf, sizeof(errbuf)));
	CHECK_STR(errbuf, "invalid JSON at byte 97: nesting too deep");
	free(doc);

	/* Objects count the same as arrays. */
	{
		Buf			b = {0};
		ItgApiError e;

		buf_add(&b, "{\"message\":\"m\",\"x\":");
		for (int i = 0; i < ITG_JSON_MAX_DEPTH; i++)
			buf_add(&b, "{\"a\":");
		buf_add(&b, "1");
		for (int i = 0; i < ITG_JSON_MAX_DEPTH; i++)
			buf_add(&b, "}");
		buf_add(&b, "}");
		CHECK(!parse_error(b.data, b.len, &e));
		free(b.data);
	}
}

static void
test_huge_arrays(void)
{
	const char *names[] = {"n", "list"};
	enum
	{
		NREC = 100000, NELEM = 200000
	};
	Buf			b = {0};
	ItgPage		p;
	bool		ids_ok = true;

	/* A page of many records. */
	buf_add(&b, "{\"data\":[");
	for (int i = 0; i < NREC; i++)
		buf_add(&b, "%s{\"id\":\"%d\",\"attributes\":{\"n\":%d}}", i ? "," : "", i + 1, i);
	buf_add(&b, "],\"meta\":{\"total-count\":%d}}", NREC);
	arena_reset(&arena);
	CHECK(parse_page_as_set(b.data, b.len, names, 2, false, arena_alloc, &arena, &p,
						 errbuf, sizeof(errbuf)));
	CHECK_INT(p.nrecords, NREC);
	CHECK_INT(p.total_count, NREC);
	for (int i = 0; i < p.nrecords && ids_ok; i++)
	{
		char		want[16];

		snprintf(want, sizeof(want), "%d", i + 1);
		ids_ok = strcmp(p.records[i].id, want) == 0 &&
			p.records[i].values[0].kind == ITG_JSON_INT &&
			p.records[i].values[1].kind == ITG_JSON_ABSENT;
	}
	CHECK(ids_ok);
	CHECK_VALUE(p.records[NREC - 1].values[0], ITG_JSON_INT, "99999");
	free(b.data);

	/* One attribute holding a long array. */
	memset(&b, 0, sizeof(b));
	buf_add(&b, "{\"data\":{\"id\":\"1\",\"attributes\":{\"list\":[");
	for (int i = 0; i < NELEM; i++)
		buf_add(&b, "%s7", i ? "," : "");
	buf_add(&b, "]}}}");
	arena_reset(&arena);
	CHECK(parse_page_as_set(b.data, b.len, names, 2, true, arena_alloc, &arena, &p,
						 errbuf, sizeof(errbuf)));
	CHECK_INT(p.records[0].values[1].kind, ITG_JSON_ARRAY);
	CHECK_INT(p.records[0].values[1].len, 2 * NELEM + 1);
	CHECK_INT(p.records[0].values[1].text[2 * NELEM], ']');
	free(b.data);

	/* Many errors in one error body. */
	{
		ItgApiError e;

		memset(&b, 0, sizeof(b));
		buf_add(&b, "{\"errors\":[");
		for (int i = 0; i < 10000; i++)
			buf_add(&b, "%s{\"title\":\"t%d\"}", i ? "," : "", i);
		buf_add(&b, "]}");
		CHECK(parse_error(b.data, b.len, &e));
		CHECK_INT(e.nerrors, 10000);
		CHECK_STR(e.title, "t0");
		CHECK(strncmp(e.all_text, "t0; t1; t2; ", 12) == 0);
		CHECK_STR(e.all_text + strlen(e.all_text) - 7, "; t9999");
		free(b.data);
	}
}

/* ---------------------------------------------------------------------
 * Out of memory: the allocator fails after N allocations, for every N
 * --------------------------------------------------------------------- */

/*
 * Run one parse with a failing allocator for every N below what a full
 * parse needs, then once with exactly that many.  Every short run must fail
 * with the out-of-memory message; nothing may crash or leak (LeakSanitizer
 * checks at the end).
 */
static void
oom_page(const char *body, const char *const *names, int nnames, bool single)
{
	ItgPage		p;
	long		need;
	int			wrong = 0;

	arena_reset(&arena);
	CHECK(parse_page_as_set(body, strlen(body), names, nnames, single, arena_alloc, &arena,
						 &p, errbuf, sizeof(errbuf)));
	need = arena.count;
	CHECK(need > 0);
	for (long n = 0; n < need; n++)
	{
		arena_reset(&arena);
		arena.limit = n;
		errbuf[0] = '\0';
		if (parse_page_as_set(body, strlen(body), names, nnames, single, arena_alloc,
						   &arena, &p, errbuf, sizeof(errbuf)) ||
			strcmp(errbuf, "out of memory while reading the response") != 0)
		{
			check_failed(__FILE__, __LINE__, "limit %ld: error \"%s\"", n, errbuf);
			wrong++;
		}
	}
	arena_reset(&arena);
	arena.limit = need;
	CHECK(parse_page_as_set(body, strlen(body), names, nnames, single, arena_alloc, &arena,
						 &p, errbuf, sizeof(errbuf)));
	CHECK_INT(wrong, 0);
	arena_reset(&arena);
}

static void
test_oom_list(void)
{
	const char *names[] = {"name", "organization-type-id", "quick-notes", "created-at", "x"};

	oom_page(org_page, names, 5, false);
}

static void
test_oom_show_and_all(void)
{
	const char *names[] = {ITG_ATTR_ALL, "a", "b", "c"};

	oom_page("{\"data\":{\"id\":17,\"attributes\":{\"a\":[1,2],\"b\":{\"c\":1},"
			 "\"c\":\"s\"}}}", names, 4, true);
	oom_page("{\"data\":[{\"id\":\"1\"},{\"id\":\"2\",\"attributes\":{\"a\":true}}]}",
			 names, 4, false);
	oom_page("{\"data\":[{\"id\":\"1\"}]}", NULL, 0, false);
}

static void
test_oom_error_body(void)
{
	static const char *bodies[] = {
		"{\"errors\":[{\"title\":\"T\",\"detail\":\"D\",\"source\":{\"pointer\":\"/p\"}},"
		"{\"title\":\"U\"}]}",
		"{\"message\":\"Forbidden\"}",
	};
	int			wrong = 0;

	for (size_t b = 0; b < sizeof(bodies) / sizeof(bodies[0]); b++)
	{
		ItgApiError e;
		long		need;

		CHECK(parse_error(bodies[b], strlen(bodies[b]), &e));
		need = arena.count;
		for (long n = 0; n < need; n++)
		{
			arena_reset(&arena);
			arena.limit = n;
			if (itg_parse_error_body(bodies[b], strlen(bodies[b]), arena_alloc, &arena, &e) ||
				e.all_text != NULL || e.title != NULL || e.nerrors != 0)
				wrong++;
		}
		arena_reset(&arena);
		arena.limit = need;
		CHECK(itg_parse_error_body(bodies[b], strlen(bodies[b]), arena_alloc, &arena, &e));
		CHECK(e.all_text != NULL);
	}
	CHECK_INT(wrong, 0);
	arena_reset(&arena);
}

static void
test_oom_build_body(void)
{
	ItgBodyAttr attrs[] = {{"name", ITG_JSON_STRING, "Acme"}, {"n", ITG_JSON_INT, "1"}};
	const ItgBodyAttr *rows[1] = {attrs};
	int			nattrs = 2;

	arena_reset(&arena);
	arena.limit = 0;
	CHECK(itg_build_body("organizations", rows, &nattrs, 1, false, arena_alloc, &arena,
						 errbuf, sizeof(errbuf)) == NULL);
	CHECK_STR(errbuf, "out of memory while building the request body");
	arena_reset(&arena);
}

/* ---------------------------------------------------------------------
 * itg_parse_error_body
 * --------------------------------------------------------------------- */

static bool
parse_error_str(const char *body, ItgApiError *e)
{
	return parse_error(body, strlen(body), e);
}

static void
test_error_body_jsonapi(void)
{
	ItgApiError e;

	CHECK(parse_error_str("{\"errors\":["
						  "{\"status\":\"422\",\"title\":\"Unprocessable Entity\","
						  "\"detail\":\"Name can't be blank\","
						  "\"source\":{\"pointer\":\"/data/attributes/name\"}},"
						  "{\"status\":422,\"title\":\"Invalid\",\"detail\":\"Bad \\u0026 worse\"},"
						  "{\"status\":422,\"detail\":\"only detail\"},"
						  "{\"title\":\"only title\",\"source\":{\"parameter\":\"x\"}}]}", &e));
	CHECK_INT(e.nerrors, 4);
	CHECK_STR(e.title, "Unprocessable Entity");
	CHECK_STR(e.detail, "Name can't be blank");
	CHECK_STR(e.pointer, "/data/attributes/name");
	CHECK_STR(e.all_text,
			  "Unprocessable Entity: Name can't be blank (/data/attributes/name); "
			  "Invalid: Bad & worse; only detail; only title");
	CHECK(arena_owns(&arena, e.title));
	CHECK(arena_owns(&arena, e.detail));
	CHECK(arena_owns(&arena, e.pointer));
	CHECK(arena_owns(&arena, e.all_text));
}

/* A write's answer: every record of the table's type, else a description. */
static void
test_check_record_types(void)
{
	char		err[256];
	const char *one = "{\"data\":{\"id\":\"5\",\"type\":\"organizations\",\"attributes\":{}}}";
	const char *list = "{\"data\":[{\"id\":\"5\",\"type\":\"organizations\"},"
		"{\"id\":\"6\",\"type\":\"contacts\"}]}";

	CHECK(itg_check_record_types(one, strlen(one), "organizations", err, sizeof(err)));
	CHECK(!itg_check_record_types(one, strlen(one), "organization-types", err, sizeof(err)));
	CHECK_STR(err, "record 1 is of type \"organizations\"");
	CHECK(!itg_check_record_types(list, strlen(list), "organizations", err, sizeof(err)));
	CHECK_STR(err, "record 2 is of type \"contacts\"");
	CHECK(!itg_check_record_types("{\"data\":{\"id\":\"5\"}}", 19, "organizations", err, sizeof(err)));
	CHECK_STR(err, "record 1 has no \"type\"");
	CHECK(!itg_check_record_types("{\"meta\":{}}", 11, "organizations", err, sizeof(err)));
	CHECK_STR(err, "the response has no \"data\"");
	CHECK(!itg_check_record_types("OK", 2, "organizations", err, sizeof(err)));
}

static void
test_error_body_sparse(void)
{
	ItgApiError e;

	/* Status as a number; no detail, no pointer. */
	CHECK(parse_error_str("{\"errors\":[{\"status\":404,\"title\":\"Not Found\"}]}", &e));
	CHECK_INT(e.nerrors, 1);
	CHECK_STR(e.title, "Not Found");
	CHECK(e.detail == NULL);
	CHECK(e.pointer == NULL);
	CHECK_STR(e.all_text, "Not Found");

	/* Status as a string; detail only. */
	CHECK(parse_error_str("{\"errors\":[{\"status\":\"500\",\"detail\":\"boom\"}]}", &e));
	CHECK(e.title == NULL);
	CHECK_STR(e.detail, "boom");
	CHECK_STR(e.all_text, "boom");

	/* Numbers are taken as text; other kinds are ignored. */
	CHECK(parse_error_str("{\"errors\":[{\"title\":404,\"detail\":[\"x\"],"
						  "\"source\":{\"pointer\":7}}]}", &e));
	CHECK_STR(e.title, "404");
	CHECK(e.detail == NULL);
	CHECK_STR(e.pointer, "7");
	CHECK_STR(e.all_text, "404 (7)");

	/* Pointer only; source that is not an object. */
	CHECK(parse_error_str("{\"errors\":[{\"source\":{\"pointer\":\"/data\"}},"
						  "{\"title\":\"T\",\"source\":\"/x\"}]}", &e));
	CHECK_INT(e.nerrors, 2);
	CHECK(e.title == NULL);
	CHECK_STR(e.pointer, "/data");
	CHECK_STR(e.all_text, " (/data); T");

	/* Entries that are not objects still count, with nothing to say. */
	CHECK(parse_error_str("{\"errors\":[\"oops\",5]}", &e));
	CHECK_INT(e.nerrors, 2);
	CHECK(e.title == NULL);
	CHECK_STR(e.all_text, "; ");
}

static void
test_error_body_gateway(void)
{
	ItgApiError e;

	CHECK(parse_error_str("{\"message\":\"Endpoint request timed out\"}", &e));
	CHECK_INT(e.nerrors, 1);
	CHECK_STR(e.title, "Endpoint request timed out");
	CHECK_STR(e.all_text, "Endpoint request timed out");
	CHECK(e.detail == NULL);
	CHECK(e.pointer == NULL);

	CHECK(parse_error_str("{\"message\":429}", &e));
	CHECK_STR(e.title, "429");

	/* errors that is not an array falls back to message. */
	CHECK(parse_error_str("{\"errors\":\"x\",\"message\":\"Forbidden\"}", &e));
	CHECK_STR(e.title, "Forbidden");
	CHECK_STR(e.all_text, "Forbidden");
}

static void
test_error_body_not_errors(void)
{
	static const char *bodies[] = {
		"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
		"<!DOCTYPE html>",
		"Internal Server Error",
		"{}",
		"[]",
		"[{\"title\":\"x\"}]",
		"null",
		"\"message\"",
		"{\"errors\":[]}",
		"{\"errors\":null}",
		"{\"message\":null}",
		"{\"message\":{\"text\":\"x\"}}",
		"{\"data\":[]}",
		"{\"errors\":[{\"title\":\"cut",
		"{\"message\":\"x\"} trailing",
		"{\"message\":\"\xc0\xaf\"}",
		"   ",
	};
	ItgApiError e;

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
	{
		if (parse_error_str(bodies[i], &e))
			check_failed(__FILE__, __LINE__, "accepted error body %zu: %s", i, bodies[i]);
		CHECK(e.title == NULL && e.detail == NULL && e.pointer == NULL &&
			  e.all_text == NULL && e.nerrors == 0);
	}
	CHECK(!parse_error("", 0, &e));
	CHECK(!parse_error(NULL, 0, &e));
}

/* ---------------------------------------------------------------------
 * itg_build_body
 * --------------------------------------------------------------------- */

static void
test_build_single(void)
{
	ItgBodyAttr attrs[] = {
		{"name", ITG_JSON_STRING, "Acme"},
		{"organization-type-id", ITG_JSON_INT, "3"},
		{"alert", ITG_JSON_DOUBLE, "1.50"},
		{"primary", ITG_JSON_BOOL, "true"},
		{"quick-notes", ITG_JSON_NULL, NULL},
		{"skipped", ITG_JSON_ABSENT, NULL},
		{"tags", ITG_JSON_ARRAY, "[1, 2]"},
		{"extra", ITG_JSON_OBJECT, "{\"a\": {\"b\": [null]}}"},
		{"negative", ITG_JSON_INT, "-12"},
		{"tiny", ITG_JSON_DOUBLE, "1e-7"},
		{"off", ITG_JSON_BOOL, "false"},
	};
	char	   *body = build_one("organizations", attrs, 11);

	CHECK_STR(body, "{\"data\":{\"type\":\"organizations\",\"attributes\":{"
			  "\"name\":\"Acme\",\"organization-type-id\":3,\"alert\":1.50,"
			  "\"primary\":true,\"quick-notes\":null,\"tags\":[1,2],"
			  "\"extra\":{\"a\":{\"b\":[null]}},\"negative\":-12,\"tiny\":1e-7,"
			  "\"off\":false}}}");
	CHECK(arena_owns(&arena, body));
	CHECK_INT(arena.count, 1);
}

static void
test_build_json_scalars(void)
{
	/* json/jsonb columns hold any JSON value, bare scalars included. */
	ItgBodyAttr attrs[] = {
		{"a", ITG_JSON_OBJECT, "null"},
		{"b", ITG_JSON_OBJECT, "5"},
		{"c", ITG_JSON_OBJECT, "\"s\""},
		{"d", ITG_JSON_OBJECT, " [ ] "},
		{"e", ITG_JSON_ARRAY, "[]"},
		{"f", ITG_JSON_OBJECT, "-0.0"},
		{"g", ITG_JSON_INT, "9223372036854775807"},
		{"h", ITG_JSON_DOUBLE, "123456789012345678901234.5"},
		/* numbers json-c alone would change go out as written */
		{"i", ITG_JSON_INT, "-123456789012345678901234"},
		{"j", ITG_JSON_INT, "-0"},
		{"k", ITG_JSON_OBJECT, "{\"x\":[18446744073709551616,5E-0,1.5E-00,-0E-0],\"y\":\"-0E-0\"}"},
	};

	CHECK_STR(build_one("t", attrs, 11),
			  "{\"data\":{\"type\":\"t\",\"attributes\":{\"a\":null,\"b\":5,\"c\":\"s\","
			  "\"d\":[],\"e\":[],\"f\":-0.0,\"g\":9223372036854775807,"
			  "\"h\":123456789012345678901234.5,\"i\":-123456789012345678901234,\"j\":-0,"
			  "\"k\":{\"x\":[18446744073709551616,5E-0,1.5E-00,-0E-0],\"y\":\"-0E-0\"}}}}");
}

static void
test_build_bulk(void)
{
	ItgBodyAttr r1[] = {{"name", ITG_JSON_STRING, "A"}, {"n", ITG_JSON_INT, "1"}};
	ItgBodyAttr r2[] = {{"name", ITG_JSON_NULL, NULL}};
	ItgBodyAttr r3[] = {{"name", ITG_JSON_ABSENT, NULL}};
	const ItgBodyAttr *rows[] = {r1, r2, r3};
	int			nattrs[] = {2, 1, 1};
	char	   *body;

	arena_reset(&arena);
	body = itg_build_body("configurations", rows, nattrs, 3, true, arena_alloc, &arena,
						  errbuf, sizeof(errbuf));
	CHECK_STR(body, "{\"data\":["
			  "{\"type\":\"configurations\",\"attributes\":{\"name\":\"A\",\"n\":1}},"
			  "{\"type\":\"configurations\",\"attributes\":{\"name\":null}},"
			  "{\"type\":\"configurations\",\"attributes\":{}}]}");

	/* No rows: an empty array. */
	body = itg_build_body("configurations", rows, nattrs, 0, true, arena_alloc, &arena,
						  errbuf, sizeof(errbuf));
	CHECK_STR(body, "{\"data\":[]}");

	/* Not as an array, only the first row is used. */
	body = itg_build_body("configurations", rows, nattrs, 3, false, arena_alloc, &arena,
						  errbuf, sizeof(errbuf));
	CHECK_STR(body, "{\"data\":{\"type\":\"configurations\",\"attributes\":"
			  "{\"name\":\"A\",\"n\":1}}}");

	/* A bad value in a later row fails the whole body. */
	{
		ItgBodyAttr bad[] = {{"n", ITG_JSON_INT, "1x"}};
		const ItgBodyAttr *rows2[] = {r1, bad};
		int			n2[] = {2, 1};

		body = itg_build_body("configurations", rows2, n2, 2, true, arena_alloc, &arena,
							  errbuf, sizeof(errbuf));
		CHECK(body == NULL);
		CHECK_STR(errbuf, "value for \"n\" is not valid JSON: "
				  "invalid JSON at byte 1: unexpected character");
	}
}

static void
test_build_strings(void)
{
	ItgBodyAttr attrs[] = {
		{"q", ITG_JSON_STRING, "He said \"hi\" \\ back/slash"},
		{"u", ITG_JSON_STRING, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 & <b>"},
		{"c", ITG_JSON_STRING, "tab\tnl\ncr\r\x01\x1f\x7f"},
		{"e", ITG_JSON_STRING, ""},
		{"n", ITG_JSON_STRING, "42"},
		{"j", ITG_JSON_STRING, "{\"not\":\"parsed\"}"},
		{"we\"ird", ITG_JSON_STRING, "k"},
	};

	CHECK_STR(build_one("passwords", attrs, 7),
			  "{\"data\":{\"type\":\"passwords\",\"attributes\":{"
			  "\"q\":\"He said \\\"hi\\\" \\\\ back/slash\","
			  "\"u\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 & <b>\","
			  "\"c\":\"tab\\tnl\\ncr\\r\\u0001\\u001f\x7f\","
			  "\"e\":\"\",\"n\":\"42\",\"j\":\"{\\\"not\\\":\\\"parsed\\\"}\","
			  "\"we\\\"ird\":\"k\"}}}");
	/* And it parses back as JSON. */
	{
		ItgApiError e;
		const char *body = build_one("t", attrs, 7);

		CHECK(body != NULL);
		if (body)
		{
			char	   *copy = strdup(body);

			CHECK(!parse_error(copy, strlen(copy), &e));	/* valid, just not an error */
			free(copy);
		}
	}
}

static void
test_build_invalid_json(void)
{
	static const struct
	{
		ItgJsonKind kind;
		const char *text;
		const char *msg;
	}			cases[] = {
		{ITG_JSON_INT, "abc", "invalid JSON at byte 0: unexpected character"},
		{ITG_JSON_INT, "12abc", "invalid JSON at byte 2: unexpected character"},
		{ITG_JSON_INT, "", "the response body is empty"},
		{ITG_JSON_INT, "1 2", "invalid JSON at byte 2: unexpected character"},
		{ITG_JSON_DOUBLE, "NaN", "NaN and Infinity are not valid JSON"},
		{ITG_JSON_DOUBLE, "-Infinity", "NaN and Infinity are not valid JSON"},
		{ITG_JSON_BOOL, "TRUE", "invalid JSON at byte 0: boolean expected"},
		{ITG_JSON_BOOL, "t", "the JSON document ends early (truncated after 1 bytes)"},
		{ITG_JSON_OBJECT, "{", "the JSON document ends early (truncated after 1 bytes)"},
		{ITG_JSON_OBJECT, "{\"a\":1}}", "invalid JSON at byte 7: unexpected character"},
		{ITG_JSON_OBJECT, "{\"a\":'b'}", "invalid JSON at byte 5: unexpected character"},
		{ITG_JSON_ARRAY, "[1,2", "the JSON document ends early (truncated after 4 bytes)"},
		{ITG_JSON_ARRAY, "[\"\xc0\xaf\"]", "invalid UTF-8 at byte 2"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		ItgBodyAttr attrs[] = {{"ok", ITG_JSON_STRING, "x"},
		{"bad-one", cases[i].kind, cases[i].text}};
		char		want[256];
		char	   *body = build_one("t", attrs, 2);

		snprintf(want, sizeof(want), "value for \"bad-one\" is not valid JSON: %s", cases[i].msg);
		if (body != NULL)
			check_failed(__FILE__, __LINE__, "case %zu (%s) built %s", i, cases[i].text, body);
		CHECK_STR(errbuf, want);
		CHECK_INT(arena.count, 0);
	}
}

/* ---------------------------------------------------------------------
 * Leaks: everything the tests allocated was freed, json-c's objects too
 * --------------------------------------------------------------------- */

/* ---------------------------------------------------------------------
 * Incremental parsing: any split of a body gives what the whole body does
 * --------------------------------------------------------------------- */

/* Feed body in chunks of `step` bytes, then finish into page. */
static bool
parse_stream_chunks(const char *body, size_t step, const char *const *names, int nnames,
					bool single, ItgPage *page)
{
	ItgJsonStream *s = itg_json_stream_new();
	size_t		len = strlen(body);
	bool		ok;

	itg_json_stream_use_scanner(s, use_scanner);
	arena_reset(&arena);
	errbuf[0] = '\0';
	/* As the scan does: records are read out while the chunks arrive. */
	itg_json_stream_expect(s, names, nnames, single);
	for (size_t off = 0; off < len; off += step)
		(void) itg_json_stream_feed(s, body + off, off + step <= len ? step : len - off);
	ok = itg_parse_stream(s, names, nnames, single, arena_alloc, &arena, page,
						  errbuf, sizeof(errbuf));
	itg_json_stream_free(s);
	return ok;
}

static void
test_stream_any_split(void)
{
	/* Multibyte characters, so that splits fall inside UTF-8 sequences. */
	const char *body =
		"{\"data\":[{\"id\":\"1\",\"attributes\":{\"name\":\"Zo\xc3\xab's Caf\xc3\xa9\","
		"\"n\":42,\"k\":\"\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x9a\x80\"}},"
		"{\"id\":\"2\",\"attributes\":{\"name\":\"Acme\",\"n\":null}}],"
		"\"meta\":{\"current-page\":1,\"next-page\":null,\"total-pages\":1,\"total-count\":2}}";
	const char *names[] = {"name", "n", "k"};

	for (size_t step = 1; step <= strlen(body); step++)
	{
		ItgPage		p;

		if (!parse_stream_chunks(body, step, names, 3, false, &p))
		{
			check_failed(__FILE__, __LINE__, "step %zu: %s", step, errbuf);
			continue;
		}
		CHECK(p.scanned);
		CHECK_INT(p.nrecords, 2);
		CHECK_INT(p.total_count, 2);
		CHECK_STR(p.records[0].values[0].text, "Zo\xc3\xab's Caf\xc3\xa9");
		CHECK_VALUE(p.records[0].values[1], ITG_JSON_INT, "42");
		CHECK_STR(p.records[0].values[2].text, "\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x9a\x80");
		CHECK_STR(p.records[1].id, "2");
		CHECK_INT(p.records[1].values[1].kind, ITG_JSON_NULL);
	}
}

static void
test_stream_errors_any_split(void)
{
	/* The same verdicts as whole-body parsing, wherever the chunks break. */
	static const struct
	{
		const char *body;
		const char *error;
	}			cases[] = {
		{"{\"data\":[]}\xc3", "invalid UTF-8 at byte 11"},
		{"{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":\"\xed\xa0\x80\"}}]}", "invalid UTF-8 at byte 38"},
		{"{\"data\":[]} trailing", "unexpected text after the JSON document at byte 12"},
		{"{\"data\":[", "the JSON document ends early (truncated after 9 bytes)"},
		{"", "the response body is empty"},
	};
	const char *names[] = {"x"};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
	{
		size_t		len = strlen(cases[c].body);

		for (size_t step = 1; step <= (len > 0 ? len : 1); step++)
		{
			ItgPage		p;

			if (parse_stream_chunks(cases[c].body, step, names, 1, false, &p))
				check_failed(__FILE__, __LINE__, "case %zu step %zu accepted", c, step);
			else if (c == 2 && strcmp(errbuf, "invalid JSON at byte 12: unexpected character") == 0)
				;				/* json-c may see the trailing text first */
			else if (strcmp(errbuf, cases[c].error) != 0)
				check_failed(__FILE__, __LINE__, "case %zu step %zu: \"%s\", expected \"%s\"",
							 c, step, errbuf, cases[c].error);
		}
	}
	/* A stream is reusable after a reset. */
	{
		ItgJsonStream *s = itg_json_stream_new();
		ItgPage		p;

		(void) itg_json_stream_feed(s, "{\"data\": [garbage", 17);
		itg_json_stream_reset(s);
		(void) itg_json_stream_feed(s, "{\"data\":[]}", 11);
		arena_reset(&arena);
		CHECK(itg_parse_stream(s, names, 1, false, arena_alloc, &arena, &p,
							   errbuf, sizeof(errbuf)));
		CHECK_INT(p.nrecords, 0);
		itg_json_stream_free(s);
	}
}

/* An attribute whose key spells ITG_ATTR_ALL does not fill that slot (found by the fuzzer). */
static void
test_key_spelling_attr_all(void)
{
	const char *names[] = {ITG_ATTR_ALL, "x"};
	ItgPage		p;

	CHECK(parse_show("{\"data\":{\"id\":\"1\",\"attributes\":{\"\\u0001all\":\"a\",\"x\":\"ok\"}}}",
					 names, 2, &p));
	CHECK_INT(p.records[0].values[0].kind, ITG_JSON_OBJECT);
	CHECK_VALUE(p.records[0].values[1], ITG_JSON_STRING, "ok");
}

/* ---------------------------------------------------------------------
 * The fast scanner against json-c: the same page, or it stands aside
 * --------------------------------------------------------------------- */

/* What a parse gave, kept outside the arena for comparing. */
typedef struct PageCopy
{
	bool		ok;
	bool		scanned;
	char		text[4096];		/* everything else, written out */
} PageCopy;

static void
copy_page(bool ok, const ItgPage *p, int nnames, PageCopy *out)
{
	size_t		n = 0;

	out->ok = ok;
	out->scanned = ok && p->scanned;
#define PUT(...) (n += (size_t) snprintf(out->text + n, n < sizeof(out->text) ? sizeof(out->text) - n : 0, __VA_ARGS__))
	if (!ok)
	{
		PUT("error: %s", errbuf);
		return;
	}
	PUT("meta %d %lld %lld %lld %lld; %d records", p->has_meta, (long long) p->current_page,
		(long long) p->next_page, (long long) p->total_pages, (long long) p->total_count,
		p->nrecords);
	for (int i = 0; i < p->nrecords; i++)
	{
		PUT("\n[%s]", p->records[i].id);
		for (int j = 0; j < nnames; j++)
		{
			const ItgValue *v = &p->records[i].values[j];

			PUT(" %d:", (int) v->kind);
			if (v->text != NULL)
			{
				PUT("%zu:", v->len);
				/* the bytes, so that a length that lies shows */
				for (size_t k = 0; k < v->len && n < sizeof(out->text); k++)
					PUT("%c", v->text[k] ? v->text[k] : '~');
			}
		}
	}
#undef PUT
}

/* Parse a body both ways (whole, and in chunks for the scanner); compare. */
static void
check_same_both_ways(const char *body, const char *const *names, int nnames,
					 bool single, bool expect_scanned, int line)
{
	PageCopy	fast,
				slow,
				chunked;
	ItgPage		p;
	bool		ok;

	use_scanner = false;
	arena_reset(&arena);
	errbuf[0] = '\0';
	ok = parse_page_as_set(body, strlen(body), names, nnames, single, arena_alloc, &arena, &p,
						errbuf, sizeof(errbuf));
	copy_page(ok, &p, nnames, &slow);
	use_scanner = true;
	if (slow.scanned)
		check_failed(__FILE__, line, "the scanner ran while turned off");

	arena_reset(&arena);
	errbuf[0] = '\0';
	ok = parse_page_as_set(body, strlen(body), names, nnames, single, arena_alloc, &arena, &p,
						errbuf, sizeof(errbuf));
	copy_page(ok, &p, nnames, &fast);
	if (strcmp(fast.text, slow.text) != 0 || fast.ok != slow.ok)
		check_failed(__FILE__, line, "scanner gave\n%s\njson-c gave\n%s", fast.text, slow.text);
	if (fast.scanned != expect_scanned)
		check_failed(__FILE__, line, "scanned is %d, expected %d", fast.scanned, expect_scanned);

	for (size_t step = 1; step <= 7; step += 3)
	{
		ok = parse_stream_chunks(body, step, names, nnames, single, &p);
		copy_page(ok, &p, nnames, &chunked);
		if (strcmp(chunked.text, slow.text) != 0 || chunked.scanned != fast.scanned)
			check_failed(__FILE__, line, "in chunks of %zu the scanner gave\n%s\njson-c gave\n%s",
						 step, chunked.text, slow.text);
	}
}

#define SAME_SCANNED(body, names, n, single) check_same_both_ways(body, names, n, single, true, __LINE__)
#define SAME_JSONC(body, names, n, single) check_same_both_ways(body, names, n, single, false, __LINE__)

/*
 * Integers beyond 64 bits, -0, decimals and exponents: both readers hand on
 * every number's text exactly as sent (json-c alone would clamp the first
 * and print -0 as 0), wherever it is: a wanted attribute, an array, an
 * object, the whole attributes object, the id, or a member nobody reads.
 */
static void
test_big_numbers(void)
{
	const char *names[] = {"t", "n", "j", "o"};
	const char *all[] = {ITG_ATTR_ALL};
	const char *doc =
		"{\"data\":[{\"id\":123456789012345678901234,\"attributes\":{"
		"\"t\":18446744073709551616,\"n\":-99999999999999999999.5e-3,"
		"\"j\":[1e400,-0,5E-0,1.5E-00,-0E-0,-123456789012345678901234567890],"
		"\"skipped\":9999999999999999999999999,\"o\":1.0E+2}},"
		"{\"id\":\"2\",\"attributes\":{\"t\":-0,\"n\":9223372036854775808,"
		"\"j\":[],\"o\":-9223372036854775809}}],"
		"\"meta\":{\"total-count\":99999999999999999999,\"total-pages\":1234567890123456789,"
		"\"current-page\":-0}}";
	const char *in_object =
		"{\"data\":[{\"id\":\"1\",\"attributes\":{\"o\":{\"a\":[99999999999999999999, -0],"
		"\"b\":\"-0E-0 1e400\",\"c\":5E-0,\"d\":{\"e\":-18446744073709551616}},"
		"\"t\":12345678901234567890123}}]}";
	ItgPage		p;

	for (int fast = 0; fast <= 1; fast++)
	{
		ItgValue   *v;

		use_scanner = fast;
		CHECK(parse_list(doc, names, 4, &p));
		CHECK_INT(p.nrecords, 2);
		CHECK_INT(p.scanned, fast);
		if (p.nrecords != 2)
			continue;
		CHECK_STR(p.records[0].id, "123456789012345678901234");
		v = p.records[0].values;
		CHECK_VALUE(v[0], ITG_JSON_INT, "18446744073709551616");
		CHECK_VALUE(v[1], ITG_JSON_DOUBLE, "-99999999999999999999.5e-3");
		CHECK_VALUE(v[2], ITG_JSON_ARRAY,
					"[1e400,-0,5E-0,1.5E-00,-0E-0,-123456789012345678901234567890]");
		CHECK_VALUE(v[3], ITG_JSON_DOUBLE, "1.0E+2");
		v = p.records[1].values;
		CHECK_VALUE(v[0], ITG_JSON_INT, "-0");
		CHECK_VALUE(v[1], ITG_JSON_INT, "9223372036854775808");
		CHECK_VALUE(v[3], ITG_JSON_INT, "-9223372036854775809");
		/* paging numbers beyond 64 bits are unknown; the rest exact */
		CHECK(p.total_count == -1);
		CHECK(p.total_pages == INT64_C(1234567890123456789));
		CHECK(p.current_page == 0);

		/* objects are json-c's to print: compact, numbers as sent */
		CHECK(parse_list(in_object, names, 4, &p));
		CHECK_INT(p.scanned, 0);
		CHECK_VALUE(p.records[0].values[3], ITG_JSON_OBJECT,
					"{\"a\":[99999999999999999999,-0],\"b\":\"-0E-0 1e400\",\"c\":5E-0,"
					"\"d\":{\"e\":-18446744073709551616}}");
		CHECK_VALUE(p.records[0].values[0], ITG_JSON_INT, "12345678901234567890123");
		CHECK(parse_list(in_object, all, 1, &p));
		CHECK_VALUE(p.records[0].values[0], ITG_JSON_OBJECT,
					"{\"o\":{\"a\":[99999999999999999999,-0],\"b\":\"-0E-0 1e400\",\"c\":5E-0,"
					"\"d\":{\"e\":-18446744073709551616}},\"t\":12345678901234567890123}");
	}
	use_scanner = true;

	/* and the same in chunks, as the scanner reads a body while it arrives */
	SAME_SCANNED(doc, names, 4, false);
	SAME_JSONC(in_object, names, 4, false);
	SAME_JSONC(in_object, all, 1, false);
	SAME_SCANNED("{\"data\":{\"id\":-99999999999999999999,\"attributes\":{\"t\":[1E-0,2E-00]}}}",
				 names, 4, true);
	/* a fraction or exponent in an id is not an integer, for either reader */
	SAME_JSONC("{\"data\":[{\"id\":1E+30}]}", names, 4, false);
}

static void
test_scanner_same_as_jsonc(void)
{
	const char *names[] = {"name", "n", "flag", "gone"};
	const char *dup[] = {"name", "n", "name"};
	const char *all[] = {ITG_ATTR_ALL, "name"};

	/* Shapes the scanner takes. */
	SAME_SCANNED("{\"data\":[]}", names, 4, false);
	SAME_SCANNED(" \n{ \"data\" : [ ] , \"meta\" : { } }\r\n\t", names, 4, false);
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"type\":\"organizations\",\"attributes\":"
				 "{\"name\":\"Acme\",\"n\":-12,\"flag\":true,\"other\":{\"a\":[1,2.5e-3,null,\"x\"]}}}],"
				 "\"meta\":{\"current-page\":1,\"next-page\":null,\"total-pages\":9,"
				 "\"total-count\":8999,\"filters\":{}},\"links\":{\"self\":\"http://x/\\u0026\"}}",
				 names, 4, false);
	SAME_SCANNED("{\"links\":{},\"data\":[{\"attributes\":{\"flag\":false,\"name\":null},\"id\":7},"
				 "{\"id\":\"8\",\"attributes\":null},{\"id\":\"9\",\"relationships\":{}}]}",
				 names, 4, false);
	/* escapes of every kind, multibyte text, BMP \u escapes */
	SAME_SCANNED("{\"data\":[{\"id\":\"a\\\"b\",\"attributes\":{\"name\":"
				 "\"q\\\"b\\\\s\\/n\\nr\\rt\\tb\\bf\\f \\u00e9\\u20ac\\u0041 caf\xc3\xa9\"}}]}",
				 names, 4, false);
	/* a name asked for twice fills both slots */
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":5,\"name\":\"x\"}}]}", dup, 3, false);
	/* show responses */
	SAME_SCANNED("{\"data\":{\"id\":\"3\",\"attributes\":{\"name\":\"One\"}}}", names, 4, true);
	SAME_SCANNED("{\"data\":null}", names, 4, true);
	/* numbers in skipped values: every form of the grammar */
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":[0,-0,1.5,-2E+10,3e-2,1e400,"
				 "123456789012345678901234567890]}}]}", names, 4, false);
	/* meta numbers as json-c reads them: negative, 18 digits */
	SAME_SCANNED("{\"data\":[],\"meta\":{\"current-page\":-3,\"total-count\":999999999999999999}}",
				 names, 4, false);
	/* a member named twice in meta: the last one counts */
	SAME_SCANNED("{\"data\":[],\"meta\":{\"total-count\":1,\"total-count\":2}}", names, 4, false);
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{}}]}", NULL, 0, false);

	/* numbers in wanted attributes: every one as sent, of any length */
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":1.5}}]}", names, 4, false);
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":-0}}]}", names, 4, false);
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":1234567890123456789}}]}", names, 4, false);
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":99999999999999999999}}]}", names, 4, false);
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":[1.5]}}]}", names, 4, false);
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":[-0]}}]}", names, 4, false);

	/* Shapes left to json-c (same result, other path). */
	/* plain arrays are kept as their JSON text, as json-c prints them */
	SAME_SCANNED("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":[1,6],\"name\":[],"
				 "\"flag\":[[\"a/b\",true,null,-3],[],\"caf\xc3\xa9\"]}}]}", names, 4, false);
	/* arrays json-c prints differently are left to it */
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":[1, 6]}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":[\"a\\/b\"]}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":[{}]}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":[1,]}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":[\n]}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":{\"a\":1}}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"name\":\"a\",\"name\":\"b\"}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"name\":\"\\ud83d\\ude80\"}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"name\":\"\\ud83d\"}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"name\":\"a\\u0000b\"}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"na\\u006de\":\"esc\"}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"n\":NaN}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":Infinity}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"id\":\"2\"}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":null}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"type\":\"x\"}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{}]}", names, 4, false);
	SAME_JSONC("{\"data\":[1]}", names, 4, false);
	SAME_JSONC("{\"data\":[],\"data\":[{\"id\":\"1\"}]}", names, 4, false);
	SAME_JSONC("{\"data\":{\"id\":\"1\"}}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\"}]}", names, 4, true);
	SAME_JSONC("{\"meta\":{}}", names, 4, false);
	SAME_JSONC("{\"errors\":[{\"title\":\"x\"}]}", names, 4, false);
	SAME_JSONC("[]", names, 4, false);
	SAME_JSONC("{\"data\":[]", names, 4, false);
	SAME_JSONC("{\"data\":[]}x", names, 4, false);
	SAME_JSONC("{\"data\":[]}{}", names, 4, false);
	SAME_JSONC("{\"data\":[],}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\"},]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":01}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":1.}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":tru}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":\"tab\there\"}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":\"\\x\"}}]}", names, 4, false);
	SAME_JSONC("{\"data\":[],\"meta\":{\"total-count\":\"12\"}}", names, 4, false);
	SAME_JSONC("{\"data\":[],\"meta\":[]}", names, 4, false);
	SAME_JSONC("{\"data\":[],\"meta\":{\"total-count\":true}}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"name\":\"x\"}}]}", all, 2, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":[]}]}", names, 4, false);
	SAME_JSONC("{\"data\":[{\"id\":\"1\",\"attributes\":{\"x\":"
			   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}]}",
			   names, 4, false);
}

static void
test_scanner_real_page(void)
{
	/* A page as the simulator and IT Glue send it, 300 records. */
	const char *names[] = {"name", "description", "quick-notes", "short-name", "alert",
		"organization-type-id", "organization-type-name", "organization-status-id",
		"primary", "logo", "parent-id", "ancestor-ids", "psa-id", "created-at", "updated-at"};
	size_t		cap = 1 << 20,
				n = 0;
	char	   *doc = malloc(cap);

	n += (size_t) snprintf(doc + n, cap - n, "{\"data\":[");
	for (int i = 1; i <= 300; i++)
		n += (size_t) snprintf(doc + n, cap - n,
							   "%s{\"id\":\"%d\",\"type\":\"organizations\",\"attributes\":{"
							   "\"name\":\"Org %d \\u00e9\",\"description\":%s,"
							   "\"quick-notes\":\"%s\",\"short-name\":\"O%d\",\"alert\":null,"
							   "\"organization-type-id\":%d,\"organization-type-name\":\"Client\","
							   "\"organization-status-id\":1,\"organization-status-name\":\"Active\","
							   "\"primary\":%s,\"logo\":\"\",\"parent-id\":%s,\"ancestor-ids\":\"[]\","
							   "\"primary-contact-id\":null,\"psa-id\":\"%d\","
							   "\"created-at\":\"2020-01-02T03:04:05.000Z\","
							   "\"updated-at\":\"2021-01-02T03:04:05.000Z\"}}",
							   i > 1 ? "," : "", i, i, i % 3 ? "null" : "\"line\\nbreak\"",
							   i % 7 ? "" : "note \\\"quoted\\\"", i, i % 5, i == 1 ? "true" : "false",
							   i % 4 ? "null" : "\"12\"", 1000 + i);
	n += (size_t) snprintf(doc + n, cap - n,
						   "],\"meta\":{\"current-page\":1,\"next-page\":2,\"prev-page\":null,"
						   "\"total-pages\":4,\"total-count\":1200,\"filters\":{}},"
						   "\"links\":{\"self\":\"x\",\"next\":\"y\"}}");
	CHECK(n < cap);
	SAME_SCANNED(doc, names, (int) (sizeof(names) / sizeof(names[0])), false);
	free(doc);
}

/*
 * recshape.c: the slot a member fills, for both readers.  Names asked for
 * twice share the value, ITG_ATTR_ALL never matches a member, and the
 * remembered positions never confuse two names (also past the length a
 * position remembers, and when records list their attributes in another
 * order).
 */
static void
test_record_shape_module(void)
{
	static const char long_a[] =
		"a-name-longer-than-a-position-remembers-it-is-so-long-1";
	static const char long_b[] =
		"a-name-longer-than-a-position-remembers-it-is-so-long-2";
	const char *const names[] = {"b", long_a, "a", ITG_ATTR_ALL, "b", long_b, NULL};
	ItgRecordShape shape;
	char		body[1024];
	ItgPage		p;

	arena_reset(&arena);
	CHECK(itg_shape_init(&shape, names, 7, arena_alloc, &arena));
	CHECK_INT(itg_shape_slot(&shape, "b", 1, 0), 0);
	CHECK_INT(itg_shape_same_name(&shape, 0), 4);
	CHECK_INT(itg_shape_same_name(&shape, 4), -1);
	CHECK_INT(itg_shape_slot(&shape, "a", 1, 0), 2);	/* position 0 remembered b */
	CHECK_INT(itg_shape_slot(&shape, "a", 1, 0), 2);	/* ...and now a */
	CHECK_INT(itg_shape_slot(&shape, "c", 1, 0), -1);
	CHECK_INT(itg_shape_slot(&shape, ITG_ATTR_ALL, strlen(ITG_ATTR_ALL), 1), -1);
	CHECK_INT(itg_shape_slot(&shape, long_a, strlen(long_a), 2), 1);
	CHECK_INT(itg_shape_slot(&shape, long_b, strlen(long_b), 2), 5);
	CHECK_INT(itg_shape_slot(&shape, long_a, strlen(long_a) - 1, 2), -1);
	CHECK_INT(itg_shape_slot(&shape, "b", 1, ITG_SHAPE_HINTS + 3), 0);
	itg_shape_forget_positions(&shape);
	CHECK_INT(itg_shape_slot(&shape, "a", 1, 0), 2);
	{
		/* Names alike at their start, met at one position in turn. */
		const char *const alike[] = {"ab", "ac", "abc"};
		ItgRecordShape shape2;

		CHECK(itg_shape_init(&shape2, alike, 3, arena_alloc, &arena));
		CHECK_INT(itg_shape_slot(&shape2, "ab", 2, 0), 0);
		CHECK_INT(itg_shape_slot(&shape2, "ac", 2, 0), 1);
		CHECK_INT(itg_shape_slot(&shape2, "abc", 3, 0), 2);
		CHECK_INT(itg_shape_slot(&shape2, "ab", 2, 0), 0);
		CHECK_INT(itg_shape_slot(&shape2, "a", 1, 0), -1);
		CHECK_INT(itg_shape_slot(&shape2, "abd", 3, 0), -1);
		CHECK_INT(itg_shape_slot(&shape2, "ab", 2, 0), 0);
	}

	/* Both readers, records in different orders, both long names. */
	snprintf(body, sizeof(body),
			 "{\"data\":["
			 "{\"id\":\"1\",\"attributes\":{\"a\":1,\"%s\":\"x\",\"b\":2,\"%s\":\"y\"}},"
			 "{\"id\":\"2\",\"attributes\":{\"b\":3,\"%s\":\"z\",\"a\":4,\"%s\":\"w\"}}],"
			 "\"meta\":{\"current-page\":1,\"next-page\":null,\"total-pages\":1,\"total-count\":2}}",
			 long_a, long_b, long_b, long_a);
	for (int fast = 0; fast <= 1; fast++)
	{
		const char *const no_all[] = {"b", long_a, "a", "b", long_b};

		use_scanner = fast;
		CHECK(parse_list(body, no_all, 5, &p));
		CHECK_INT(p.scanned, fast);
		CHECK_INT(p.nrecords, 2);
		CHECK_VALUE(p.records[0].values[0], ITG_JSON_INT, "2");
		CHECK_VALUE(p.records[0].values[1], ITG_JSON_STRING, "x");
		CHECK_VALUE(p.records[0].values[2], ITG_JSON_INT, "1");
		CHECK_VALUE(p.records[0].values[3], ITG_JSON_INT, "2");
		CHECK_VALUE(p.records[0].values[4], ITG_JSON_STRING, "y");
		CHECK_VALUE(p.records[1].values[0], ITG_JSON_INT, "3");
		CHECK_VALUE(p.records[1].values[1], ITG_JSON_STRING, "w");
		CHECK_VALUE(p.records[1].values[2], ITG_JSON_INT, "4");
		CHECK_VALUE(p.records[1].values[3], ITG_JSON_INT, "3");
		CHECK_VALUE(p.records[1].values[4], ITG_JSON_STRING, "z");
		CHECK(p.has_meta && p.current_page == 1 && p.next_page == -1 &&
			  p.total_pages == 1 && p.total_count == 2);
	}
	use_scanner = true;
	{
		const char *const no_all[] = {"b", long_a, "a", "b", long_b};

		SAME_SCANNED(body, no_all, 5, false);
	}
	SAME_JSONC(body, names, 6, false);	/* the scanner leaves ITG_ATTR_ALL to json-c */
}

static void
test_no_leaks(void)
{
	arena_reset(&arena);
	free(arena.blocks);
	free(arena.sizes);
	arena.sizes = NULL;
	arena.blocks = NULL;
	arena.cap = 0;
#ifdef HAVE_LSAN
	CHECK_INT(__lsan_do_recoverable_leak_check(), 0);
#else
	printf("     (no LeakSanitizer in this build; leaks not checked)\n");
#endif
}

int
main(void)
{
	RUN(test_list_page_with_meta);
	RUN(test_record_shape_module);
	RUN(test_list_last_page);
	RUN(test_list_empty_page);
	RUN(test_meta_variants);
	RUN(test_show_object);
	RUN(test_show_data_null);
	RUN(test_missing_data);
	RUN(test_data_wrong_shape);
	RUN(test_errors_document);
	RUN(test_not_an_object);
	RUN(test_record_shapes);
	RUN(test_integer_id);
	RUN(test_attributes_not_object);
	RUN(test_absent_vs_null);
	RUN(test_value_kinds);
	RUN(test_attr_all);
	RUN(test_unicode_escapes);
	RUN(test_json_c_non_ascii);
	RUN(test_embedded_nul);
	RUN(test_invalid_utf8);
	RUN(test_trailing_garbage);
	RUN(test_truncated);
	RUN(test_empty_body);
	RUN(test_json_leniency_refused);
	RUN(test_depth_limit);
	RUN(test_huge_arrays);
	RUN(test_oom_list);
	RUN(test_oom_show_and_all);
	RUN(test_oom_error_body);
	RUN(test_oom_build_body);
	RUN(test_error_body_jsonapi);
	RUN(test_error_body_sparse);
	RUN(test_error_body_gateway);
	RUN(test_error_body_not_errors);
	RUN(test_build_single);
	RUN(test_build_json_scalars);
	RUN(test_build_bulk);
	RUN(test_build_strings);
	RUN(test_build_invalid_json);
	RUN(test_stream_any_split);
	RUN(test_scanner_same_as_jsonc);
	RUN(test_big_numbers);
	RUN(test_scanner_real_page);
	RUN(test_stream_errors_any_split);
	RUN(test_key_spelling_attr_all);
	RUN(test_check_record_types);
	RUN(test_no_leaks);

	printf("unit: %d passed, %d failed\n", tests_passed, tests_failed);
	return tests_failed == 0 ? 0 : 1;
}
