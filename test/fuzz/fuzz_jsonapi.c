/*-------------------------------------------------------------------------
 *
 * fuzz_jsonapi.c
 *		libFuzzer target for src/jsonapi.c.
 *
 * Each input is parsed as a list page and as a show page with several sets
 * of requested attributes (ITG_ATTR_ALL included), as an error body, and as
 * the JSON text of a request-body value.  Besides crashes, sanitizer reports
 * and leaks (everything the arena hands out is freed after every run, so
 * LeakSanitizer sees only what json-c objects the parser failed to release),
 * it checks what the parser promises:
 *	- every string it returns is NUL-terminated, has the reported length,
 *	  contains no NUL and is well-formed UTF-8;
 *	- a value's JSON text (numbers, booleans, objects, arrays, ITG_ATTR_ALL)
 *	  is JSON that itg_build_body() accepts again;
 *	- on failure the error message is a non-empty single line.
 * A broken promise aborts, which libFuzzer reports as a crash.
 *
 * Built with -DITG_FUZZ_STANDALONE it has its own main(): a plain
 * random-mutation loop for machines without libFuzzer (see run-fuzz.sh).
 *
 *-------------------------------------------------------------------------
 */
#include "jsonapi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Arena
{
	void	  **blocks;
	size_t		nblocks;
	size_t		cap;
	long		limit;			/* fail once count reaches this; -1 never */
	long		count;
} Arena;

static void *
arena_alloc(void *ctx, size_t size)
{
	Arena	   *a = ctx;
	void	   *p;

	if (a->limit >= 0 && a->count >= a->limit)
		return NULL;
	if (a->nblocks == a->cap)
	{
		size_t		ncap = a->cap ? a->cap * 2 : 256;
		void	  **nb = realloc(a->blocks, ncap * sizeof(void *));

		if (nb == NULL)
			return NULL;
		a->blocks = nb;
		a->cap = ncap;
	}
	p = calloc(1, size ? size : 1);
	if (p == NULL)
		return NULL;
	a->blocks[a->nblocks++] = p;
	a->count++;
	return p;
}

static void
arena_reset(Arena *a, long limit)
{
	for (size_t i = 0; i < a->nblocks; i++)
		free(a->blocks[i]);
	a->nblocks = 0;
	a->count = 0;
	a->limit = limit;
}

static Arena arena = {NULL, 0, 0, -1, 0};
static Arena arena2 = {NULL, 0, 0, -1, 0};

#define PROMISE(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "fuzz_jsonapi: broken promise at %s:%d: %s\n", \
					__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

static bool
utf8_ok(const unsigned char *s, size_t len)
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
			n = 2, lo = 0xA0;
		else if (c == 0xED)
			n = 2, hi = 0x9F;
		else if (c >= 0xE1 && c <= 0xEF)
			n = 2;
		else if (c == 0xF0)
			n = 3, lo = 0x90;
		else if (c >= 0xF1 && c <= 0xF3)
			n = 3;
		else if (c == 0xF4)
			n = 3, hi = 0x8F;
		else
			return false;
		if (len - i <= n || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k <= n; k++)
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
		i += n + 1;
	}
	return true;
}

static void
check_text(const char *s, size_t len)
{
	PROMISE(s != NULL);
	PROMISE(strlen(s) == len);
	PROMISE(utf8_ok((const unsigned char *) s, len));
}

static void
check_errbuf(const char *errbuf)
{
	PROMISE(errbuf[0] != '\0');
	PROMISE(strchr(errbuf, '\n') == NULL);
}

