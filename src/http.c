/*-------------------------------------------------------------------------
 *
 * http.c
 *		HTTP requests to IT Glue over the libcurl multi interface.  The only
 *		file that includes libcurl.
 *
 * Design rules:
 *	- The backend never blocks inside libcurl.  It waits on its latch and
 *	  curl's sockets together (a WaitEventSet rebuilt per wait), so a cancel,
 *	  statement_timeout or terminate is noticed at once, and any number of
 *	  requests can be in flight for concurrent paging.
 *	- One multi handle per backend keeps connections alive between requests
 *	  and between queries.
 *	- Each request owns a small memory context; deleting it (explicitly, or
 *	  because an error unwound the query) releases the easy handle, headers
 *	  and response buffer through a reset callback.  Nothing leaks on error.
 *	- Retries (429, 5xx, network) happen here, with backoff and Retry-After,
 *	  only when the method's policy says the request may safely run again.
 *	- The API key goes into one header and nowhere else: not into messages,
 *	  not into the request text shown by EXPLAIN or errors.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include <curl/curl.h>

#include "lib/ilist.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "it_glue_fdw.h"

/*
 * Longest Retry-After we are willing to sleep for; larger values (inf,
 * 1e30, a date in the year 9999) are clamped to ITG_RETRY_AFTER_CLAMP_S
 * before any arithmetic.  Backoff limits.
 */
#define ITG_MAX_RETRY_AFTER_MS	(120 * 1000)
#define ITG_RETRY_AFTER_CLAMP_S	1.0e7
#define ITG_BACKOFF_BASE_MS		250
#define ITG_BACKOFF_MAX_MS		(30 * 1000)
#define ITG_MAX_SOCKETS			256

/* A streamed body keeps this much of its start, for error messages. */
#define ITG_EXCERPT_BYTES		1024
/* How much of a body an excerpt shows, and how much is searched for keys. */
#define ITG_EXCERPT_SHOWN		120
#define ITG_EXCERPT_SOURCE		4096

typedef enum ItgRequestState
{
	ITG_REQ_WAITING,			/* not started, or waiting to retry */
	ITG_REQ_RUNNING,			/* in the multi handle */
	ITG_REQ_DONE				/* finished for good (success or final error) */
} ItgRequestState;

struct ItgHttpRequest
{
	MemoryContext cxt;			/* owns this struct; deleting it cleans up */
	MemoryContextCallback cleanup_cb;
	dlist_node	node;			/* in live_requests */
	bool		cleaned;

	CURL	   *easy;
	struct curl_slist *headers;
	char	   *method;
	char	   *path_query;		/* what EXPLAIN and errors show */
	char	   *body;			/* request body or NULL */
	ItgRetryPolicy policy;
	int			max_retries;
	ItgPaceKey	pace_key;		/* the pacing bucket: host and key, hashed */
	ItgPaceLimits pace_limits;
	int			timeout_ms;

	ItgRequestState state;
	TimestampTz start_at;		/* earliest (re)start time */
	int			attempt;		/* retries so far */
	int64		refused_wait_ms;	/* a Retry-After not waited for, or -1 */
	bool		wait_past_timeout;	/* ...because statement_timeout comes first */

	/*
	 * The response.  The buffer is malloc'd because curl callbacks fill it.
	 * With a body sink, a successful body goes to the sink as it arrives
	 * and only its first bytes are kept, for messages.
	 */
	char	   *resp;
	size_t		resp_len;		/* bytes in resp */
	size_t		resp_cap;
	size_t		resp_total;		/* bytes received */
	size_t		max_bytes;
	ItgBodySink sink;			/* feed == NULL: keep the whole body */
	bool		too_large;
	char		content_type[128];	/* made safe for messages when done */
	bool		content_type_cut;	/* the header was longer */
	char		retry_after[64];
	long		status;
	CURLcode	result;
	char		errbuf[CURL_ERROR_SIZE];

	ItgHttpStats *stats;
};

/* Backend-wide curl state. */
static CURLM *multi = NULL;
static dlist_head live_requests = DLIST_STATIC_INIT(live_requests);

typedef struct ItgSocket
{
	curl_socket_t fd;
	int			what;			/* CURL_POLL_IN / OUT / INOUT */
} ItgSocket;

