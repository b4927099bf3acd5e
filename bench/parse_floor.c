/*
 * parse_floor.c - the irreducible work of the FDW's stack, without PostgreSQL.
 *
 * Fetches pages 1..N of /organizations sequentially over ONE reused libcurl
 * easy handle (keep-alive), parses each body with json-c and touches every
 * attribute of every record (string lengths are summed, numbers and booleans
 * read), then frees the page.  Prints one line of key=value pairs:
 *
 *   wall_ms cpu_ms fetch_ms parse_ms records bytes strbytes connects
 *
 * wall/cpu cover the whole fetch+parse loop (process start-up and library
 * loading are excluded, as a backend's measurement excludes connection
 * set-up); cpu is this process's own user+system time (getrusage).
 *
 * usage: parse_floor BASE_URL API_KEY PAGES PAGE_SIZE [strict] [refetch]
 *   strict:  parse with json_tokener_new_ex(64) + STRICT|VALIDATE_UTF8
 *            instead of json_tokener_parse().
 *   refetch: also do what the FDW does by default for complete values: every
 *            record whose quick-notes reach 250 characters (list pages cut
 *            them there) is fetched again from /organizations/:id, at once,
 *            on the same connection, and parsed.  Adds refetched=N.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <curl/curl.h>
#include <json-c/json.h>

typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

static size_t
on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	Buf		   *b = userdata;
	size_t		n = size * nmemb;

	if (b->len + n + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 1 << 20;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->data = realloc(b->data, cap);
		if (b->data == NULL)
			return 0;
		b->cap = cap;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* Characters in a UTF-8 string: the bytes that are not continuation bytes. */
