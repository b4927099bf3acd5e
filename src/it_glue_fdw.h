/*-------------------------------------------------------------------------
 *
 * it_glue_fdw.h
 *		Private header of it_glue_fdw: options, the resource table, planner
 *		and scan state shared between files, and prototypes grouped by the
 *		file that owns them.
 *
 * No libcurl or json-c type appears here: http.c and jsonapi.c are the only
 * files that see those libraries.
 *
 *-------------------------------------------------------------------------
 */
#ifndef IT_GLUE_FDW_H
#define IT_GLUE_FDW_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "commands/explain.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "foreign/fdwapi.h"
#include "nodes/plannodes.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "jsonapi.h"

#define ITG_VERSION "0.2.0"
#define ITG_USER_AGENT "it_glue_fdw/" ITG_VERSION

/* ---------- resource.c: what each IT Glue resource looks like ---------- */

/* Flags describing what the API can do with a column. */
#define ITG_COL_READONLY		0x0001	/* server-filled, never sent on writes */
#define ITG_COL_FILTER_EQ		0x0002	/* filter[key]=v1,v2 means "= any of" */
#define ITG_COL_FILTER_EXACT	0x0004	/* ...and exactly SQL's equality */
#define ITG_COL_FILTER_EXCLUDE	0x0008	/* filter[exclude][key] means "<> all" */
#define ITG_COL_FILTER_RANGE	0x0010	/* filter[key]=start,end (timestamps) */
#define ITG_COL_PSA_ID			0x0020	/* psa_id: only with psa_integration_type */
#define ITG_COL_PSA_TYPE		0x0040	/* psa_integration_type */
#define ITG_COL_SORT_EXACT		0x0080	/* API sort order equals PostgreSQL's */
#define ITG_COL_ID				0x0200	/* the JSON:API id */
#define ITG_COL_PSA_WRITABLE	0x0400	/* writable on a PSA-synced record */
#define ITG_COL_SHOW_ONLY		0x0800	/* the id has no filter: one value goes
										 * to the show route, lists stay local */
#define ITG_COL_MAYBE_ABSENT	0x1000	/* not in IT Glue's documented responses:
										 * an answer may leave it out */

/* A name column that the API filters through the id of a lookup resource. */
typedef struct ItgLookupDef
{
	const char *lookup_resource;	/* "organization_statuses" */
	const char *id_filter_key;	/* "organization_status_id" */
} ItgLookupDef;

typedef struct ItgColumnDef
{
	const char *name;			/* SQL column name IMPORT creates */
	const char *attribute;		/* JSON:API attribute (NULL for id) */
	const char *sql_type;		/* type IMPORT gives the column */
	const char *filter_key;		/* key inside filter[...], or NULL */
	const char *sort_key;		/* sort= field, or NULL */
	uint32		flags;
	const ItgLookupDef *lookup; /* filters by name through ids, or NULL */
	int			list_cut_chars; /* lists cut the value at this many
								 * characters (0: never) */
	const char *write_hint;		/* why it cannot be written, or NULL */
	const char *comment;		/* what the attribute holds: IMPORT's COMMENT */
} ItgColumnDef;

/*
 * The routes the API documents for a resource (ItgResource.routes).  Writes
 * are offered exactly where a route exists; everything else is refused
 * before sending, naming what the API lacks.
 */
#define ITG_ROUTE_LIST			0x0001	/* GET index */
#define ITG_ROUTE_SHOW			0x0002	/* GET /path/:id */
#define ITG_ROUTE_CREATE		0x0004	/* POST */
#define ITG_ROUTE_UPDATE		0x0008	/* PATCH /path/:id */
#define ITG_ROUTE_BULK_UPDATE	0x0010	/* PATCH /path with a data array */
#define ITG_ROUTE_DESTROY		0x0020	/* DELETE /path/:id */
#define ITG_ROUTE_BULK_DESTROY	0x0040	/* DELETE /path with a data array */