static ItgSocket sockets[ITG_MAX_SOCKETS];
static int	nsockets = 0;
static long curl_timeout_ms = -1;	/* -1: no timer */
static TimestampTz curl_timer_set_at = 0;

static void request_cleanup(void *arg);

/* ---------- curl callbacks (no ereport, no palloc in here) ---------- */

static int
socket_callback(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	(void) easy;
	(void) userp;
	(void) socketp;

	for (int i = 0; i < nsockets; i++)
	{
		if (sockets[i].fd != fd)
			continue;
		if (what == CURL_POLL_REMOVE)
			sockets[i] = sockets[--nsockets];
		else
			sockets[i].what = what;
		return 0;
	}
	if (what != CURL_POLL_REMOVE)
	{
		if (nsockets >= ITG_MAX_SOCKETS)
			return -1;			/* curl fails the transfer; reported normally */
		sockets[nsockets].fd = fd;
		sockets[nsockets].what = what;
		nsockets++;
	}
	return 0;
}

static int
timer_callback(CURLM *m, long timeout_ms, void *userp)
{
	(void) m;
	(void) userp;
	curl_timeout_ms = timeout_ms;
	curl_timer_set_at = GetCurrentTimestamp();
	return 0;
}

static size_t
write_callback(char *data, size_t size, size_t nmemb, void *userp)
{
	ItgHttpRequest *req = (ItgHttpRequest *) userp;
	size_t		n = size * nmemb;

	if (req->resp_total + n > req->max_bytes)
	{
		req->too_large = true;
		return 0;				/* aborts the transfer with CURLE_WRITE_ERROR */
	}
	req->resp_total += n;
	if (req->sink.feed != NULL)
	{
		long		code = 0;

		curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code <= 299)
		{
			/* Parse now, while other transfers are still under way. */
			req->sink.feed(req->sink.arg, data, n);
			n = Min(n, ITG_EXCERPT_BYTES - Min(req->resp_len, ITG_EXCERPT_BYTES));
			if (n == 0)
				return size * nmemb;
		}
	}
	if (req->resp_len + n + 1 > req->resp_cap)
	{
		size_t		cap = req->resp_cap ? req->resp_cap : 65536;
		char	   *grown;

		while (cap < req->resp_len + n + 1)
			cap *= 2;
		grown = realloc(req->resp, cap);
		if (grown == NULL)
			return 0;
		req->resp = grown;
		req->resp_cap = cap;
	}
	memcpy(req->resp + req->resp_len, data, n);
	req->resp_len += n;
	req->resp[req->resp_len] = '\0';
	return size * nmemb;
}

/*
 * Copy a header value, trimmed, if the line is "name: value"; *cut tells
 * whether it had to be shortened.
 */
static void
capture_header(const char *line, size_t len, const char *name, char *dst, size_t dstlen,
			   bool *cut)
{
	size_t		nlen = strlen(name);
	size_t		start;
	size_t		end;

	if (len <= nlen || pg_strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
		return;
	start = nlen + 1;
	while (start < len && (line[start] == ' ' || line[start] == '\t'))
		start++;
	end = len;
	while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n' ||
						   line[end - 1] == ' '))
		end--;
	*cut = end - start >= dstlen;
	if (*cut)
		end = start + dstlen - 1;
	memcpy(dst, line + start, end - start);
	dst[end - start] = '\0';
}

static size_t
header_callback(char *data, size_t size, size_t nmemb, void *userp)
{
	ItgHttpRequest *req = (ItgHttpRequest *) userp;
	size_t		n = size * nmemb;
	bool		ignored;

	/* A new status line starts a new header block (e.g. after 100). */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
	{
		req->content_type[0] = '\0';
		req->content_type_cut = false;
		req->retry_after[0] = '\0';
	}
	capture_header(data, n, "content-type", req->content_type, sizeof(req->content_type),
				   &req->content_type_cut);
	capture_header(data, n, "retry-after", req->retry_after, sizeof(req->retry_after),
				   &ignored);
	return n;
}

/* ---------- backend-wide setup ---------- */