/* A value's JSON text must be accepted as a request-body value again, unchanged. */
static void
check_reparses(const ItgValue *v)
{
	ItgBodyAttr attr = {"x", v->kind, v->text};
	const ItgBodyAttr *rows[1] = {&attr};
	int			n = 1;
	char		err[256];
	char	   *body;

	err[0] = '\0';
	body = itg_build_body("t", rows, &n, 1, false, arena_alloc, &arena2, err, sizeof(err));
	if (body == NULL)
		fprintf(stderr, "fuzz_jsonapi: value %s refused: %s\n", v->text, err);
	PROMISE(body != NULL);
	check_text(body, strlen(body));
	/* ... and go out as it came in: every number exactly as sent. */
	if (v->kind != ITG_JSON_STRING && strstr(body, v->text) == NULL)
		fprintf(stderr, "fuzz_jsonapi: value %s went out as %s\n", v->text, body);
	PROMISE(v->kind == ITG_JSON_STRING || strstr(body, v->text) != NULL);
	arena_reset(&arena2, -1);
}

static void
check_page(const ItgPage *p, const char *const *names, int nnames, bool single)
{
	PROMISE(p->nrecords >= 0);
	PROMISE(!single || p->nrecords <= 1);
	PROMISE(p->nrecords == 0 || p->records != NULL);
	for (int r = 0; r < p->nrecords; r++)
	{
		const ItgRecord *rec = &p->records[r];

		check_text(rec->id, strlen(rec->id));
		PROMISE(rec->values != NULL);
		for (int i = 0; i < nnames; i++)
		{
			const ItgValue *v = &rec->values[i];

			switch (v->kind)
			{
				case ITG_JSON_ABSENT:
				case ITG_JSON_NULL:
					PROMISE(v->text == NULL);
					break;
				case ITG_JSON_STRING:
					PROMISE(names[i] != NULL);
					check_text(v->text, v->len);
					break;
				default:
					PROMISE(names[i] != NULL);
					check_text(v->text, v->len);
					PROMISE(v->len > 0);
					check_reparses(v);
					break;
			}
			if (names[i] == NULL)
				PROMISE(v->kind == ITG_JSON_ABSENT);
			else if (strcmp(names[i], ITG_ATTR_ALL) == 0)
				PROMISE(v->kind == ITG_JSON_OBJECT || v->kind == ITG_JSON_ABSENT);
		}
	}
}

static const char *const names_org[] = {
	"name", "organization-type-id", "quick-notes", "created-at", NULL, "x",
	ITG_ATTR_ALL, "a", "id", "primary", "alert"
};
static const char *const names_all[] = {ITG_ATTR_ALL};
static const char *const names_one[] = {"a"};
/* Without ITG_ATTR_ALL, so the fast scanner reads these pages (a name twice). */
static const char *const names_scan[] = {
	"name", "organization-type-id", "quick-notes", NULL, "x", "a", "id", "primary", "name"
};

static const struct
{
	const char *const *names;
	int			nnames;
	bool		single;
}			modes[] = {
	{names_org, 11, false},
	{names_org, 11, true},
	{NULL, 0, false},
	{names_all, 1, true},
	{names_one, 1, false},
	{names_scan, 9, false},
	{names_scan, 9, true},
};

/* FNV-1a over everything a parse returned, to compare two parses. */
static uint64_t
digest_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static uint64_t
page_digest(bool ok, const char *errbuf, const ItgPage *p, int nnames)
{
	uint64_t	h = 14695981039346656037ULL;

	h = digest_bytes(h, &ok, sizeof(ok));
	if (!ok)
		return digest_bytes(h, errbuf, strlen(errbuf));
	h = digest_bytes(h, &p->has_meta, sizeof(p->has_meta));
	h = digest_bytes(h, &p->current_page, sizeof(int64_t));
	h = digest_bytes(h, &p->next_page, sizeof(int64_t));
	h = digest_bytes(h, &p->total_pages, sizeof(int64_t));
	h = digest_bytes(h, &p->total_count, sizeof(int64_t));
	h = digest_bytes(h, &p->nrecords, sizeof(p->nrecords));
	for (int r = 0; r < p->nrecords; r++)
	{
		h = digest_bytes(h, p->records[r].id, strlen(p->records[r].id) + 1);
		for (int i = 0; i < nnames; i++)
		{
			const ItgValue *v = &p->records[r].values[i];

			h = digest_bytes(h, &v->kind, sizeof(v->kind));
			if (v->text != NULL)
			{
				h = digest_bytes(h, &v->len, sizeof(v->len));
				h = digest_bytes(h, v->text, v->len);
			}
		}
	}
	return h;
}