/*
 * A resource nested under a parent (a configuration's interfaces, a
 * country's regions, an organization's passwords): the parent's route.
 */
typedef struct ItgParentRoute
{
	const char *column;			/* SQL column holding the parent id:
								 * "configuration_id" */
	const char *path;			/* path with %s for the parent id:
								 * "/configurations/%s/relationships/configuration_interfaces" */
	bool		required;		/* the index exists only there: a query must
								 * fix the column (error otherwise) */
	bool		create_here;	/* INSERT with the column set POSTs here */
} ItgParentRoute;

typedef struct ItgResource
{
	const char *name;			/* resource option value: "organizations" */
	const char *path;			/* "/organizations" */
	const char *json_type;		/* JSON:API type: "organizations" */
	const char *singular;		/* for messages: "organization" */
	const char *comment;		/* what the resource is: IMPORT's COMMENT */
	const ItgColumnDef *columns;
	int			ncolumns;
	uint32		routes;			/* ITG_ROUTE_* */
	const ItgParentRoute *parent;	/* nested routes, or NULL */
	const char *required_filter;	/* a column every list must be filtered
									 * on (flexible assets' type id) */
	bool		writable;		/* POST / PATCH exist */
	bool		bulk_delete;	/* DELETE with a data array exists */
	double		default_rows;	/* planner guess without use_remote_estimate */
	bool		import_attributes;	/* IMPORT adds "attributes jsonb": the
									 * columns do not cover every attribute */
	const char *default_sort;	/* sort= for stable paging */
} ItgResource;

/* The resources, each defined in its family's file under src/resources/. */
extern const ItgResource itg_resource_organizations;
extern const ItgResource itg_resource_organization_types;
extern const ItgResource itg_resource_organization_statuses;
extern const ItgResource itg_resource_configurations;
extern const ItgResource itg_resource_contacts;
extern const ItgResource itg_resource_locations;

extern const ItgResource *itg_resource_lookup(const char *name);
extern const ItgResource *itg_resource_by_index(int i);
extern int	itg_resource_count(void);
extern const ItgColumnDef *itg_resource_column_by_attribute(const ItgResource *res,
															const char *attribute);
extern char *itg_resource_names(void);

/* ---------- option.c: validation and merged options ---------- */

/*
 * How fast a server's requests may go: IT Glue's window (rate_window_requests
 * per rate_window_seconds) and the optional requests_per_minute cap (0: none).
 */
#define ITG_WINDOW_MAX_SECONDS 900
typedef struct ItgPaceLimits
{
	int			window_requests;
	int			window_seconds;
	int			per_minute;
} ItgPaceLimits;

typedef struct ItgOptions
{
	Oid			serverid;
	Oid			userid;
	char	   *server_name;
	char	   *base_url;		/* no trailing slash */
	char	   *api_key;		/* never printed anywhere */
	char	   *ca_file;
	int			page_size;
	int			timeout_ms;
	int			connect_timeout_ms;
	int			max_retries;
	int			max_concurrency;
	ItgPaceLimits pace;			/* rate_window_*, requests_per_minute */
	int			max_response_mb;
	int			max_pages;
	bool		updatable;
	bool		allow_delete;
	bool		use_remote_estimate;
	bool		refetch_truncated;	/* read cut list values again in full */
	const ItgResource *resource;	/* NULL for server-level use */
} ItgOptions;

extern ItgOptions *itg_get_options(Oid foreigntableid, Oid userid, bool need_key);
extern ItgOptions *itg_get_server_options(Oid serverid, Oid userid, bool need_key);
extern char *itg_column_attribute(Oid relid, AttrNumber attnum, const char *attname);

/* ---------- convert.c: the table's columns, and values to Datums ---------- */