/*
 * http2_usable
 *		Whether to offer HTTP/2.  Older libcurl releases (Debian 12 has 7.88)
 *		can leave the end of a multiplexed HTTP/2 response unread under the
 *		multi-socket interface until the request times out: the tests saw
 *		30-second stalls behind an HTTP/2 proxy.  With those, every request
 *		asks for HTTP/1.1, and concurrency comes from keep-alive connections.
 *		The version is the library's at run time (and the headers' too).
 */
#define ITG_HTTP2_MIN_LIBCURL 0x080700	/* 8.7.0 */

#if LIBCURL_VERSION_NUM >= ITG_HTTP2_MIN_LIBCURL
static bool
http2_usable(void)
{
	static int	usable = -1;

	if (usable < 0)
	{
		curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

		usable = (v->version_num >= ITG_HTTP2_MIN_LIBCURL &&
				  (v->features & CURL_VERSION_HTTP2) != 0) ? 1 : 0;
	}
	return usable == 1;
}
#endif

/* Create the multi handle on first use; curl_global_init ran in _PG_init. */
static void
ensure_multi(void)
{
	if (multi != NULL)
		return;
	multi = curl_multi_init();
	if (multi == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not initialize libcurl")));
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_callback);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_callback);
	/* The pages of a scan share one connection when the server speaks HTTP/2. */
	curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long) CURLPIPE_MULTIPLEX);
}

/* ---------- request lifecycle ---------- */

/*
 * itg_http_start
 *		Create a request and queue it.  It starts as soon as pacing allows;
 *		the caller then waits with itg_http_wait() or itg_http_wait_any().
 */
