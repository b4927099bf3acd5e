/*-------------------------------------------------------------------------
 *
 * scan.c
 *		The scan callbacks: Begin/Iterate/ReScan/End/ExplainForeignScan.
 *
 * Design rules:
 *	- A scan streams: pages are requested as rows are consumed, each page is
 *	  parsed into a memory context that is reset before the next, and each
 *	  row's conversions live in a context reset per row.  Memory is bounded
 *	  by the pages in flight, whatever the table size.
 *	- Nothing is sent before the first row is asked for, so EXPLAIN and a
 *	  LIMIT 0 probe cost no request.
 *	- Once the first page gives the total, up to max_concurrency following
 *	  pages are fetched at once; rows still come out in page order.
 *	- Every condition is re-checked locally (see deparse.c), so a loose or
 *	  ignored filter can never change the result.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <errno.h>

#include "access/htup_details.h"
#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "it_glue_fdw.h"

#define ITG_MAX_INFLIGHT 64

/* Execution state of one scan. */
typedef struct ItgScanState
{
	Relation	rel;
	ItgOptions *opts;
	ItgTableMap    *cols;
	ItgConverter *conv;
	const char *const *attr_names;
	int			nattr_names;
	const int  *truncated_slots;	/* values lists may have cut short */
	int			ntruncated;

	List	   *items;
	List	   *param_states;	/* ExprStates of fdw_exprs */
	List	   *param_exprs;
	bool		prefetch;
	ItgScanMode mode;
	bool		own_rel;		/* count mode opened the relation itself */
	const char *sort;			/* sort= sent */
	int			page_size;		/* page[size] sent */
	bool		sort_desc;		/* rows must arrive in descending order */
	int			sort_slot;		/* parser slot of a timestamp sort key, or -1 */
	ExprState  *count_quals;	/* count mode: conditions, for the sample row */
	TupleTableSlot *count_slot; /* count mode: the sample row */
	ExprState  *reread_quals;	/* conditions a record must pass to be re-read */
	TupleTableSlot *reread_slot;	/* the record being considered for a re-read */
	List	   *lookup_cache;	/* names already resolved to ids */
	bool		skip_ranges;	/* the API refused a date range: filter locally */

	/* per pass (reset on rescan) */
	bool		started;
	bool		no_rows;
	List	   *queries;		/* ItgRequestPart, one per request */
	List	   *known;			/* ItgKnownValues of each query (absent.c) */
	bool		absent_noticed; /* said that an attribute was left out */
	int			query_index;
	char	   *show_id;		/* GET /resource/:id */
	int64		next_page;		/* next page number to request */
	int64		total_pages;	/* from the first page's meta, -1 unknown */
	int64		total_count;
	bool		query_exhausted;	/* no more pages for the current query */
	int64		last_id;		/* order check: the previous row's id */
	TimestampTz last_ts;		/* order check: its sort timestamp */
	bool		have_last;
	ItgHttpRequest *inflight[ITG_MAX_INFLIGHT];
	int64		inflight_page[ITG_MAX_INFLIGHT];
	int			ninflight;
	bool		pass_complete;	/* one pass read every row */
	bool		single_page;	/* that pass was one page: rescans reuse it */

	ItgPage		page;
	int			next_record;

	MemoryContext request_cxt;	/* parent of each request's own context */
	MemoryContext pass_cxt;		/* filter values and queries; reset per pass */
	MemoryContext batch_cxt;	/* the current page; reset per page */
	MemoryContext temp_cxt;		/* one row's conversions; reset per row */
	MemoryContext scratch_cxt;	/* fetching a page: messages, lookups; reset per page */

	ItgHttpStats stats;
	int64		pages;
	int64		refetched;		/* records read again for a cut value */
	int64		cache_hits;		/* records completed from the record cache */
	ItgPaceKey	account;		/* the API host and key, for the record cache */
	ForeignScanState *node;
} ItgScanState;

static void init_reread_quals(ItgScanState *ss, ForeignScan *fsplan, ForeignScanState *node);
static bool record_passes(ItgScanState *ss, const ItgRecord *rec, ExprState *quals,
						  TupleTableSlot *slot);

static void
release_inflight(ItgScanState *ss)
{
	for (int i = 0; i < ss->ninflight; i++)
		itg_http_release(ss->inflight[i]);
	ss->ninflight = 0;
}