/* How one column of the foreign table is filled. */
typedef enum ItgColumnKind
{
	ITG_COLKIND_DROPPED,
	ITG_COLKIND_ID,				/* the JSON:API id */
	ITG_COLKIND_ALL,			/* json/jsonb "attributes": whole object */
	ITG_COLKIND_ATTRIBUTE		/* one attribute */
} ItgColumnKind;

typedef struct ItgTableColumn
{
	AttrNumber	attnum;
	char	   *name;			/* SQL column name */
	char	   *attribute;		/* JSON:API attribute name (NULL for id/all) */
	ItgColumnKind kind;
	Oid			type_oid;
	int32		typmod;
	const ItgColumnDef *def;	/* resource description, or NULL if unknown */
} ItgTableColumn;

typedef struct ItgTableMap
{
	const ItgResource *resource;
	int			natts;			/* tuple descriptor size */
	ItgTableColumn *cols;			/* indexed by attnum - 1 */
} ItgTableMap;

/* Per-scan conversion state: input functions for the columns in use. */
typedef struct ItgConverter ItgConverter;

extern ItgTableMap *itg_table_columns(Relation rel, const ItgResource *res);
extern ItgConverter *itg_converter_create(Relation rel, ItgTableMap *cols,
										  Bitmapset *attrs_used);
extern const char *const *itg_converter_attr_names(ItgConverter *conv, int *nattrs);
extern const int *itg_converter_truncated_slots(ItgConverter *conv, int *nslots);
extern int	itg_converter_updated_at_slot(ItgConverter *conv);
extern int	itg_converter_slot_of(ItgConverter *conv, AttrNumber attnum);
extern bool itg_converter_may_be_cut(ItgConverter *conv, AttrNumber attnum);
extern char *itg_converter_value_text(ItgConverter *conv, const ItgRecord *rec,
									  AttrNumber attnum);
extern bool itg_converter_record_cut(ItgConverter *conv, const ItgRecord *rec);
extern void itg_converter_fill(ItgConverter *conv, const ItgRecord *rec,
							   Datum *values, bool *nulls);
extern Datum itg_convert_text(const char *text, Oid type_oid, int32 typmod);

/* ---------- absent.c: attributes an answer may leave out ---------- */

typedef struct ItgKnownValues ItgKnownValues;

extern ItgKnownValues *itg_known_values(ItgTableMap *cols, ItgConverter *conv,
										const char *filters);
extern void itg_fill_known_values(const ItgKnownValues *known, ItgPage *page);
extern bool itg_notice_absent(ItgTableMap *cols, ItgConverter *conv, const ItgPage *page,
							  Relation rel);

/* ---------- http.c: the only user of libcurl ---------- */

/* Counters a scan or modify shows under EXPLAIN ANALYZE. */
typedef struct ItgHttpStats
{
	int64		requests;		/* requests sent, retries included */
	int64		retries;
	int64		bytes;			/* response bytes received */
	int64		wait_ms;		/* time spent waiting for retry or pacing */
} ItgHttpStats;

typedef struct ItgHttpRequest ItgHttpRequest;

/* Which pacing bucket a request draws from: its API host and key, hashed. */
typedef struct ItgPaceKey
{
	uint8		hash[32];		/* SHA-256; never the key itself */
} ItgPaceKey;

/* What a request does, as the usage view counts it. */
typedef enum ItgRequestKind
{
	ITG_REQ_LIST,				/* GET of a list (index) route */
	ITG_REQ_SHOW,				/* GET of one record (re-reads, lookups) */
	ITG_REQ_WRITE,				/* POST, PATCH, DELETE */
	ITG_REQ_NKINDS
} ItgRequestKind;

/* What the requests of one API host and key did (pacing.c keeps it). */
typedef struct ItgUsage
{
	int64		requests[ITG_REQ_NKINDS];	/* attempts sent, retries included */
	int64		rate_limited;	/* answered 429 */
	int64		retries;		/* attempts tried again */
	int64		bytes;			/* response bytes received */
} ItgUsage;