/*
 * The fast scanner must give exactly what json-c gives (or leave the body
 * to json-c): compare with the scanner off, and fed in chunks as libcurl
 * would, with the attributes known in advance.
 */
static void
check_scanner_agrees(const char *data, size_t size, int mode, uint64_t fast_digest)
{
	ItgPage		page;
	char		errbuf[256];
	bool		ok;
	ItgJsonStream *s;
	size_t		step = 1 + (size > 0 ? (unsigned char) data[size / 2] % 97 : 0);

	arena_reset(&arena, -1);
	errbuf[0] = '\0';
	ok = itg_parse_page_ex(data, size, modes[mode].names, modes[mode].nnames,
						   modes[mode].single, false, arena_alloc, &arena, &page,
						   errbuf, sizeof(errbuf));
	PROMISE(!ok || !page.scanned);
	if (page_digest(ok, errbuf, &page, modes[mode].nnames) != fast_digest)
	{
		fprintf(stderr, "fuzz_jsonapi: scanner and json-c disagree (mode %d; json-c: %s)\n",
				mode, ok ? "ok" : errbuf);
		PROMISE(!"the scanner gives what json-c gives");
	}
	arena_reset(&arena, -1);

	s = itg_json_stream_new();
	PROMISE(s != NULL);
	itg_json_stream_expect(s, modes[mode].names, modes[mode].nnames, modes[mode].single);
	for (size_t off = 0; off < size; off += step)
		(void) itg_json_stream_feed(s, data + off, off + step <= size ? step : size - off);
	errbuf[0] = '\0';
	ok = itg_parse_stream(s, modes[mode].names, modes[mode].nnames, modes[mode].single,
						  arena_alloc, &arena, &page, errbuf, sizeof(errbuf));
	itg_json_stream_free(s);
	if (page_digest(ok, errbuf, &page, modes[mode].nnames) != fast_digest)
	{
		fprintf(stderr, "fuzz_jsonapi: chunks of %zu disagree with the whole body (mode %d)\n",
				step, mode);
		PROMISE(!"a body in chunks gives what the whole body gives");
	}
	arena_reset(&arena, -1);
}

/* One run with the allocator failing after `limit` allocations. */
static long
run_page(const char *data, size_t size, int mode, long limit)
{
	ItgPage		page;
	char		errbuf[256];
	bool		ok;
	long		used;

	arena_reset(&arena, limit);
	errbuf[0] = '\0';
	ok = itg_parse_page(data, size, modes[mode].names, modes[mode].nnames,
						modes[mode].single, arena_alloc, &arena, &page,
						errbuf, sizeof(errbuf));
	if (ok)
		check_page(&page, modes[mode].names, modes[mode].nnames, modes[mode].single);
	else
	{
		check_errbuf(errbuf);
		PROMISE(page.nrecords == 0);
	}
	/* Only called with a limit below what a successful parse needs. */
	if (limit >= 0)
		PROMISE(!ok && strcmp(errbuf, "out of memory while reading the response") == 0);
	used = arena.count;
	if (limit < 0)
	{
		uint64_t	digest = page_digest(ok, errbuf, &page, modes[mode].nnames);

		arena_reset(&arena, -1);
		check_scanner_agrees(data, size, mode, digest);
	}
	arena_reset(&arena, -1);
	return ok ? used : -1;
}