/* Reset per-pass state so the next row asked for starts a new pass. */
static void
reset_pass(ItgScanState *ss)
{
	release_inflight(ss);
	ss->started = false;
	ss->no_rows = false;
	ss->queries = NIL;
	ss->known = NIL;
	ss->query_index = 0;
	ss->show_id = NULL;
	ss->next_page = 1;
	ss->total_pages = -1;
	ss->total_count = -1;
	ss->query_exhausted = false;
	ss->have_last = false;
	ss->pass_complete = false;
	ss->single_page = false;
	memset(&ss->page, 0, sizeof(ss->page));
	ss->next_record = 0;
	MemoryContextReset(ss->batch_cxt);
	MemoryContextReset(ss->pass_cxt);
}

/*
 * itgBeginForeignScan
 *		Set up the scan; no request is sent until the first row is wanted.
 */
void
itgBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	ItgScanState *ss;
	ItgScanPlan plan;
	Bitmapset  *attrs_used = NULL;
	ListCell   *lc;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	itg_scan_plan_from_list(fsplan->fdw_private, &plan);
	ss = palloc0(sizeof(ItgScanState));
	node->fdw_state = ss;
	ss->node = node;
	ss->mode = plan.mode;
	if (fsplan->scan.scanrelid > 0)
		ss->rel = node->ss.ss_currentRelation;
	else
	{
		/* count(*) has no scan relation; the lock is already held. */
		ss->rel = table_open(plan.relid, NoLock);
		ss->own_rel = true;
	}
	ss->opts = itg_get_options(RelationGetRelid(ss->rel),
							   itg_scan_userid(fsplan, estate), true);
	/* A statement that writes to IT Glue never works from cut values. */
	if (!ss->opts->refetch_truncated && itg_statement_writes_itglue(estate))
		ss->opts->refetch_truncated = true;
	ss->cols = itg_table_columns(ss->rel, ss->opts->resource);

	ss->items = plan.items;
	ss->prefetch = plan.prefetch;
	ss->sort = plan.sort;
	if (ss->sort[0] == '\0')
		ss->sort = ss->opts->resource->default_sort;
	ss->page_size = plan.page_size;
	if (ss->page_size <= 0)
		ss->page_size = ss->opts->page_size;
	ss->sort_desc = ss->sort[0] == '-';
	foreach(lc, plan.attrs)
		attrs_used = bms_add_member(attrs_used,
									lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);

	ss->conv = itg_converter_create(ss->rel, ss->cols, attrs_used);
	ss->attr_names = itg_converter_attr_names(ss->conv, &ss->nattr_names);
	ss->truncated_slots = itg_converter_truncated_slots(ss->conv, &ss->ntruncated);
	itg_pacing_key(ss->opts->base_url, ss->opts->api_key, &ss->account);
	ss->sort_slot = -1;
	if (plan.sort_attno != InvalidAttrNumber &&
		ss->cols->cols[plan.sort_attno - 1].kind == ITG_COLKIND_ATTRIBUTE)
		ss->sort_slot = itg_converter_slot_of(ss->conv, plan.sort_attno);
	if (ss->mode == ITG_SCANMODE_COUNT)
	{
		ss->count_quals = ExecInitQual(plan.count_quals, (PlanState *) node);
		/* The scan slot's kind: the quals were compiled for it. */
		ss->count_slot = MakeSingleTupleTableSlot(RelationGetDescr(ss->rel),
												  node->ss.ss_ScanTupleSlot->tts_ops);
	}
	else if (ss->ntruncated > 0 && ss->opts->refetch_truncated)
		init_reread_quals(ss, fsplan, node);
	ss->param_exprs = fsplan->fdw_exprs;
	ss->param_states = ExecInitExprList(fsplan->fdw_exprs, (PlanState *) node);

	ss->request_cxt = AllocSetContextCreate(estate->es_query_cxt,
											"it_glue_fdw requests",
											ALLOCSET_SMALL_SIZES);
	ss->pass_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "it_glue_fdw pass",
										 ALLOCSET_SMALL_SIZES);
	ss->batch_cxt = AllocSetContextCreate(estate->es_query_cxt,
										  "it_glue_fdw page",
										  ALLOCSET_DEFAULT_SIZES);
	ss->temp_cxt = AllocSetContextCreate(estate->es_query_cxt,
										 "it_glue_fdw row",
										 ALLOCSET_SMALL_SIZES);
	ss->scratch_cxt = AllocSetContextCreate(estate->es_query_cxt,
											"it_glue_fdw scratch",
											ALLOCSET_SMALL_SIZES);
	reset_pass(ss);
}