/* Whether a failed request may be sent again. */
typedef enum ItgRetryPolicy
{
	ITG_RETRY_IDEMPOTENT,		/* GET: retry 429, 5xx, network, timeouts */
	ITG_RETRY_UNSENT_ONLY		/* writes: only when it surely did not run */
} ItgRetryPolicy;

extern ItgHttpRequest *itg_http_start(const ItgOptions *opts, const char *method,
									  const char *path_query, const char *body,
									  ItgHttpStats *stats);

/*
 * Where a successful (2xx) body goes as it arrives, instead of being kept
 * whole.  The functions run inside libcurl callbacks: no ereport, no palloc.
 */
typedef struct ItgBodySink
{
	void		(*feed) (void *arg, const char *data, size_t len);
	void		(*reset) (void *arg);	/* a retry starts the body again */
	void		(*release) (void *arg); /* the request goes away */
	void	   *arg;
} ItgBodySink;

extern void itg_http_set_sink(ItgHttpRequest *req, const ItgBodySink *sink);
extern void *itg_http_sink_arg(ItgHttpRequest *req);
extern size_t itg_http_bytes(ItgHttpRequest *req);
extern void itg_http_wait(ItgHttpRequest *req);
extern bool itg_http_finished(ItgHttpRequest *req);
extern void itg_http_wait_any(void);
extern long itg_http_status(ItgHttpRequest *req);
extern const char *itg_http_body(ItgHttpRequest *req, size_t *len);
extern const char *itg_http_content_type(ItgHttpRequest *req);
extern void itg_http_release(ItgHttpRequest *req);
extern void itg_http_raise_transport_error(ItgHttpRequest *req, const char *what);
extern int	itg_http_retry_hint(ItgHttpRequest *req);
extern bool itg_http_transport_ok(ItgHttpRequest *req);

/* How a finished write ended, as far as whether IT Glue carried it out. */
typedef enum ItgWriteOutcome
{
	ITG_OUTCOME_ANSWERED,		/* an HTTP answer below 500: success or refusal */
	ITG_OUTCOME_NOT_SENT,		/* it certainly never reached IT Glue */
	ITG_OUTCOME_TIMED_OUT,		/* no complete answer in time */
	ITG_OUTCOME_CONNECTION_LOST,	/* the connection failed mid-way */
	ITG_OUTCOME_SERVER_ERROR,	/* HTTP 5xx (or 408): it may have run */
	ITG_OUTCOME_UNREADABLE		/* the answer was too large to read */
} ItgWriteOutcome;

extern ItgWriteOutcome itg_http_write_outcome(ItgHttpRequest *req);
extern char *itg_http_excerpt(ItgHttpRequest *req);
extern void itg_http_error_context(void *arg);

/*
 * Name the request in the CONTEXT of errors raised from here to the end of
 * the enclosing function (which must raise an ERROR or pop it).
 */
#define ITG_PUSH_REQUEST_CONTEXT(errcb, req) \
	do { \
		(errcb).callback = itg_http_error_context; \
		(errcb).arg = (req); \
		(errcb).previous = error_context_stack; \
		error_context_stack = &(errcb); \
	} while (0)
extern void itg_http_init(void);

/* ---------- client.c: the API client between the FDW and http.c ---------- */

/* How to read one GET's answer (itg_client_read). */
typedef struct ItgReadSpec
{
	const char *what;			/* "could not fetch IT Glue organizations" */
	const char *bad_answer_what;	/* for a 2xx answer that is not the page
									 * asked for; NULL: what */
	const char *const *attr_names;	/* as given to itg_client_expect_json */
	int			nattrs;
	bool		single_object;	/* a show route: data is one object */
	bool		one_record;		/* ...and it must hold exactly one record */
	bool		missing_ok;		/* return a JSON:API 404 to the caller */
	bool		refusal_ok;		/* return a 422 to the caller */
} ItgReadSpec;