ItgHttpRequest *
itg_http_start(const ItgOptions *opts, const char *method, const char *path_query,
			   const char *body, ItgHttpStats *stats)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext,
											  "it_glue_fdw request",
											  ALLOCSET_SMALL_SIZES);
	ItgHttpRequest *req = MemoryContextAllocZero(cxt, sizeof(ItgHttpRequest));
	char	   *url;
	char	   *key_header;

	ensure_multi();

	req->cxt = cxt;
	req->method = MemoryContextStrdup(cxt, method);
	req->path_query = MemoryContextStrdup(cxt, path_query);
	req->body = body ? MemoryContextStrdup(cxt, body) : NULL;
	req->policy = strcmp(method, "GET") == 0 ? ITG_RETRY_IDEMPOTENT : ITG_RETRY_UNSENT_ONLY;
	req->max_retries = opts->max_retries;
	itg_pacing_key(opts->base_url, opts->api_key, &req->pace_key);
	req->pace_limits = opts->pace;
	req->timeout_ms = opts->timeout_ms;
	req->max_bytes = (size_t) opts->max_response_mb * 1024 * 1024;
	req->stats = stats;
	req->state = ITG_REQ_WAITING;
	req->start_at = 0;
	req->refused_wait_ms = -1;
	/* Whatever the answers echo of this key is recognised and redacted. */
	itg_redact_remember_key(opts->api_key);

	/* Register cleanup before acquiring anything it must release. */
	req->cleanup_cb.func = request_cleanup;
	req->cleanup_cb.arg = req;
	MemoryContextRegisterResetCallback(cxt, &req->cleanup_cb);
	dlist_push_tail(&live_requests, &req->node);

	req->easy = curl_easy_init();
	if (req->easy == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl handle")));

	url = psprintf("%s%s", opts->base_url, path_query);
	key_header = psprintf("x-api-key: %s", opts->api_key ? opts->api_key : "");
	req->headers = curl_slist_append(req->headers, key_header);
	/* Overwrite the copy so the key does not linger in freed memory. */
	memset(key_header, 0, strlen(key_header));
	pfree(key_header);
	req->headers = curl_slist_append(req->headers, "Accept: application/vnd.api+json");
	req->headers = curl_slist_append(req->headers, "Expect:");
	if (body != NULL)
		req->headers = curl_slist_append(req->headers,
										 "Content-Type: application/vnd.api+json");
	if (req->headers == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory building IT Glue request headers")));

	curl_easy_setopt(req->easy, CURLOPT_URL, url);
	curl_easy_setopt(req->easy, CURLOPT_HTTPHEADER, req->headers);
	curl_easy_setopt(req->easy, CURLOPT_USERAGENT, ITG_USER_AGENT);
	curl_easy_setopt(req->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(req->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(req->easy, CURLOPT_TIMEOUT_MS, (long) opts->timeout_ms);
	curl_easy_setopt(req->easy, CURLOPT_CONNECTTIMEOUT_MS, (long) opts->connect_timeout_ms);
	curl_easy_setopt(req->easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(req->easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (opts->ca_file)
		curl_easy_setopt(req->easy, CURLOPT_CAINFO, opts->ca_file);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(req->easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(req->easy, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(req->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(req->easy, CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= ITG_HTTP2_MIN_LIBCURL
	if (http2_usable())
	{
		/*
		 * HTTP/2 when the server offers it over TLS (ALPN), HTTP/1.1
		 * otherwise; a request waits to learn whether an open connection can
		 * carry it too rather than opening another at once.
		 */
		curl_easy_setopt(req->easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
		curl_easy_setopt(req->easy, CURLOPT_PIPEWAIT, 1L);
	}
	else
#endif
		curl_easy_setopt(req->easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(req->easy, CURLOPT_WRITEFUNCTION, write_callback);
	curl_easy_setopt(req->easy, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(req->easy, CURLOPT_HEADERFUNCTION, header_callback);
	curl_easy_setopt(req->easy, CURLOPT_HEADERDATA, req);
	curl_easy_setopt(req->easy, CURLOPT_ERRORBUFFER, req->errbuf);
	curl_easy_setopt(req->easy, CURLOPT_PRIVATE, req);
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(req->easy, CURLOPT_CUSTOMREQUEST, req->method);

	/*
	 * A write goes over a new connection.  When a reused keep-alive
	 * connection closes before any answer, libcurl sends the request again
	 * on its own, and IT Glue could carry a write out twice.
	 */
	if (req->policy == ITG_RETRY_UNSENT_ONLY)
		curl_easy_setopt(req->easy, CURLOPT_FRESH_CONNECT, 1L);
	if (req->body != NULL)
	{
		curl_easy_setopt(req->easy, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(req->easy, CURLOPT_POSTFIELDSIZE, (long) strlen(req->body));
	}
	pfree(url);
	return req;
}

/* Release everything curl-side; runs when the request's context goes away. */
static void
request_cleanup(void *arg)
{
	ItgHttpRequest *req = (ItgHttpRequest *) arg;

	if (req->cleaned)
		return;
	req->cleaned = true;
	dlist_delete(&req->node);
	if (req->easy != NULL)
	{
		if (req->state == ITG_REQ_RUNNING && multi != NULL)
			curl_multi_remove_handle(multi, req->easy);
		curl_easy_cleanup(req->easy);
		req->easy = NULL;
	}
	if (req->headers != NULL)
		curl_slist_free_all(req->headers);
	req->headers = NULL;
	free(req->resp);
	req->resp = NULL;
	if (req->sink.release != NULL)
		req->sink.release(req->sink.arg);
	req->sink.feed = NULL;
	req->sink.release = NULL;
}

/* itg_http_release: free a request and its response now. */
void
itg_http_release(ItgHttpRequest *req)
{
	if (req != NULL)
		MemoryContextDelete(req->cxt);
}

/* Hand a due request to curl, resetting the previous attempt's response. */
static void
launch(ItgHttpRequest *req)
{
	CURLMcode	mc;

	req->resp_len = 0;
	req->resp_total = 0;
	if (req->sink.reset != NULL)
		req->sink.reset(req->sink.arg);
	req->too_large = false;
	req->status = 0;
	req->result = CURLE_OK;
	req->errbuf[0] = '\0';
	req->content_type[0] = '\0';
	req->content_type_cut = false;
	req->retry_after[0] = '\0';
	req->refused_wait_ms = -1;
	mc = curl_multi_add_handle(multi, req->easy);
	if (mc != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not start IT Glue request: %s", curl_multi_strerror(mc))));
	req->state = ITG_REQ_RUNNING;
	if (req->stats)
		req->stats->requests++;
}

/* Is this transport error one where the request certainly never ran? */
static bool
transport_error_unsent(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
		rc == CURLE_COULDNT_RESOLVE_PROXY;
}

static bool
transport_error_retryable(CURLcode rc)
{
	return rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_RECV_ERROR ||
		rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
		rc == CURLE_PARTIAL_FILE || rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
}

/*
 * retry_after_ms
 *		A Retry-After value (delay-seconds or an HTTP-date) in ms, clamped to
 *		[0, ITG_RETRY_AFTER_CLAMP_S] before it is converted, so that inf,
 *		1e30 or a date far ahead cannot overflow; a negative value or a past
 *		date is 0.  -1 when absent or unreadable (nan, "soon"): the backoff
 *		applies then.
 */
static int64
retry_after_ms(const char *value)
{
	char	   *end;
	double		secs;

	if (value[0] == '\0')
		return -1;
	secs = strtod(value, &end);
	if (end != value)
	{
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end != '\0' || isnan(secs))
			return -1;
	}
	else
	{
		/* HTTP-date form (every form starts with a day name) */
		time_t		when = curl_getdate(value, NULL);

		if (when == -1)
			return -1;
		secs = difftime(when, time(NULL));
	}
	if (!(secs > 0))
		secs = 0;
	if (secs > ITG_RETRY_AFTER_CLAMP_S)
		secs = ITG_RETRY_AFTER_CLAMP_S;
	return (int64) (secs * 1000.0);
}

/* ms until statement_timeout cancels the statement, or -1 when it is off. */
static int64
statement_time_left_ms(void)
{
	TimestampTz now;
	TimestampTz fin;

	if (!get_timeout_active(STATEMENT_TIMEOUT))
		return -1;
	now = GetCurrentTimestamp();
	fin = get_timeout_finish_time(STATEMENT_TIMEOUT);
	return fin > now ? (int64) ((fin - now) / 1000) : 0;
}

/*
 * The request has finished for good: its header and libcurl texts are
 * made safe for messages now, once.
 */
static void
mark_done(ItgHttpRequest *req)
{
	req->state = ITG_REQ_DONE;
	itg_safe_buffer(req->content_type, sizeof(req->content_type), req->content_type_cut);
	itg_safe_buffer(req->errbuf, sizeof(req->errbuf),
					 strlen(req->errbuf) == sizeof(req->errbuf) - 1);
}

/*
 * request_kind
 *		List, show or write, for the usage view: a GET whose path ends in a
 *		record id reads one record.
 */
static ItgRequestKind
request_kind(const ItgHttpRequest *req)
{
	size_t		pathlen = strcspn(req->path_query, "?");
	size_t		last = pathlen;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return ITG_REQ_WRITE;
	while (last > 0 && req->path_query[last - 1] != '/')
		last--;
	if (last == pathlen)
		return ITG_REQ_LIST;
	for (size_t i = last; i < pathlen; i++)
		if (!isdigit((unsigned char) req->path_query[i]))
			return ITG_REQ_LIST;
	return ITG_REQ_SHOW;
}

/* Count a finished attempt in its host and key's usage. */
static void
note_attempt(ItgHttpRequest *req, CURLcode rc, bool retrying)
{
	itg_pacing_note(&req->pace_key, request_kind(req),
					rc == CURLE_OK && req->status == 429, retrying,
					(int64) req->resp_total);
}

/*
 * finish_attempt
 *		A transfer ended: decide between done and a retry after a delay.
 */
static void
finish_attempt(ItgHttpRequest *req, CURLcode rc)
{
	bool		retry = false;
	int64		delay_ms;

	curl_multi_remove_handle(multi, req->easy);
	req->result = rc;
	curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &req->status);
	if (req->stats)
		req->stats->bytes += (int64) req->resp_total;

	if (rc != CURLE_OK)
	{
		if (!req->too_large)
			retry = transport_error_unsent(rc) ||
				(req->policy == ITG_RETRY_IDEMPOTENT && transport_error_retryable(rc));
	}
	else if (req->status == 429)
		retry = true;			/* rate-limited requests were not executed */
	else if (req->status >= 500 || req->status == 408)
		retry = req->policy == ITG_RETRY_IDEMPOTENT;

	if (!retry || req->attempt >= req->max_retries)
	{
		note_attempt(req, rc, false);
		mark_done(req);
		return;
	}

	delay_ms = (rc == CURLE_OK) ? retry_after_ms(req->retry_after) : -1;
	if (delay_ms >= 0)
	{
		int64		left = statement_time_left_ms();

		/*
		 * Sleeping that long inside a query helps nobody, and a wait that
		 * statement_timeout would cut short only hides IT Glue's answer:
		 * report it now, naming the wait.
		 */
		if (delay_ms > ITG_MAX_RETRY_AFTER_MS || (left >= 0 && delay_ms >= left))
		{
			req->refused_wait_ms = delay_ms;
			req->wait_past_timeout = delay_ms <= ITG_MAX_RETRY_AFTER_MS;
			note_attempt(req, rc, false);
			mark_done(req);
			return;
		}
	}
	else
	{
		long		base = ITG_BACKOFF_BASE_MS << Min(req->attempt, 16);

		base = Min(base, ITG_BACKOFF_MAX_MS);
		/* Full jitter in [base/2, base) spreads out competing clients. */
		delay_ms = base / 2 + (long) (random() % Max(base / 2, 1));
	}
	note_attempt(req, rc, true);
	req->attempt++;
	if (req->stats)
	{
		req->stats->retries++;
		req->stats->wait_ms += delay_ms;
	}
	req->state = ITG_REQ_WAITING;
	req->start_at = GetCurrentTimestamp() + (TimestampTz) delay_ms * 1000;
}

/* Collect finished transfers from curl. */
static void
collect_finished(void)
{
	CURLMsg    *msg;
	int			left;

	while ((msg = curl_multi_info_read(multi, &left)) != NULL)
	{
		ItgHttpRequest *req = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &req);
		if (req != NULL)
			finish_attempt(req, msg->data.result);
	}
}

/*
 * start_due_requests
 *		Launch waiting requests whose time has come and for which pacing has
 *		a token.  Returns ms until the next one could start, or -1.
 */
static long
start_due_requests(void)
{
	dlist_iter	iter;
	TimestampTz now = GetCurrentTimestamp();
	long		next = -1;

	dlist_foreach(iter, &live_requests)
	{
		ItgHttpRequest *req = dlist_container(ItgHttpRequest, node, iter.cur);
		long		wait;

		if (req->state != ITG_REQ_WAITING)
			continue;
		if (req->start_at > now)
			wait = (long) ((req->start_at - now) / 1000) + 1;
		else
			wait = itg_pacing_take(&req->pace_key, &req->pace_limits, now);
		if (wait == 0)
		{
			launch(req);
			continue;
		}
		if (next < 0 || wait < next)
			next = wait;
	}
	return next;
}

/*
 * drive
 *		One round: start what is due, wait on the latch and curl's sockets
 *		(at most max_wait_ms), let curl work, collect finished transfers.
 *		Interrupts are serviced here, after the wait set is freed.
 */
static void
drive(long max_wait_ms)
{
	WaitEventSet *set;
	WaitEvent	events[ITG_MAX_SOCKETS + 2];
	long		timeout = max_wait_ms;
	long		next_start;
	int			nready;
	int			running;
	bool		latch_set = false;
	bool		any_socket = false;

	CHECK_FOR_INTERRUPTS();

	next_start = start_due_requests();
	if (next_start >= 0 && (timeout < 0 || next_start < timeout))
		timeout = next_start;
	if (curl_timeout_ms >= 0)
	{
		long		left = curl_timeout_ms -
			(long) ((GetCurrentTimestamp() - curl_timer_set_at) / 1000);

		if (left < 0)
			left = 0;
		if (timeout < 0 || left < timeout)
			timeout = left;
	}
	if (timeout < 0)
		timeout = 1000;

	set = itg_create_wait_event_set(nsockets + 2);
	AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	for (int i = 0; i < nsockets; i++)
	{
		uint32		ev = 0;

		if (sockets[i].what & CURL_POLL_IN)
			ev |= WL_SOCKET_READABLE;
		if (sockets[i].what & CURL_POLL_OUT)
			ev |= WL_SOCKET_WRITEABLE;
		if (ev != 0)
			AddWaitEventToSet(set, ev, sockets[i].fd, NULL, NULL);
	}
	nready = WaitEventSetWait(set, timeout, events, lengthof(events), PG_WAIT_EXTENSION);
	FreeWaitEventSet(set);

	for (int i = 0; i < nready; i++)
	{
		if (events[i].events & WL_LATCH_SET)
		{
			latch_set = true;
			continue;
		}
		if (events[i].events & (WL_SOCKET_READABLE | WL_SOCKET_WRITEABLE))
		{
			int			flags = 0;

			if (events[i].events & WL_SOCKET_READABLE)
				flags |= CURL_CSELECT_IN;
			if (events[i].events & WL_SOCKET_WRITEABLE)
				flags |= CURL_CSELECT_OUT;
			any_socket = true;
			curl_multi_socket_action(multi, events[i].fd, flags, &running);
		}
	}
	if (!any_socket || curl_timeout_ms == 0 ||
		(curl_timeout_ms > 0 &&
		 GetCurrentTimestamp() - curl_timer_set_at >= (TimestampTz) curl_timeout_ms * 1000))
		curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);

	collect_finished();

	if (latch_set)
		ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/* itg_http_finished: has the request finished for good? */
bool
itg_http_finished(ItgHttpRequest *req)
{
	return req->state == ITG_REQ_DONE;
}

/*
 * itg_http_set_sink
 *		Hand this request's successful body to a sink as it arrives (call
 *		before the first wait); the request keeps only the body's start,
 *		for messages.  The sink is released with the request.
 */
void
itg_http_set_sink(ItgHttpRequest *req, const ItgBodySink *sink)
{
	Assert(req->state == ITG_REQ_WAITING && req->sink.feed == NULL);
	req->sink = *sink;
}

/* itg_http_sink_arg: the sink's argument, to read what it collected. */
void *
itg_http_sink_arg(ItgHttpRequest *req)
{
	return req->sink.arg;
}

/* itg_http_bytes: the size of the response body received. */
size_t
itg_http_bytes(ItgHttpRequest *req)
{
	return req->resp_total;
}

/* itg_http_wait: run transfers until this request has finished for good. */
void
itg_http_wait(ItgHttpRequest *req)
{
	while (req->state != ITG_REQ_DONE)
		drive(-1);
}

/* itg_http_wait_any: run transfers for one round (some progress or time). */
void
itg_http_wait_any(void)
{
	drive(-1);
}

long
itg_http_status(ItgHttpRequest *req)
{
	return req->status;
}

const char *
itg_http_body(ItgHttpRequest *req, size_t *len)
{
	*len = req->resp_len;
	return req->resp ? req->resp : "";
}

const char *
itg_http_content_type(ItgHttpRequest *req)
{
	return req->content_type;
}

/* itg_http_transport_ok: did the transfer complete (whatever the status)? */
bool
itg_http_transport_ok(ItgHttpRequest *req)
{
	return req->result == CURLE_OK;
}

/*
 * itg_http_write_outcome
 *		Whether IT Glue may have carried out a finished request.  Only a
 *		connection that was never made proves it did not; a timeout, a lost
 *		connection or a server error after sending leave it unknown.
 */
ItgWriteOutcome
itg_http_write_outcome(ItgHttpRequest *req)
{
	if (req->result == CURLE_OK)
		return (req->status >= 500 || req->status == 408) ?
			ITG_OUTCOME_SERVER_ERROR : ITG_OUTCOME_ANSWERED;
	if (req->too_large)
		return ITG_OUTCOME_UNREADABLE;
	if (transport_error_unsent(req->result) || req->result == CURLE_SSL_CONNECT_ERROR ||
		req->result == CURLE_PEER_FAILED_VERIFICATION ||
		req->result == CURLE_SSL_CACERT_BADFILE)
		return ITG_OUTCOME_NOT_SENT;
	if (req->result == CURLE_OPERATION_TIMEDOUT)
		return ITG_OUTCOME_TIMED_OUT;
	return ITG_OUTCOME_CONNECTION_LOST;
}

/* itg_http_error_context: "IT Glue request: GET /path?query" */
void
itg_http_error_context(void *arg)
{
	ItgHttpRequest *req = (ItgHttpRequest *) arg;

	if (req != NULL && !req->cleaned)
		errcontext("IT Glue request: %s %s", req->method, req->path_query);
}

/*
 * itg_http_excerpt
 *		The start of the response body, short and safe for a message (see
 *		itg_safe_text).  Only the first ITG_EXCERPT_SOURCE bytes are read;
 *		a key cut there is still redacted.
 */
char *
itg_http_excerpt(ItgHttpRequest *req)
{
	size_t		len = Min(req->resp_len, ITG_EXCERPT_SOURCE);

	return itg_safe_text(req->resp ? req->resp : "", len, req->resp_total > len,
						 ITG_EXCERPT_SHOWN);
}

/*
 * itg_http_raise_transport_error
 *		The request never got an HTTP answer (after any retries): report why.
 */
void
itg_http_raise_transport_error(ItgHttpRequest *req, const char *what)
{
	ErrorContextCallback errcb;
	/* errbuf was made safe when the request finished */
	const char *reason = req->errbuf[0] ? req->errbuf : curl_easy_strerror(req->result);

	ITG_PUSH_REQUEST_CONTEXT(errcb, req);

	if (req->too_large)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: the response is larger than %zu MB", what,
						req->max_bytes / (1024 * 1024)),
				 errhint("Lower page_size, or raise the server option max_response_mb.")));
	if (req->result == CURLE_OPERATION_TIMEDOUT)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("%s: the request timed out", what),
				 errdetail_internal("%s", reason),
				 errhint("The request was tried %d time(s). Raise timeout_ms, or lower page_size.",
						 req->attempt + 1)));
	if (req->result == CURLE_SSL_CACERT_BADFILE)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("%s: could not use the certificate authorities in option ca_file", what),
				 errdetail_internal("%s", reason),
				 errhint("Check that the server option ca_file names a readable PEM file.")));
	if (transport_error_unsent(req->result) || req->result == CURLE_SSL_CONNECT_ERROR ||
		req->result == CURLE_PEER_FAILED_VERIFICATION)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("%s: could not connect to IT Glue", what),
				 errdetail_internal("%s", reason),
				 req->result == CURLE_PEER_FAILED_VERIFICATION ?
				 errhint("The server's TLS certificate was not trusted. A superuser can set the server option ca_file.") :
				 errhint("Check the server's url or region option.")));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("%s: the transfer failed", what),
			 errdetail_internal("%s", reason)));
}