/*
 * start_pass
 *		Evaluate the filter values (Params get their current values) and
 *		build the request list.
 */
static void
start_pass(ForeignScanState *node, ItgScanState *ss)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	int			n = list_length(ss->param_states);
	ItgFilterValue *values;
	ListCell   *lc;
	ListCell   *lc2;
	int			i = 0;
	MemoryContext old;

	/* Values and query strings live as long as the pass. */
	old = MemoryContextSwitchTo(ss->pass_cxt);
	values = palloc0(sizeof(ItgFilterValue) * Max(n, 1));
	forboth(lc, ss->param_states, lc2, ss->param_exprs)
	{
		ExprState  *es = lfirst(lc);

		values[i].value = ExecEvalExpr(es, econtext, &values[i].isnull);
		values[i].type = exprType(lfirst(lc2));
		i++;
	}
	MemoryContextSwitchTo(old);

	/* Status and type names become ids (cached for the statement). */
	itg_resolve_lookups(ss->opts, ss->items, values, &ss->lookup_cache,
						GetMemoryChunkContext(ss), &ss->stats);

	old = MemoryContextSwitchTo(ss->pass_cxt);
	ss->queries = itg_build_requests(ss->cols, ss->items, values, ss->skip_ranges,
									 &ss->no_rows, &ss->show_id);
	ss->known = NIL;
	foreach(lc, ss->queries)
		ss->known = lappend(ss->known,
							itg_known_values(ss->cols, ss->conv,
											 ((ItgRequestPart *) lfirst(lc))->filters));
	MemoryContextSwitchTo(old);
	ss->started = true;
}

/* The request the pass is reading. */
static const ItgRequestPart *
current_part(ItgScanState *ss)
{
	return (const ItgRequestPart *) list_nth(ss->queries, ss->query_index);
}

/*
 * keep_own_records
 *		Drop the records of a page that the current part of a split request
 *		did not ask for.  If IT Glue ignored or loosened the split filter,
 *		every part may return them; the part that asked for a record's value
 *		keeps it, so each record comes out once whatever the API did.
 */
static void
keep_own_records(ItgScanState *ss)
{
	const ItgRequestPart *part = current_part(ss);
	int			kept = 0;

	if (part->split_attno == InvalidAttrNumber)
		return;
	for (int i = 0; i < ss->page.nrecords; i++)
	{
		const ItgRecord *rec = &ss->page.records[i];
		char	   *text = itg_converter_value_text(ss->conv, rec, part->split_attno);

		if (text != NULL && itg_part_accepts(part, text))
			ss->page.records[kept++] = *rec;
	}
	ss->page.nrecords = kept;
}

/* The request text for a page of the current query. */
static char *
page_request(ItgScanState *ss, int64 page_number)
{
	if (ss->show_id != NULL)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "%s/", ss->opts->resource->path);
		itg_append_encoded(&buf, ss->show_id);
		return buf.data;
	}
	return itg_page_query(ss->opts->resource->path,
						  current_part(ss)->filters,
						  page_number, ss->page_size, ss->sort);
}

/* Queue the request for the next page number. */
static void
request_next_page(ItgScanState *ss)
{
	MemoryContext old = MemoryContextSwitchTo(ss->request_cxt);
	char	   *pq = page_request(ss, ss->next_page);

	Assert(ss->ninflight < ITG_MAX_INFLIGHT);
	ss->inflight[ss->ninflight] = itg_http_start(ss->opts, "GET", pq, NULL, &ss->stats);
	itg_client_expect_json(ss->inflight[ss->ninflight], ss->attr_names, ss->nattr_names,
						   ss->show_id != NULL);
	ss->inflight_page[ss->ninflight] = ss->next_page;
	ss->ninflight++;
	ss->next_page++;
	pfree(pq);
	MemoryContextSwitchTo(old);
}

/*
 * fill_pipeline
 *		Keep up to max_concurrency pages in flight once the total is known.
 *		Without prefetch (the query may stop early) nothing is requested
 *		ahead: the next page is asked for only when the current one is used.
 */
static void
fill_pipeline(ItgScanState *ss)
{
	int			window = ss->prefetch ? Min(ss->opts->max_concurrency, ITG_MAX_INFLIGHT / 2) : 0;

	/*
	 * Keep "window" transfers running; finished pages wait for the executor,
	 * but never more than another window of them (memory stays bounded).
	 */
	for (;;)
	{
		int			running = 0;

		for (int i = 0; i < ss->ninflight; i++)
			if (!itg_http_finished(ss->inflight[i]))
				running++;
		if (running >= window || ss->ninflight >= 2 * window ||
			ss->total_pages < 0 || ss->next_page > ss->total_pages ||
			ss->next_page > ss->opts->max_pages)
			break;
		request_next_page(ss);
	}
}