/* What an error answer of IT Glue means (one table: client.c). */
typedef enum ItgApiErrorKind
{
	ITG_APIERR_TAKEN,			/* a unique value is taken */
	ITG_APIERR_BLANK,			/* a required value is missing */
	ITG_APIERR_NO_REFERENT,		/* an id refers to nothing */
	ITG_APIERR_PSA_SYNCED,		/* the record is PSA-synced */
	ITG_APIERR_REFUSED,			/* any other refusal */
	ITG_APIERR_NOT_FOUND		/* no such record */
} ItgApiErrorKind;

typedef struct ItgApiErrorRule
{
	long		status;			/* HTTP status */
	const char *text;			/* recognised in IT Glue's errors; NULL: any */
	ItgApiErrorKind kind;
	int			sqlstate;
} ItgApiErrorRule;

extern void *itg_palloc_alloc(void *ctx, size_t size);
extern void itg_client_expect_json(ItgHttpRequest *req, const char *const *attr_names,
								   int nattrs, bool single_object);
extern long itg_client_read(ItgHttpRequest *req, const ItgReadSpec *spec,
							MemoryContext cxt, ItgPage *page);
extern const ItgApiErrorRule *itg_api_error_rule(long status, const char *text);
extern bool itg_client_api_error(ItgHttpRequest *req, ItgApiError *api);
extern bool itg_client_record_gone(ItgHttpRequest *req);
extern void itg_client_raise_status_error(ItgHttpRequest *req, const char *what);
extern void itg_client_raise_bad_answer(ItgHttpRequest *req, const char *what,
										const char *problem);
extern void itg_get_page(const ItgOptions *opts, const char *path_query,
						 const char *const *attr_names, int nattrs,
						 const char *what, ItgHttpStats *stats, ItgPage *page);
extern int64 itg_pages_announced(const ItgPage *page, int page_size);
extern void itg_check_page_limit(const ItgOptions *opts, const char *resource_name,
								 const ItgPage *page, int64 page_number, int page_size,
								 bool more_pages, bool reads_all);
extern bool itg_listing_has_more(const ItgOptions *opts, const char *resource_name,
								 const ItgPage *page, int64 page_number, int page_size);

/* ---------- redact.c: response texts made safe for messages ---------- */

extern void itg_redact_init(void);
extern void itg_redact_remember_key(const char *key);
extern char *itg_safe_text(const char *text, size_t len, bool cut, size_t max_bytes);
extern char *itg_safe_cstring(const char *text);
extern void itg_safe_buffer(char *buf, size_t size, bool cut);

/* ---------- deparse.c: what goes to the API, and the request text ---------- */

/*
 * A filter item: one condition the API can narrow a request by.  In
 * fdw_private it travels as a List that only deparse.c builds
 * (itg_filter_item_node) and reads (itg_filter_item).
 */
typedef enum ItgFilterKind
{
	ITG_FK_IN = 1,				/* filter[key]=v1,v2 */
	ITG_FK_EXCLUDE,				/* filter[exclude][key]=v1,v2 */
	ITG_FK_LOWER,				/* filter[key]=start,* */
	ITG_FK_UPPER,				/* filter[key]=*,end */
	ITG_FK_LOOKUP_IN,			/* names, as ids: filter[key_id]=ids */
	ITG_FK_LOOKUP_EXCLUDE		/* names, as ids: filter[exclude][key_id]=ids */
} ItgFilterKind;

typedef struct ItgFilterItem
{
	const char *key;			/* key inside filter[...] */
	ItgFilterKind kind;
	int			expr_index;		/* index into fdw_exprs */
	AttrNumber	attno;			/* the column it filters */
	const char *lookup_resource;	/* resource holding the names ("" unless
									 * a LOOKUP kind) */
} ItgFilterItem;

#define ITG_FK_IS_LOOKUP(kind) \
	((kind) == ITG_FK_LOOKUP_IN || (kind) == ITG_FK_LOOKUP_EXCLUDE)

