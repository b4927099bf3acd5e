/*-------------------------------------------------------------------------
 *
 * client.c
 *		The IT Glue API client: between the FDW (scan, lookups, estimates,
 *		ANALYZE, writes) and the transport (http.c).  It knows JSON:API:
 *		streaming a body into the parser, checking that an answer is the
 *		page or record asked for, what IT Glue's error answers mean
 *		(one table for reads and writes), and listing pages.
 *
 * The one way to read: start a request with itg_http_start, ask for its
 * body as JSON with itg_client_expect_json, and call itg_client_read.
 * Every failure on the way (transport, HTTP status, HTML, unparsable
 * body) raises the same error for every caller.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "it_glue_fdw.h"

/* ---------- parsing a body as it arrives ---------- */

/* itg_palloc_alloc: the parser's allocator, NULL instead of an error. */
void *
itg_palloc_alloc(void *ctx, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) ctx, size,
									  MCXT_ALLOC_ZERO | MCXT_ALLOC_NO_OOM |
									  MCXT_ALLOC_HUGE);
}

/* The body sink of a JSON stream (called from curl: no ereport, no palloc). */
static void
stream_feed(void *arg, const char *data, size_t len)
{
	(void) itg_json_stream_feed((ItgJsonStream *) arg, data, len);
}

static void
stream_reset(void *arg)
{
	itg_json_stream_reset((ItgJsonStream *) arg);
}

static void
stream_release(void *arg)
{
	itg_json_stream_free((ItgJsonStream *) arg);
}

/*
 * itg_client_expect_json
 *		Parse this request's successful body as it arrives (call before the
 *		first wait), for these attributes; itg_client_read, given the same
 *		attributes, reads the result.  attr_names must outlive the request.
 */