/* What a page that cannot be used is an error about. */
static char *
bad_page_what(ItgScanState *ss)
{
	return psprintf("could not read IT Glue %s", ss->opts->resource->name);
}

/* Raise a clear error about a response that is not a usable page. */
static void
bad_page(ItgScanState *ss, ItgHttpRequest *req, const char *problem)
{
	itg_client_raise_bad_answer(req, bad_page_what(ss), problem);
}

/*
 * check_ids
 *		The scan orders, pages and re-reads records by id, a bigint: an
 *		integer id beyond 64 bits is an error naming the record, whether or
 *		not the query reads the id.  (Other odd ids are reported by the id
 *		column's conversion, when it is read.)
 */
static void
check_ids(ItgScanState *ss)
{
	for (int i = 0; i < ss->page.nrecords; i++)
	{
		const char *id = ss->page.records[i].id;
		const char *digits = id + (id[0] == '-');
		char	   *end;

		if (!isdigit((unsigned char) *digits))
			continue;
		errno = 0;
		(void) strtoll(id, &end, 10);
		if (errno == ERANGE && *end == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("IT Glue %s id %s is out of range for type bigint",
							ss->opts->resource->singular, id)));
	}
}

/*
 * check_order
 *		Offset paging is only safe when the API returns rows in the order
 *		asked for; so is a sort pushed for ORDER BY.  Check it row by row:
 *		a repeated page or an ignored sort is an error, not a wrong result.
 */
static void
check_order(ItgScanState *ss, ItgHttpRequest *req)
{
	for (int i = 0; i < ss->page.nrecords; i++)
	{
		const ItgRecord *rec = &ss->page.records[i];
		char	   *end;
		long long	id = strtoll(rec->id, &end, 10);
		TimestampTz ts = 0;
		bool		ok;

		if (*end != '\0' || end == rec->id)
			return;				/* reported by the id conversion, if used */
		if (ss->sort_slot >= 0)
		{
			const ItgValue *v = &rec->values[ss->sort_slot];

			if (v->kind != ITG_JSON_STRING)
				return;			/* reported by the conversion, if used */
			ts = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in,
														 CStringGetDatum(v->text),
														 ObjectIdGetDatum(InvalidOid),
														 Int32GetDatum(-1)));
		}
		if (ss->have_last)
		{
			/* By the sort column, and by id among equal values (or no sort). */
			if (ss->sort_slot >= 0 && ts != ss->last_ts)
				ok = ss->sort_desc ? ts < ss->last_ts : ts > ss->last_ts;
			else
				ok = ss->sort_desc ? id < ss->last_id : id > ss->last_id;
			if (!ok)
				bad_page(ss, req,
						 psprintf("record id %lld arrived out of order after id " INT64_FORMAT
								  " (a repeated page, or a sort the API did not apply)",
								  id, ss->last_id));
		}
		ss->last_id = id;
		ss->last_ts = ts;
		ss->have_last = true;
	}
}

/*
 * init_reread_quals
 *		Of the conditions checked here, those that read no value a list may
 *		cut (and are safe to evaluate twice): a record that fails them is
 *		dropped by the executor anyway, so it is not worth a request to read
 *		it again in full.
 */
static void
init_reread_quals(ItgScanState *ss, ForeignScan *fsplan, ForeignScanState *node)
{
	List	   *usable = NIL;
	ListCell   *lc;

	foreach(lc, fsplan->scan.plan.qual)
	{
		Node	   *qual = (Node *) lfirst(lc);
		Bitmapset  *attrs = NULL;
		int			x = -1;
		bool		ok = !contain_volatile_functions(qual) && !contain_subplans(qual);

		pull_varattnos(qual, fsplan->scan.scanrelid, &attrs);
		while (ok && (x = bms_next_member(attrs, x)) >= 0)
		{
			AttrNumber	attno = x + FirstLowInvalidHeapAttributeNumber;

			/* A whole-row reference or a value that may be cut: not usable. */
			if (attno <= 0 || itg_converter_may_be_cut(ss->conv, attno))
				ok = false;
		}
		if (ok)
			usable = lappend(usable, qual);
	}
	if (usable == NIL)
		return;
	ss->reread_quals = ExecInitQual(usable, (PlanState *) node);
	ss->reread_slot = MakeSingleTupleTableSlot(RelationGetDescr(ss->rel),
											   node->ss.ss_ScanTupleSlot->tts_ops);
}