extern ItgFilterItem itg_filter_item(const List *node);

/* An evaluated filter value (Const at plan time, Param at execution). */
typedef struct ItgFilterValue
{
	Datum		value;
	bool		isnull;
	Oid			type;
} ItgFilterValue;

/*
 * One request of a scan.  When a long IN list is split over several
 * requests, each part asks for a disjoint share of the list's values and
 * accepts only the records whose value of that column is in its share.
 */
typedef struct ItgRequestPart
{
	char	   *filters;		/* filter parameters of the query string */
	AttrNumber	split_attno;	/* column whose list is split, or 0 */
	int			nvalues;		/* this part's share of that list ... */
	char	  **values;			/* ... as the column type's output, sorted */
} ItgRequestPart;

extern List *itg_classify_conditions(RelOptInfo *baserel, ItgTableMap *cols,
									 List *conds, List **exprs, bool *all_exact);
extern List *itg_build_requests(ItgTableMap *cols, List *items,
								ItgFilterValue *values, bool skip_ranges,
								bool *no_rows, char **show_id);
extern bool itg_part_accepts(const ItgRequestPart *part, const char *value_text);
extern char *itg_explain_request(const ItgResource *res, ItgTableMap *cols,
								 List *items, List *exprs, int page_size,
								 const char *sort);
extern List *itg_value_texts(const ItgFilterValue *v, bool *has_null);
extern ItgFilterValue *itg_const_values(List *exprs);
extern char *itg_page_query(const char *path, const char *filters,
							int64 page_number, int page_size, const char *sort);
extern void itg_append_encoded(StringInfo buf, const char *s);

/* ---------- modify.c: INSERT / UPDATE / DELETE ---------- */

#ifdef ITG_HAS_ROW_IDENTITY_VARS
extern void itgAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
									   RangeTblEntry *target_rte,
									   Relation target_relation);
#else
extern void itgAddForeignUpdateTargets(Query *parsetree, RangeTblEntry *target_rte,
									   Relation target_relation);
#endif
extern List *itgPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
								  Index resultRelation, int subplan_index);
extern void itgBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
								  List *fdw_private, int subplan_index, int eflags);
extern TupleTableSlot *itgExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
extern TupleTableSlot *itgExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
extern TupleTableSlot *itgExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
extern void itgEndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern void itgBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
extern bool itg_statement_writes_itglue(EState *estate);
extern int	itgIsForeignRelUpdatable(Relation rel);
extern void itgExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
									List *fdw_private, int subplan_index,
									ExplainState *es);
extern bool itgPlanDirectModify(PlannerInfo *root, ModifyTable *plan,
								Index resultRelation, int subplan_index);
extern void itgBeginDirectModify(ForeignScanState *node, int eflags);
extern TupleTableSlot *itgIterateDirectModify(ForeignScanState *node);
extern void itgEndDirectModify(ForeignScanState *node);
extern void itgExplainDirectModify(ForeignScanState *node, ExplainState *es);

/* ---------- writecheck.c: did IT Glue store what was sent? ---------- */

extern bool itg_answer_cut_sent_value(ItgTableMap *cols, ItgConverter *conv,
									  const ItgRecord *rec, const AttrNumber *attnos,
									  const Datum *values, const bool *nulls, int n);
extern void itg_verify_stored(Relation rel, ItgTableMap *cols, ItgConverter *conv,
							  const ItgRecord *rec, const AttrNumber *attnos,
							  const Datum *values, const bool *nulls, int n);

/* ---------- xact.c: what a rollback cannot undo ---------- */

typedef enum ItgWriteKind
{
	ITG_WRITE_CREATED = 0,
	ITG_WRITE_CHANGED = 1,
	ITG_WRITE_DELETED = 2,
	ITG_WRITE_UNKNOWN = 3		/* sent, but whether it ran is unknown */
} ItgWriteKind;