void
itg_client_expect_json(ItgHttpRequest *req, const char *const *attr_names, int nattrs,
					   bool single_object)
{
	ItgBodySink sink = {stream_feed, stream_reset, stream_release, NULL};
	ItgJsonStream *stream = itg_json_stream_new();

	if (stream == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory starting an IT Glue request")));
	itg_json_stream_expect(stream, attr_names, nattrs, single_object);
	sink.arg = stream;
	itg_http_set_sink(req, &sink);
}

/*
 * parse_answer
 *		The finished body as a JSON:API page (see itg_parse_page).  The
 *		message left in errbuf (it may quote ids and names from the body)
 *		is safe for an error.
 */
static bool
parse_answer(ItgHttpRequest *req, const char *const *attr_names, int nattrs,
			 bool single_object, MemoryContext cxt, ItgPage *page,
			 char *errbuf, size_t errlen)
{
	ItgJsonStream *stream = (ItgJsonStream *) itg_http_sink_arg(req);
	long		status = itg_http_status(req);
	size_t		len;
	const char *body = itg_http_body(req, &len);
	bool		ok;

	if (stream != NULL && status >= 200 && status <= 299)
		ok = itg_parse_stream(stream, attr_names, nattrs, single_object,
							  itg_palloc_alloc, cxt, page, errbuf, errlen);
	else
		ok = itg_parse_page(body, len, attr_names, nattrs, single_object,
							itg_palloc_alloc, cxt, page, errbuf, errlen);
	if (!ok && errlen > 0)
		itg_safe_buffer(errbuf, errlen, strlen(errbuf) == errlen - 1);
	return ok;
}

/* ---------- what IT Glue's error answers mean ---------- */

/*
 * IT Glue's error answers, by status and by a text its errors are known to
 * hold (NULL: any).  The first matching row decides; reads and writes use
 * the same rows.  Only writes look past the status to the text for their
 * message (modify.c); the SQLSTATE is the same either way.
 */
static const ItgApiErrorRule api_error_rules[] = {
	{422, "has already been taken", ITG_APIERR_TAKEN, ERRCODE_UNIQUE_VIOLATION},
	{422, "can't be blank", ITG_APIERR_BLANK, ERRCODE_NOT_NULL_VIOLATION},
	{422, "is required", ITG_APIERR_BLANK, ERRCODE_NOT_NULL_VIOLATION},
	{422, "must exist", ITG_APIERR_NO_REFERENT, ERRCODE_FOREIGN_KEY_VIOLATION},
	{422, "does not exist", ITG_APIERR_NO_REFERENT, ERRCODE_FOREIGN_KEY_VIOLATION},
	{422, "PSA", ITG_APIERR_PSA_SYNCED, ERRCODE_CHECK_VIOLATION},
	{422, "synced", ITG_APIERR_PSA_SYNCED, ERRCODE_CHECK_VIOLATION},
	{422, NULL, ITG_APIERR_REFUSED, ERRCODE_INVALID_PARAMETER_VALUE},
	{404, NULL, ITG_APIERR_NOT_FOUND, ERRCODE_NO_DATA_FOUND},
};

/*
 * itg_api_error_rule
 *		The row of the error table for this status and IT Glue's error text
 *		(NULL when the body was no JSON:API error), or NULL when none
 *		applies.
 */
const ItgApiErrorRule *
itg_api_error_rule(long status, const char *text)
{
	for (size_t i = 0; i < lengthof(api_error_rules); i++)
	{
		const ItgApiErrorRule *rule = &api_error_rules[i];

		if (rule->status != status)
			continue;
		if (rule->text == NULL || (text != NULL && strstr(text, rule->text) != NULL))
			return rule;
	}
	return NULL;
}

/* itg_client_api_error: the request's body read as an API error, if it is one. */
bool
itg_client_api_error(ItgHttpRequest *req, ItgApiError *api)
{
	size_t		len;
	const char *body = itg_http_body(req, &len);

	return len > 0 && itg_parse_error_body(body, len, itg_palloc_alloc,
										   CurrentMemoryContext, api);
}

/*
 * itg_client_record_gone
 *		The one rule for a 404 on a record's route: only a JSON:API error
 *		says the record does not exist.  Any other 404 (an HTML page, an
 *		empty body) means the route itself is unknown, an error for every
 *		caller (itg_client_raise_status_error says "no such route").
 */
bool
itg_client_record_gone(ItgHttpRequest *req)
{
	ItgApiError api;

	return itg_http_transport_ok(req) && itg_http_status(req) == 404 &&
		itg_client_api_error(req, &api);
}

/* Does the response look like an HTML page? */
static bool
body_is_html(ItgHttpRequest *req)
{
	size_t		len;
	const char *p = itg_http_body(req, &len);

	if (pg_strncasecmp(itg_http_content_type(req), "text/html", 9) == 0)
		return true;
	while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
		p++;
	return *p == '<';
}

/*
 * itg_client_raise_status_error
 *		Report a non-2xx answer with the SQLSTATE its status maps to, the
 *		API's own text in the detail and the request in the context.
 */
void
itg_client_raise_status_error(ItgHttpRequest *req, const char *what)
{
	ErrorContextCallback errcb;
	ItgApiError api;
	bool		parsed = itg_client_api_error(req, &api);
	const ItgApiErrorRule *rule;
	char	   *detail;
	long		st = itg_http_status(req);
	size_t		len;
	const char *content_type = itg_http_content_type(req);

	itg_http_body(req, &len);
	if (parsed)
		detail = psprintf("IT Glue said: %s", itg_safe_cstring(api.all_text));
	else if (len == 0)
		detail = psprintf("The response body was empty.");
	else
		detail = psprintf("The response (%s) starts with: %s",
						  content_type[0] ? content_type : "no content type",
						  itg_http_excerpt(req));

	ITG_PUSH_REQUEST_CONTEXT(errcb, req);

	if (st == 401 || st == 403)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
				 errmsg("%s: IT Glue rejected the API key (HTTP %ld)", what, st),
				 errdetail_internal("%s", detail),
				 errhint("Check the api_key of your user mapping for this server, and that the server's region matches the key's IT Glue region.")));
	if (st == 404 && !parsed)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
				 errmsg("%s: IT Glue has no such route (HTTP 404)", what),
				 errdetail_internal("%s", detail),
				 errhint("Check the server's url option and the foreign table's resource option.")));
	rule = itg_api_error_rule(st, parsed ? api.all_text : NULL);
	if (st == 404)
		ereport(ERROR,
				(errcode(rule->sqlstate),
				 errmsg("%s: IT Glue record not found (HTTP 404)", what),
				 errdetail_internal("%s", detail)));
	if (st == 422)
		ereport(ERROR,
				(errcode(rule->sqlstate),
				 errmsg("%s: IT Glue refused the request (HTTP 422)", what),
				 errdetail_internal("%s", detail)));
	if (st == 429)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("%s: IT Glue rate limit exceeded (HTTP 429)", what),
				 errdetail_internal("%s", detail),
				 itg_http_retry_hint(req)));
	if (st >= 500)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("%s: IT Glue server error (HTTP %ld)", what, st),
				 errdetail_internal("%s", detail),
				 itg_http_retry_hint(req)));
	if (body_is_html(req) || !parsed)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("%s: unexpected HTTP %ld from IT Glue", what, st),
				 errdetail_internal("%s", detail)));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_ERROR),
			 errmsg("%s: IT Glue returned HTTP %ld", what, st),
			 errdetail_internal("%s", detail)));
}

/*
 * itg_client_raise_bad_answer
 *		A 2xx answer that is not what was asked for: name the problem, and
 *		show the status, size, content type and start of the body.
 */
void
itg_client_raise_bad_answer(ItgHttpRequest *req, const char *what, const char *problem)
{
	ErrorContextCallback errcb;
	size_t		len;

	itg_http_body(req, &len);
	ITG_PUSH_REQUEST_CONTEXT(errcb, req);
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
			 errmsg("%s: %s", what, problem),
			 len > 0 ?
			 errdetail("HTTP %ld, %zu bytes%s%s, starting with: %s.",
					   itg_http_status(req), itg_http_bytes(req),
					   itg_http_content_type(req)[0] ? ", " : "",
					   itg_http_content_type(req), itg_http_excerpt(req)) :
			 errdetail("HTTP %ld, %zu bytes%s%s.",
					   itg_http_status(req), itg_http_bytes(req),
					   itg_http_content_type(req)[0] ? ", " : "",
					   itg_http_content_type(req))));
}