/* Might this record's value in a truncated slot have been cut? */
static bool
maybe_truncated(ItgScanState *ss, const ItgRecord *rec)
{
	return itg_converter_record_cut(ss->conv, rec);
}

/*
 * complete_truncated_values
 *		List responses cut some values (quick-notes) at 250 characters, and
 *		a value that long may have been cut.  Such records are read again
 *		from the show route, which has them whole, up to max_concurrency at
 *		a time, so that no query ever sees a shortened value.
 */
static void
complete_truncated_values(ItgScanState *ss)
{
	int			n = ss->page.nrecords;
	ItgHttpRequest **reqs = NULL;
	int		   *which = NULL;
	int			nreq = 0;
	int			next = 0;
	int			window = Max(ss->opts->max_concurrency, 1);
	int			updated_slot = itg_converter_updated_at_slot(ss->conv);

	for (int i = 0; i < n; i++)
		if (maybe_truncated(ss, &ss->page.records[i]) &&
			(ss->reread_quals == NULL ||
			 record_passes(ss, &ss->page.records[i], ss->reread_quals, ss->reread_slot)))
		{
			if (itg_reccache_complete(&ss->account, ss->opts->resource->name,
									  &ss->page.records[i], ss->attr_names, ss->nattr_names,
									  updated_slot, ss->batch_cxt))
			{
				ss->cache_hits++;
				continue;
			}
			if (reqs == NULL)
			{
				reqs = palloc0(sizeof(ItgHttpRequest *) * n);
				which = palloc0(sizeof(int) * n);
			}
			which[nreq++] = i;
		}

	while (next < nreq)
	{
		int			start = next;
		int			end = Min(nreq, start + window);
		for (int k = start; k < end; k++)
		{
			StringInfoData path;
			MemoryContext old;

			initStringInfo(&path);
			appendStringInfo(&path, "%s/", ss->opts->resource->path);
			itg_append_encoded(&path, ss->page.records[which[k]].id);
			old = MemoryContextSwitchTo(ss->request_cxt);
			reqs[k] = itg_http_start(ss->opts, "GET", path.data, NULL, &ss->stats);
			itg_client_expect_json(reqs[k], ss->attr_names, ss->nattr_names, true);
			MemoryContextSwitchTo(old);
			pfree(path.data);
		}

		for (int k = start; k < end; k++)
		{
			ItgRecord  *rec = &ss->page.records[which[k]];
			ItgPage		one;
			ItgReadSpec spec = {
				.what = psprintf("could not fetch IT Glue %s %s",
								 ss->opts->resource->singular,
								 itg_safe_cstring(rec->id)),
				.bad_answer_what = bad_page_what(ss),
				.attr_names = ss->attr_names,
				.nattrs = ss->nattr_names,
				.single_object = true,
				.one_record = true,
				.missing_ok = true,
			};

			/*
			 * Deleted since the list was read.  Dropping the row would mix
			 * two states of IT Glue in one result (the page was read before
			 * the deletion), so the scan fails as for a shrinking listing.
			 */
			if (itg_client_read(reqs[k], &spec, ss->batch_cxt, &one) == 404)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("IT Glue %s changed while they were being read",
								ss->opts->resource->name),
						 errdetail("%s %s was listed, then was gone when its whole values were read.",
								   ss->opts->resource->singular, itg_safe_cstring(rec->id)),
						 errhint("Run the query again.")));
			rec->values = one.records[0].values;
			itg_reccache_store(&ss->account, ss->opts->resource->name, &one.records[0],
							   ss->attr_names, ss->nattr_names, updated_slot);
			itg_http_release(reqs[k]);
			ss->refetched++;
		}
		next = end;
	}

}

static bool
has_range_items(ItgScanState *ss)
{
	ListCell   *lc;

	foreach(lc, ss->items)
	{
		ItgFilterKind kind = itg_filter_item(lfirst(lc)).kind;

		if (kind == ITG_FK_LOWER || kind == ITG_FK_UPPER)
			return true;
	}
	return false;
}

/*
 * take_page
 *		Wait for the oldest page in flight, check it, and parse it into the
 *		page context.  Returns false when a show route answered 404 (no row).
 */