static void
run_error_body(const char *data, size_t size, long limit)
{
	ItgApiError err;

	arena_reset(&arena, limit);
	if (itg_parse_error_body(data, size, arena_alloc, &arena, &err))
	{
		PROMISE(err.nerrors > 0);
		check_text(err.all_text, strlen(err.all_text));
		if (err.title)
			check_text(err.title, strlen(err.title));
		if (err.detail)
			check_text(err.detail, strlen(err.detail));
		if (err.pointer)
			check_text(err.pointer, strlen(err.pointer));
	}
	else
		PROMISE(err.all_text == NULL && err.title == NULL && err.nerrors == 0);
	arena_reset(&arena, -1);
}

/* The input as a request-body value: JSON text, and a plain string. */
static void
run_build_body(const char *data, size_t size)
{
	char	   *text = malloc(size + 1);
	char		err[256];
	ItgBodyAttr attrs[2];
	const ItgBodyAttr *rows[2] = {&attrs[0], &attrs[1]};
	int			nattrs[2] = {1, 1};
	char	   *body;

	if (text == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';

	attrs[0] = (ItgBodyAttr) {"json", ITG_JSON_OBJECT, text};
	attrs[1] = (ItgBodyAttr) {"s", ITG_JSON_STRING, text};
	err[0] = '\0';
	body = itg_build_body("t", rows, nattrs, 2, true, arena_alloc, &arena, err, sizeof(err));
	if (body)
		check_text(body, strlen(body));
	else
		check_errbuf(err);
	arena_reset(&arena, -1);

	/* A string value always builds, and its body parses back. */
	if (utf8_ok((const unsigned char *) text, strlen(text)))
	{
		body = itg_build_body("t", &rows[1], &nattrs[1], 1, false, arena_alloc, &arena,
							  err, sizeof(err));
		PROMISE(body != NULL);
		{
			ItgPage		page;
			const char *names[] = {"s"};

			/* It is JSON: parsing stops only at the missing id. */
			PROMISE(!itg_parse_page(body, strlen(body), names, 1, true, arena_alloc,
									&arena2, &page, err, sizeof(err)));
			PROMISE(strcmp(err, "record 1 has no \"id\"") == 0);
			arena_reset(&arena2, -1);
		}
		arena_reset(&arena, -1);
	}
	free(text);
}

int			LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *body = (const char *) data;
	long		need;
	unsigned	h = 2166136261u;

	for (int m = 0; m < (int) (sizeof(modes) / sizeof(modes[0])); m++)
	{
		need = run_page(body, size, m, -1);
		/* Out of memory somewhere in a successful parse: pick a point. */
		if (need > 0)
		{
			for (size_t i = 0; i < size && i < 64; i++)
				h = (h ^ data[i]) * 16777619u;
			run_page(body, size, m, (long) (h % (unsigned) need));
		}
	}
	run_error_body(body, size, -1);
	run_error_body(body, size, (long) (h % 4));
	run_build_body(body, size);
	return 0;
}

#ifdef ITG_FUZZ_STANDALONE
/*
 * A plain mutation fuzzer for machines without libFuzzer: reads the corpus
 * directories given, then mutates random corpus entries (bit flips, byte
 * changes, insertions, deletions, splices, dictionary tokens) for the given
 * number of seconds.  No coverage feedback; ASan/UBSan/LSan still apply.
 *
 *	fuzz_jsonapi_standalone SECONDS SEED DIR...
 */
#include <dirent.h>
#include <time.h>

static const char *const tokens[] = {
	"\"data\"", "\"attributes\"", "\"id\"", "\"meta\"", "\"errors\"", "\"title\"",
	"\"detail\"", "\"source\"", "\"pointer\"", "\"message\"", "\"next-page\"",
	"\"total-count\"", "null", "true", "false", "[", "]", "{", "}", ":", ",",
	"\"", "\\u0000", "\\ud800", "\\u0026", "NaN", "Infinity", "-", "1e400",
	"99999999999999999999", "\xc3\xa9", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\0",
};