extern void itg_xact_record_write(ItgWriteKind kind, const char *resource, int64 id);
extern void itg_xact_record_unknown(const char *resource, const char *label);

/* ---------- planner.c ---------- */

typedef enum ItgScanMode
{
	ITG_SCANMODE_ROWS = 0,			/* page through the rows */
	ITG_SCANMODE_COUNT = 1			/* count(*) from meta.total-count */
} ItgScanMode;

/*
 * What the planner hands a ForeignScan.  It travels as the plan's
 * fdw_private List, which only itg_scan_plan_to_list builds and only
 * itg_scan_plan_from_list reads (planner.c).
 */
typedef struct ItgScanPlan
{
	List	   *items;			/* filter item nodes (itg_filter_item) */
	List	   *attrs;			/* IntList: attribute numbers the query uses */
	bool		prefetch;		/* may fetch pages ahead */
	char	   *explain;		/* the first request, for EXPLAIN */
	char	   *sort;			/* sort= value, "" for the default */
	int			page_size;		/* page[size] to send */
	AttrNumber	sort_attno;		/* column whose order the scan checks, or 0 */
	ItgScanMode mode;
	Oid			relid;			/* the foreign table */
	List	   *count_quals;	/* conditions, to check count mode's sample */
} ItgScanPlan;

extern List *itg_scan_plan_to_list(const ItgScanPlan *plan);
extern void itg_scan_plan_from_list(List *fdw_private, ItgScanPlan *plan);

extern void itgGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								 Oid foreigntableid);
extern void itgGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
							   Oid foreigntableid);
extern ForeignScan *itgGetForeignPlan(PlannerInfo *root, RelOptInfo *foreignrel,
									  Oid foreigntableid, ForeignPath *best_path,
									  List *tlist, List *scan_clauses,
									  Plan *outer_plan);
extern void itgGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
									RelOptInfo *input_rel, RelOptInfo *output_rel,
									void *extra);

/* ---------- scan.c: the scan callbacks ---------- */

extern void itgBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *itgIterateForeignScan(ForeignScanState *node);
extern void itgReScanForeignScan(ForeignScanState *node);
extern void itgEndForeignScan(ForeignScanState *node);
extern void itgExplainForeignScan(ForeignScanState *node, ExplainState *es);

/* ---------- analyze.c ---------- */

extern bool itgAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
								   BlockNumber *totalpages);

/* ---------- pacing.c ---------- */

extern void itg_pacing_init(void);
extern bool itg_pacing_shared(void);
extern void itg_pacing_key(const char *base_url, const char *api_key, ItgPaceKey *key);
extern long itg_pacing_take(const ItgPaceKey *key, const ItgPaceLimits *limits,
							TimestampTz now);
extern void itg_pacing_note(const ItgPaceKey *key, ItgRequestKind kind, bool rate_limited,
							bool retrying, int64 bytes);
extern void itg_pacing_usage(const ItgPaceKey *key, const ItgPaceLimits *limits,
							 ItgUsage *usage, int64 *used, int *allowance);

/* ---------- reccache.c ---------- */

extern void itg_reccache_init(void);
extern bool itg_reccache_complete(const ItgPaceKey *account, const char *resource,
								  ItgRecord *rec, const char *const *names, int nnames,
								  int updated_slot, MemoryContext cxt);
extern void itg_reccache_store(const ItgPaceKey *account, const char *resource,
							   const ItgRecord *rec, const char *const *names, int nnames,
							   int updated_slot);

/* ---------- lookup.c ---------- */

extern void itg_resolve_lookups(const ItgOptions *opts, List *items,
								ItgFilterValue *values, List **cache,
								MemoryContext cache_cxt, ItgHttpStats *stats);

/* ---------- import.c ---------- */

extern List *itgImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

/* ---------- it_glue_fdw.c ---------- */

extern void _PG_init(void);

#endif							/* IT_GLUE_FDW_H */