static bool
take_page(ItgScanState *ss)
{
	ItgHttpRequest *req = ss->inflight[0];
	int64		page_number = ss->inflight_page[0];
	long		status;
	ItgReadSpec spec = {
		.what = psprintf("could not fetch IT Glue %s", ss->opts->resource->name),
		.bad_answer_what = bad_page_what(ss),
		.attr_names = ss->attr_names,
		.nattrs = ss->nattr_names,
		.single_object = ss->show_id != NULL,
		.missing_ok = ss->show_id != NULL,
		/* IT Glue may refuse a date range: the first page tells. */
		.refusal_ok = !ss->skip_ranges && page_number == 1 && ss->query_index == 0 &&
		has_range_items(ss),
	};

	/* While waiting for the oldest page, keep the pipeline full. */
	while (!itg_http_finished(req))
	{
		itg_http_wait_any();
		fill_pipeline(ss);
	}
	MemoryContextReset(ss->batch_cxt);
	status = itg_client_read(req, &spec, ss->batch_cxt, &ss->page);
	if (status == 404)
	{
		/* A JSON:API 404 on a show route means "no such record": no rows. */
		release_inflight(ss);
		memset(&ss->page, 0, sizeof(ss->page));
		ss->query_exhausted = true;
		return false;
	}
	if (status == 422)
	{
		/*
		 * IT Glue may refuse long or open date ranges ("cannot be longer
		 * than a week").  The condition is checked locally anyway: ask
		 * again without the range.
		 */
		ereport(DEBUG1,
				(errmsg_internal("IT Glue refused a date range filter; filtering locally")));
		ss->skip_ranges = true;
		release_inflight(ss);
		memset(&ss->page, 0, sizeof(ss->page));
		ss->started = false;
		ss->query_exhausted = false;
		ss->next_page = 1;
		ss->total_pages = ss->total_count = -1;
		return false;
	}
	/* Attributes the answer left out but the request's filter fixed. */
	if (ss->show_id == NULL)
		itg_fill_known_values(list_nth(ss->known, ss->query_index), &ss->page);
	if (!ss->absent_noticed)
		ss->absent_noticed = itg_notice_absent(ss->cols, ss->conv, &ss->page, ss->rel);
	if (!ss->page.scanned)
		ereport(DEBUG1,
				(errmsg_internal("IT Glue page " INT64_FORMAT " was read with json-c: the fast scanner does not take its shape",
								 page_number)));

	check_ids(ss);

	/* Sanity of paging: ids rise (sort=id), and totals do not shrink. */
	if (ss->show_id == NULL)
	{
		if (ss->page.total_count >= 0 && ss->total_count >= 0 &&
			ss->page.total_count < ss->total_count)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("IT Glue %s changed while they were being read",
							ss->opts->resource->name),
					 errdetail("Page 1 reported " INT64_FORMAT " records, page " INT64_FORMAT
							   " reported " INT64_FORMAT ".",
							   ss->total_count, page_number, ss->page.total_count),
					 errhint("Run the query again.")));
		if (ss->total_count < 0)
			ss->total_count = ss->page.total_count;
		check_order(ss, req);
	}

	/* Where paging goes next. */
	if (ss->show_id != NULL)
		ss->query_exhausted = true;
	else if (ss->page.has_meta && ss->page.total_pages >= 0)
	{
		if (ss->total_pages < 0)
			ss->total_pages = ss->page.total_pages;
		ss->query_exhausted = (ss->page.next_page < 0 || page_number >= ss->total_pages);
		if (!ss->query_exhausted && ss->page.nrecords == 0)
			bad_page(ss, req,
					 psprintf("page " INT64_FORMAT " is empty but more pages were announced",
							  page_number));
	}
	else
		ss->query_exhausted = ss->page.nrecords < ss->page_size;

	/*
	 * A scan that reads every page stops at page 1 when that announces more
	 * than max_pages; one that may stop early, before a page past it.
	 */
	itg_check_page_limit(ss->opts, ss->opts->resource->name, &ss->page, page_number,
						 ss->page_size, !ss->query_exhausted,
						 ss->prefetch && ss->mode == ITG_SCANMODE_ROWS);

	/* This request is done with; its body is freed now. */
	itg_http_release(req);
	ss->ninflight--;
	memmove(&ss->inflight[0], &ss->inflight[1], sizeof(ss->inflight[0]) * ss->ninflight);
	memmove(&ss->inflight_page[0], &ss->inflight_page[1],
			sizeof(ss->inflight_page[0]) * ss->ninflight);
	if (ss->query_exhausted)
		release_inflight(ss);
	if (ss->show_id == NULL)
		keep_own_records(ss);
	if (ss->show_id == NULL && ss->ntruncated > 0 && ss->opts->refetch_truncated)
		complete_truncated_values(ss);
	ss->pages++;
	ss->next_record = 0;
	return true;
}