/* ---------- reading a page or a record ---------- */

/*
 * itg_client_read
 *		Wait for a GET started with itg_client_expect_json and check its
 *		answer: transport, HTTP status, HTML, JSON:API shape (and, for
 *		spec->one_record, exactly one record).  Returns the HTTP status:
 *		2xx with *page filled in cxt, or 404 (a JSON:API 404 only: see
 *		itg_client_record_gone) / 422 when the spec lets the caller handle
 *		those (the request is then left as it is).  Any other
 *		failure is an error naming spec->what.
 */
long
itg_client_read(ItgHttpRequest *req, const ItgReadSpec *spec, MemoryContext cxt,
				ItgPage *page)
{
	const char *bad_what = spec->bad_answer_what ? spec->bad_answer_what : spec->what;
	char		errbuf[256];
	long		status;

	itg_http_wait(req);
	if (!itg_http_transport_ok(req))
		itg_http_raise_transport_error(req, spec->what);
	status = itg_http_status(req);
	if ((spec->missing_ok && itg_client_record_gone(req)) ||
		(status == 422 && spec->refusal_ok))
		return status;
	if (status < 200 || status > 299)
		itg_client_raise_status_error(req, spec->what);
	if (pg_strncasecmp(itg_http_content_type(req), "text/html", 9) == 0)
		itg_client_raise_bad_answer(req, bad_what, "the response is an HTML page, not JSON");
	if (!parse_answer(req, spec->attr_names, spec->nattrs, spec->single_object, cxt, page,
					  errbuf, sizeof(errbuf)))
		itg_client_raise_bad_answer(req, bad_what, errbuf);
	if (spec->one_record && page->nrecords != 1)
		itg_client_raise_bad_answer(req, bad_what, "no record in the answer");
	return status;
}

/* ---------- listings ---------- */

/*
 * itg_pages_announced
 *		How many pages a listing has, as one of its pages says: meta's
 *		total-pages, else total-count over the page size; -1 if unknown.
 */
int64
itg_pages_announced(const ItgPage *page, int page_size)
{
	if (page->total_pages >= 0)
		return page->total_pages;
	if (page->total_count >= 0 && page_size > 0)
		return (page->total_count + page_size - 1) / page_size;
	return -1;
}

/*
 * itg_check_page_limit
 *		After page page_number of a listing: fail when reading on would pass
 *		max_pages.  A listing read to its end (reads_all) fails at page 1
 *		already when page 1 announces more pages than that; any listing
 *		fails before it asks for a page past max_pages.
 */
void
itg_check_page_limit(const ItgOptions *opts, const char *resource_name,
					 const ItgPage *page, int64 page_number, int page_size,
					 bool more_pages, bool reads_all)
{
	int64		announced = itg_pages_announced(page, page_size);

	if (more_pages &&
		((reads_all && announced > opts->max_pages) || page_number >= opts->max_pages))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("IT Glue %s: more than %d pages", resource_name, opts->max_pages),
				 announced > opts->max_pages ?
				 errdetail("IT Glue announced " INT64_FORMAT " pages of %d records.",
						   announced, page_size) : 0,
				 errhint("Add conditions that the API can filter on, or raise the max_pages option.")));
}

/*
 * itg_listing_has_more
 *		For a listing read to its end a page at a time (lookups, ANALYZE):
 *		whether another page follows this one, within max_pages.
 */
bool
itg_listing_has_more(const ItgOptions *opts, const char *resource_name,
					 const ItgPage *page, int64 page_number, int page_size)
{
	bool		more = page->nrecords > 0 && page->next_page >= 0 &&
		!(page->total_pages >= 0 && page_number >= page->total_pages);

	itg_check_page_limit(opts, resource_name, page, page_number, page_size, more, true);
	return more;
}

/*
 * itg_get_page
 *		GET one list page and parse it into the current memory context,
 *		raising the usual errors: for short, synchronous requests (lookups,
 *		estimates, ANALYZE), not for scans.
 */
void
itg_get_page(const ItgOptions *opts, const char *path_query,
			 const char *const *attr_names, int nattrs,
			 const char *what, ItgHttpStats *stats, ItgPage *page)
{
	ItgHttpRequest *req = itg_http_start(opts, "GET", path_query, NULL, stats);
	ItgReadSpec spec = {
		.what = what,
		.attr_names = attr_names,
		.nattrs = nattrs,
	};

	itg_client_expect_json(req, attr_names, nattrs, false);
	(void) itg_client_read(req, &spec, CurrentMemoryContext, page);
	itg_http_release(req);
}