/* The hint for a Retry-After that was not waited for: it names the wait. */
static int
refused_wait_hint(ItgHttpRequest *req)
{
	long long	secs = (long long) ((req->refused_wait_ms + 999) / 1000);
	char	   *value = itg_safe_cstring(req->retry_after);

	if (req->wait_past_timeout)
		return errhint("IT Glue asked to wait %lld s before trying again (Retry-After: %s), longer than the statement has left before statement_timeout. Try again later, or raise statement_timeout.",
					   secs, value);
	return errhint("IT Glue asked to wait %lld s before trying again (Retry-After: %s), longer than the %d s the foreign data wrapper waits inside a query. Try again later.",
				   secs, value, ITG_MAX_RETRY_AFTER_MS / 1000);
}

/*
 * itg_http_retry_hint
 *		For an error about a refused (429) or failed (5xx) answer: the hint
 *		saying what the retries did, or why a write was not retried.
 */
int
itg_http_retry_hint(ItgHttpRequest *req)
{
	if (req->refused_wait_ms >= 0)
		return refused_wait_hint(req);
	if (req->status == 429)
		return errhint("The request was tried %d time(s). Lower rate_window_requests or max_concurrency, raise max_retries, or try again later.",
					   req->attempt + 1);
	if (req->policy == ITG_RETRY_IDEMPOTENT)
		return errhint("The request was tried %d time(s). Try again later, or raise max_retries.",
					   req->attempt + 1);
	return errhint("A write is not retried after a server error, because it may have been carried out. Check the record in IT Glue before trying again.");
}

/* itg_http_init: process-wide libcurl initialization, from _PG_init. */
void
itg_http_init(void)
{
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not initialize libcurl")));
}