static bool next_page_internal(ItgScanState *ss);

/*
 * next_page
 *		Make the next page with rows current.  False at the end of the pass.
 */
static bool
next_page(ItgScanState *ss)
{
	MemoryContext old = MemoryContextSwitchTo(ss->scratch_cxt);
	bool		found = next_page_internal(ss);

	MemoryContextSwitchTo(old);
	MemoryContextReset(ss->scratch_cxt);
	return found;
}

/*
 * next_page_internal
 *		The work of next_page, in the scratch context: whatever it allocates
 *		that must last goes to an explicit context (page, pass, request).
 */
static bool
next_page_internal(ItgScanState *ss)
{
	for (;;)
	{
		if (!ss->started)
		{
			/* A retry without date ranges rebuilds the requests. */
			start_pass(ss->node, ss);
			if (ss->no_rows)
				return false;
		}
		if (ss->query_exhausted)
		{
			if (ss->query_index + 1 >= list_length(ss->queries))
				return false;
			ss->query_index++;
			ss->query_exhausted = false;
			ss->next_page = 1;
			ss->total_pages = -1;
			ss->total_count = -1;
			ss->have_last = false;
		}
		if (ss->ninflight == 0)
			request_next_page(ss);
		if (!take_page(ss))
			continue;
		if (!ss->query_exhausted)
			fill_pipeline(ss);
		if (ss->page.nrecords > 0)
			return true;
	}
}

/* Does a record, as the list gave it, satisfy these conditions? */
static bool
record_passes(ItgScanState *ss, const ItgRecord *rec, ExprState *quals,
			  TupleTableSlot *slot)
{
	ExprContext *econtext = ss->node->ss.ps.ps_ExprContext;

	ExecClearTuple(slot);
	itg_converter_fill(ss->conv, rec, slot->tts_values, slot->tts_isnull);
	ExecStoreVirtualTuple(slot);
	econtext->ecxt_scantuple = slot;
	return ExecQual(quals, econtext);
}

/*
 * count_rows
 *		count(*) from one page[size]=1 request's meta.total-count.  Its one
 *		record must satisfy the conditions; if it does not, the API ignored
 *		a filter, and the rows are counted page by page instead.
 */
static int64
count_rows(ItgScanState *ss)
{
	int64		total = 0;
	bool		trusted;
	MemoryContext old;

	ss->page_size = 1;
	start_pass(ss->node, ss);
	if (ss->no_rows)
		return 0;
	if (ss->show_id != NULL)
		ss->show_id = NULL;		/* a list answer carries the count */
	if (!next_page(ss))
		return 0;
	old = MemoryContextSwitchTo(ss->temp_cxt);
	trusted = ss->total_count >= 0 && list_length(ss->queries) == 1 &&
		record_passes(ss, &ss->page.records[0], ss->count_quals, ss->count_slot);
	MemoryContextSwitchTo(old);
	if (trusted)
		return ss->total_count;

	/* Count what really matches, a full page at a time. */
	ereport(DEBUG1,
			(errmsg_internal("IT Glue's count cannot be trusted here; counting the rows")));
	reset_pass(ss);
	ss->page_size = ss->opts->page_size;
	for (;;)
	{
		if (ss->next_record >= ss->page.nrecords && !next_page(ss))
			break;
		MemoryContextReset(ss->temp_cxt);
		old = MemoryContextSwitchTo(ss->temp_cxt);
		if (record_passes(ss, &ss->page.records[ss->next_record], ss->count_quals,
						  ss->count_slot))
			total++;
		MemoryContextSwitchTo(old);
		ss->next_record++;
	}
	return total;
}

/* count mode: one row, every aggregate the count. */
static TupleTableSlot *
iterate_count(ForeignScanState *node, ItgScanState *ss)
{
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	int64		count;

	ExecClearTuple(slot);
	if (ss->pass_complete)
		return slot;
	count = count_rows(ss);
	ss->pass_complete = true;
	for (int i = 0; i < slot->tts_tupleDescriptor->natts; i++)
	{
		slot->tts_values[i] = Int64GetDatum(count);
		slot->tts_isnull[i] = false;
	}
	return ExecStoreVirtualTuple(slot);
}