static unsigned long long rng_state;

static unsigned
rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return n ? (unsigned) ((rng_state >> 33) % n) : 0;
}

int
main(int argc, char **argv)
{
	char	  **corpus = NULL;
	size_t	   *lens = NULL;
	size_t		n = 0;
	time_t		end;
	unsigned long long execs = 0;
	enum
	{
		MAXLEN = 16384
	};
	unsigned char *buf = malloc(MAXLEN);

	if (argc < 4 || buf == NULL)
	{
		fprintf(stderr, "usage: %s SECONDS SEED DIR...\n", argv[0]);
		return 2;
	}
	end = time(NULL) + atoi(argv[1]);
	rng_state = strtoull(argv[2], NULL, 10);
	for (int d = 3; d < argc; d++)
	{
		DIR		   *dir = opendir(argv[d]);
		struct dirent *de;

		while (dir && (de = readdir(dir)) != NULL)
		{
			char		path[4096];
			FILE	   *f;
			size_t		len;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[d], de->d_name);
			if ((f = fopen(path, "rb")) == NULL)
				continue;
			len = fread(buf, 1, MAXLEN, f);
			fclose(f);
			corpus = realloc(corpus, (n + 1) * sizeof(*corpus));
			lens = realloc(lens, (n + 1) * sizeof(*lens));
			corpus[n] = malloc(len ? len : 1);
			memcpy(corpus[n], buf, len);
			lens[n++] = len;
			LLVMFuzzerTestOneInput(buf, len);
			execs++;
		}
		if (dir)
			closedir(dir);
	}
	if (n == 0)
	{
		fprintf(stderr, "no corpus files\n");
		return 2;
	}
	while (time(NULL) < end)
	{
		for (int batch = 0; batch < 256; batch++)
		{
			size_t		k = rnd((unsigned) n);
			size_t		len = lens[k];
			int			nmut = 1 + rnd(4);

			memcpy(buf, corpus[k], len);
			for (int m = 0; m < nmut; m++)
			{
				size_t		pos = len ? rnd((unsigned) len) : 0;

				switch (rnd(6))
				{
					case 0:
						if (len)
							buf[pos] ^= (unsigned char) (1 << rnd(8));
						break;
					case 1:
						if (len)
							buf[pos] = (unsigned char) rnd(256);
						break;
					case 2:
						if (len)
						{
							size_t		cut = 1 + rnd((unsigned) (len - pos));

							memmove(buf + pos, buf + pos + cut, len - pos - cut);
							len -= cut;
						}
						break;
					case 3:
					case 4:
						{
							const char *t = tokens[rnd(sizeof(tokens) / sizeof(tokens[0]))];
							size_t		tl = t[0] ? strlen(t) : 1;

							if (len + tl <= MAXLEN)
							{
								memmove(buf + pos + tl, buf + pos, len - pos);
								memcpy(buf + pos, t, tl);
								len += tl;
							}
						}
						break;
					case 5:
						{
							size_t		o = rnd((unsigned) n);
							size_t		from = lens[o] ? rnd((unsigned) lens[o]) : 0;
							size_t		cnt = rnd((unsigned) (lens[o] - from + 1));

							if (pos + cnt <= MAXLEN)
							{
								memcpy(buf + pos, corpus[o] + from, cnt);
								if (pos + cnt > len)
									len = pos + cnt;
							}
						}
						break;
				}
			}
			LLVMFuzzerTestOneInput(buf, len);
			execs++;
		}
	}
	printf("standalone fuzzing: %llu runs, no failure\n", execs);
	for (size_t i = 0; i < n; i++)
		free(corpus[i]);
	free(corpus);
	free(lens);
	free(buf);
	arena_reset(&arena, -1);
	arena_reset(&arena2, -1);
	free(arena.blocks);
	free(arena2.blocks);
	return 0;
}
#endif