static size_t
utf8_chars(const char *s, size_t len)
{
	size_t		n = 0;

	for (size_t i = 0; i < len; i++)
		n += ((unsigned char) s[i] & 0xC0) != 0x80;
	return n;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static double
cpu_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
		(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

int
main(int argc, char **argv)
{
	const char *base;
	int			pages,
				page_size,
				strict = 0,
				refetch = 0;
	long long	refetched = 0;
	char		hdr[512];
	char		url[2048];
	struct curl_slist *headers = NULL;
	CURL	   *easy;
	Buf			buf = {0};
	long long	records = 0,
				bytes = 0,
				strbytes = 0,
				checksum = 0;
	long		connects = 0;
	double		w0,
				c0,
				fetch_ms = 0,
				parse_ms = 0;

	if (argc < 5)
	{
		fprintf(stderr, "usage: %s BASE_URL API_KEY PAGES PAGE_SIZE [strict] [refetch]\n", argv[0]);
		return 2;
	}
	base = argv[1];
	pages = atoi(argv[3]);
	page_size = atoi(argv[4]);
	for (int a = 5; a < argc; a++)
	{
		strict |= strcmp(argv[a], "strict") == 0;
		refetch |= strcmp(argv[a], "refetch") == 0;
	}

	curl_global_init(CURL_GLOBAL_DEFAULT);
	easy = curl_easy_init();
	snprintf(hdr, sizeof(hdr), "x-api-key: %s", argv[2]);
	headers = curl_slist_append(headers, hdr);
	headers = curl_slist_append(headers, "Accept: application/vnd.api+json");
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);

	w0 = now_ms();
	c0 = cpu_ms();
	for (int p = 1; p <= pages; p++)
	{
		double		t0 = now_ms(),
					t1;
		long		status = 0,
					nc = 0;
		json_object *root,
				   *data;
		CURLcode	rc;

		snprintf(url, sizeof(url),
				 "%s/organizations?page[number]=%d&page[size]=%d&sort=id",
				 base, p, page_size);
		curl_easy_setopt(easy, CURLOPT_URL, url);
		buf.len = 0;
		rc = curl_easy_perform(easy);
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &nc);
		connects += nc;
		if (rc != CURLE_OK || status != 200)
		{
			fprintf(stderr, "page %d: %s, HTTP %ld\n", p, curl_easy_strerror(rc), status);
			return 1;
		}
		bytes += buf.len;
		t1 = now_ms();
		fetch_ms += t1 - t0;

		if (strict)
		{
			json_tokener *tok = json_tokener_new_ex(64);

			json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
			root = json_tokener_parse_ex(tok, buf.data, (int) buf.len);
			json_tokener_free(tok);
		}
		else
			root = json_tokener_parse(buf.data);
		if (root == NULL || !json_object_object_get_ex(root, "data", &data) ||
			!json_object_is_type(data, json_type_array))
		{
			fprintf(stderr, "page %d: not a JSON:API list\n", p);
			return 1;
		}
		for (size_t i = 0; i < json_object_array_length(data); i++)
		{
			json_object *rec = json_object_array_get_idx(data, i);
			json_object *id = NULL,
					   *attrs;

			if (json_object_object_get_ex(rec, "id", &id))
				strbytes += json_object_get_string_len(id);
			if (!json_object_object_get_ex(rec, "attributes", &attrs))
				continue;
			json_object_object_foreach(attrs, key, val)
			{
				strbytes += strlen(key);
				if (refetch && strcmp(key, "quick-notes") == 0 &&
					json_object_is_type(val, json_type_string) &&
					utf8_chars(json_object_get_string(val),
							   (size_t) json_object_get_string_len(val)) >= 250)
				{
					/* The whole text is only in the show response. */
					json_object *one,
							   *odata,
							   *oattrs,
							   *notes;
					Buf			obuf = {0};

					snprintf(url, sizeof(url), "%s/organizations/%s", base,
							 json_object_get_string(id));
					curl_easy_setopt(easy, CURLOPT_URL, url);
					curl_easy_setopt(easy, CURLOPT_WRITEDATA, &obuf);
					rc = curl_easy_perform(easy);
					curl_easy_setopt(easy, CURLOPT_WRITEDATA, &buf);
					curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
					curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &nc);
					connects += nc;
					if (rc != CURLE_OK || status != 200)
					{
						fprintf(stderr, "record %s: %s, HTTP %ld\n", json_object_get_string(id),
								curl_easy_strerror(rc), status);
						return 1;
					}
					bytes += obuf.len;
					one = json_tokener_parse(obuf.data);
					if (one == NULL || !json_object_object_get_ex(one, "data", &odata) ||
						!json_object_object_get_ex(odata, "attributes", &oattrs) ||
						!json_object_object_get_ex(oattrs, "quick-notes", &notes))
					{
						fprintf(stderr, "record %s: not a JSON:API show response\n",
								json_object_get_string(id));
						return 1;
					}
					strbytes += json_object_get_string_len(notes);
					json_object_put(one);
					free(obuf.data);
					refetched++;
					continue;
				}
				switch (json_object_get_type(val))
				{
					case json_type_string:
						strbytes += json_object_get_string_len(val);
						break;
					case json_type_int:
						checksum += json_object_get_int64(val);
						break;
					case json_type_boolean:
						checksum += json_object_get_boolean(val);
						break;
					case json_type_double:
						checksum += (long long) json_object_get_double(val);
						break;
					default:
						break;
				}
			}
			records++;
		}
		json_object_put(root);
		parse_ms += now_ms() - t1;
	}
	printf("wall_ms=%.3f cpu_ms=%.3f fetch_ms=%.3f parse_ms=%.3f records=%lld bytes=%lld strbytes=%lld connects=%ld checksum=%lld refetched=%lld\n",
		   now_ms() - w0, cpu_ms() - c0, fetch_ms, parse_ms, records, bytes, strbytes,
		   connects, checksum, refetched);
	curl_slist_free_all(headers);
	curl_easy_cleanup(easy);
	curl_global_cleanup();
	free(buf.data);
	return 0;
}