/*
 * itgIterateForeignScan
 *		Next row: from the current page, or from the next one.
 */
TupleTableSlot *
itgIterateForeignScan(ForeignScanState *node)
{
	ItgScanState *ss = (ItgScanState *) node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	MemoryContext old;

	if (ss->mode == ITG_SCANMODE_COUNT)
		return iterate_count(node, ss);

	ExecClearTuple(slot);
	MemoryContextReset(ss->temp_cxt);

	if (!ss->started)
	{
		old = MemoryContextSwitchTo(ss->scratch_cxt);
		start_pass(node, ss);
		MemoryContextSwitchTo(old);
		MemoryContextReset(ss->scratch_cxt);
		if (ss->no_rows)
		{
			ss->pass_complete = true;
			return slot;
		}
	}
	if (ss->no_rows)
		return slot;

	if (ss->next_record >= ss->page.nrecords)
	{
		if (ss->pass_complete || !next_page(ss))
		{
			if (!ss->pass_complete)
			{
				ss->pass_complete = true;
				ss->single_page = (ss->pages == 1 && list_length(ss->queries) <= 1 &&
								   ss->param_exprs == NIL);
			}
			return slot;
		}
	}

	CHECK_FOR_INTERRUPTS();
	old = MemoryContextSwitchTo(ss->temp_cxt);
	itg_converter_fill(ss->conv, &ss->page.records[ss->next_record],
					   slot->tts_values, slot->tts_isnull);
	MemoryContextSwitchTo(old);
	ss->next_record++;
	return ExecStoreVirtualTuple(slot);
}

/*
 * itgReScanForeignScan
 *		Start over.  A pass that was one page with no Params is served again
 *		from memory; anything else is fetched again (Params may differ).
 */
void
itgReScanForeignScan(ForeignScanState *node)
{
	ItgScanState *ss = (ItgScanState *) node->fdw_state;

	/* Not begun (EXPLAIN), or a direct modification, whose state differs. */
	if (ss == NULL || ((ForeignScan *) node->ss.ps.plan)->operation != CMD_SELECT)
		return;
	if (ss->mode == ITG_SCANMODE_COUNT)
	{
		reset_pass(ss);
		return;
	}
	if (ss->pass_complete && ss->single_page)
	{
		ss->next_record = 0;
		return;
	}
	reset_pass(ss);
}

void
itgEndForeignScan(ForeignScanState *node)
{
	ItgScanState *ss = (ItgScanState *) node->fdw_state;

	if (ss == NULL)
		return;
	release_inflight(ss);
	if (ss->count_slot)
		ExecDropSingleTupleTableSlot(ss->count_slot);
	if (ss->reread_slot)
		ExecDropSingleTupleTableSlot(ss->reread_slot);
	if (ss->own_rel)
		table_close(ss->rel, NoLock);
	MemoryContextDelete(ss->batch_cxt);
	MemoryContextDelete(ss->pass_cxt);
	MemoryContextDelete(ss->temp_cxt);
	MemoryContextDelete(ss->scratch_cxt);
	MemoryContextDelete(ss->request_cxt);
}

/*
 * itgExplainForeignScan
 *		VERBOSE: the first request as it will be sent.  ANALYZE: the traffic.
 */
void
itgExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;

	if (es->verbose)
	{
		ItgScanPlan plan;

		itg_scan_plan_from_list(fsplan->fdw_private, &plan);
		ExplainPropertyText("IT Glue Request", plan.explain, es);
	}
	if (es->analyze && node->fdw_state != NULL)
	{
		ItgScanState *ss = (ItgScanState *) node->fdw_state;

		ExplainPropertyInteger("IT Glue Pages", NULL, ss->pages, es);
		ExplainPropertyInteger("IT Glue Requests", NULL, ss->stats.requests, es);
		ExplainPropertyInteger("IT Glue Retries", NULL, ss->stats.retries, es);
		ExplainPropertyInteger("IT Glue Bytes", NULL, ss->stats.bytes, es);
		if (ss->refetched > 0)
			ExplainPropertyInteger("IT Glue Records Refetched", NULL, ss->refetched, es);
		if (ss->cache_hits > 0)
			ExplainPropertyInteger("IT Glue Record Cache Hits", NULL, ss->cache_hits, es);
	}
}
