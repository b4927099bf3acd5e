/*-------------------------------------------------------------------------
 *
 * planner.c
 *		Planning a foreign scan: row estimates, paths (plain, sorted by the
 *		API, parameterized by a join), count(*) from the API's total, and
 *		the plan's private data.
 *
 * Design rules:
 *	- Requests are what a scan costs: latency and the account's request
 *	  budget (3000 per 5 minutes).  One request costs ITG_REQUEST_COST; a
 *	  row costs a little CPU (parsing and conversion).  So a nested loop that sends one filtered
 *	  request per outer row wins only while the outer side has fewer rows
 *	  than a full scan has pages.
 *	- ORDER BY goes to the API only for keys whose order is provably
 *	  PostgreSQL's (ids, timestamps with the id as tie-breaker), and the
 *	  executor still checks the order as rows arrive.
 *	- LIMIT shrinks page[size] and count(*) is read from meta.total-count
 *	  only when the API alone answers every condition exactly.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_type.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/typcache.h"

#include "it_glue_fdw.h"

/*
 * Planner cost units: a request costs as much as reading 100 local pages.
 * (Higher units would push ordinary API queries over jit_above_cost, and
 * JIT compiling buys nothing for rows that arrive at network speed.)
 */
#define ITG_REQUEST_COST	100.0
#define ITG_ROW_COST		(cpu_tuple_cost * 2)

/* The built-in count(*) aggregate. */
#define ITG_COUNT_STAR_OID	2803

/* Planner state for one foreign relation (baserel->fdw_private). */
typedef struct ItgRelInfo
{
	RelOptInfo *baserel;
	Oid			relid;
	ItgOptions *opts;
	ItgTableMap    *cols;
	List	   *items;
	List	   *exprs;
	bool		all_exact;		/* the API answers every condition exactly */
	Bitmapset  *attrs_used;
	double		fetched_rows;	/* rows the API is expected to return */
	Bitmapset  *echoed;			/* maybe-absent columns (attnos) the
								 * estimate request's record did contain */
} ItgRelInfo;

/* What a path carries to GetForeignPlan (ForeignPath.fdw_private). */
enum ItgPathPrivateIndex
{
	ITG_PATH_SORT,				/* String: sort= value */
	ITG_PATH_SORT_ATTNO,		/* Integer: column the API sorts by */
	ITG_PATH_PAGE_SIZE,			/* Integer: page[size] to send */
	ITG_PATH_MODE				/* Integer: ItgScanMode */
};

/* Which columns the query reads (for projection of conversions). */
static Bitmapset *
collect_attrs_used(RelOptInfo *baserel)
{
	Bitmapset  *attrs = NULL;
	ListCell   *lc;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		pull_varattnos((Node *) ri->clause, baserel->relid, &attrs);
	}
	return attrs;
}

/* The Const filter items of a classification, with their values. */
static ItgFilterValue *
const_values(List *exprs, List *items, List **const_items)
{
	ListCell   *lc;

	*const_items = NIL;
	foreach(lc, items)
	{
		List	   *node = lfirst(lc);
		ItgFilterItem item = itg_filter_item(node);

		if (IsA(list_nth(exprs, item.expr_index), Const) &&
			!ITG_FK_IS_LOOKUP(item.kind))
			*const_items = lappend(*const_items, node);
	}
	return itg_const_values(exprs);
}

/*
 * remote_count
 *		Ask the API how many rows match the Const filters (page[size]=1 and
 *		meta.total-count).  Used for use_remote_estimate.
 */
static double
remote_count(ItgRelInfo *info)
{
	List	   *const_items;
	ItgFilterValue *values = const_values(info->exprs, info->items, &const_items);
	bool		no_rows;
	char	   *show_id;
	List	   *queries;
	ItgPage		page;
	const char **names = palloc(sizeof(char *) * Max(info->cols->natts, 1));
	AttrNumber *attnos = palloc(sizeof(AttrNumber) * Max(info->cols->natts, 1));
	int			nnames = 0;

	queries = itg_build_requests(info->cols, const_items, values, false, &no_rows, &show_id);
	if (no_rows)
		return 0;
	/* The record that comes with the count tells which attributes IT Glue echoes. */
	for (int i = 0; i < info->cols->natts; i++)
	{
		const ItgTableColumn   *col = &info->cols->cols[i];

		if (col->kind == ITG_COLKIND_ATTRIBUTE && col->def != NULL &&
			(col->def->flags & ITG_COL_MAYBE_ABSENT))
		{
			attnos[nnames] = col->attnum;
			names[nnames++] = col->attribute;
		}
	}
	itg_get_page(info->opts,
				 itg_page_query(info->opts->resource->path, queries ? ((ItgRequestPart *) linitial(queries))->filters : "",
								1, 1, info->opts->resource->default_sort),
				 names, nnames, "could not estimate the size of an IT Glue table", NULL, &page);
	for (int i = 0; i < nnames && page.nrecords > 0; i++)
		if (page.records[0].values[i].kind != ITG_JSON_ABSENT)
			info->echoed = bms_add_member(info->echoed, attnos[i]);
	if (page.total_count < 0)
		return info->opts->resource->default_rows;
	return (double) page.total_count * list_length(queries);
}

/*
 * itgGetForeignRelSize
 *		Options, columns, the conditions the API can narrow by, and a row
 *		estimate.
 */
void
itgGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	ItgRelInfo *info = palloc0(sizeof(ItgRelInfo));
	Relation	rel;
	Selectivity sel;

	baserel->fdw_private = info;
	info->baserel = baserel;
	info->relid = foreigntableid;
	info->opts = itg_get_options(foreigntableid, itg_rel_userid(root, baserel), false);

	rel = table_open(foreigntableid, NoLock);
	info->cols = itg_table_columns(rel, info->opts->resource);
	table_close(rel, NoLock);

	info->items = itg_classify_conditions(baserel, info->cols, baserel->baserestrictinfo,
										  &info->exprs, &info->all_exact);
	info->attrs_used = collect_attrs_used(baserel);

	sel = clauselist_selectivity(root, baserel->baserestrictinfo, 0, JOIN_INNER, NULL);
	if (info->opts->use_remote_estimate)
	{
		info->opts = itg_get_options(foreigntableid, itg_rel_userid(root, baserel), true);
		info->fetched_rows = remote_count(info);
		/* The count reflects the Const filters; scale by what stays local. */
		baserel->rows = clamp_row_est(info->fetched_rows * (info->all_exact ? 1.0 : sel));
	}
	else
	{
		if (baserel->tuples <= 0)
			baserel->tuples = info->opts->resource->default_rows;
		baserel->rows = clamp_row_est(baserel->tuples * sel);
		info->fetched_rows = info->items ? baserel->rows : baserel->tuples;
	}
}

/* Cost of a scan that fetches this many rows in pages of page_size. */
static void
scan_cost(double rows, int page_size, Cost *startup, Cost *total)
{
	double		pages = Max(1.0, ceil(rows / page_size));

	*startup = ITG_REQUEST_COST;
	*total = pages * ITG_REQUEST_COST + rows * ITG_ROW_COST;
}

static List *
path_private(const char *sort, AttrNumber sort_attno, int page_size, ItgScanMode mode)
{
	return list_make4(makeString(pstrdup(sort ? sort : "")), makeInteger(sort_attno),
					  makeInteger(page_size), makeInteger(mode));
}

/*
 * may_split
 *		Could the request be split into chunks (a long IN list)?  Rows of
 *		several requests are not sorted as a whole, so no sort is pushed.
 */
static bool
may_split(ItgRelInfo *info)
{
	List	   *const_items;
	ItgFilterValue *values = const_values(info->exprs, info->items, &const_items);
	ListCell   *lc;
	bool		no_rows;
	char	   *show_id;

	foreach(lc, info->items)
	{
		ItgFilterItem item = itg_filter_item(lfirst(lc));
		Expr	   *e = list_nth(info->exprs, item.expr_index);

		if (item.kind == ITG_FK_IN && !IsA(e, Const) &&
			type_is_array(exprType((Node *) e)))
			return true;
	}
	return list_length(itg_build_requests(info->cols, const_items, values, false,
										  &no_rows, &show_id)) > 1;
}

/*
 * sortable_pathkey
 *		If the query's ORDER BY is one key the API sorts exactly as
 *		PostgreSQL does, return the sort= value and the column.
 */
static const char *
sortable_pathkey(PlannerInfo *root, RelOptInfo *baserel, ItgRelInfo *info,
				 AttrNumber *attno, bool *desc)
{
	PathKey    *pk;
	EquivalenceMember *em_found = NULL;
	ListCell   *lc;
	Var		   *var;
	const ItgTableColumn   *col;
	TypeCacheEntry *tce;

	if (list_length(root->query_pathkeys) != 1)
		return NULL;
	pk = linitial(root->query_pathkeys);
	if (pk->pk_eclass->ec_has_volatile)
		return NULL;
	foreach(lc, pk->pk_eclass->ec_members)
	{
		EquivalenceMember *em = lfirst(lc);
		Expr	   *e = em->em_expr;

		while (IsA(e, RelabelType))
			e = ((RelabelType *) e)->arg;
		if (IsA(e, Var) && (Index) ((Var *) e)->varno == baserel->relid &&
			((Var *) e)->varlevelsup == 0 && ((Var *) e)->varattno > 0)
		{
			em_found = em;
			break;
		}
	}
	if (em_found == NULL)
		return NULL;
	var = (Var *) em_found->em_expr;
	while (IsA(var, RelabelType))
		var = (Var *) ((RelabelType *) var)->arg;
	col = &info->cols->cols[var->varattno - 1];
	if (col->def == NULL || col->def->sort_key == NULL ||
		!(col->def->flags & ITG_COL_SORT_EXACT))
		return NULL;
	if (col->type_oid != INT8OID && col->type_oid != TIMESTAMPTZOID)
		return NULL;

	/* The type's default btree order, with the default NULLS placement. */
	tce = lookup_type_cache(col->type_oid, TYPECACHE_BTREE_OPFAMILY);
	if (pk->pk_opfamily != tce->btree_opf)
		return NULL;
	*desc = itg_pathkey_descending(pk);
	if (pk->pk_nulls_first != *desc)
		return NULL;

	if (may_split(info))
		return NULL;

	*attno = var->varattno;
	/* A timestamp has ties: the unique id breaks them, for stable paging. */
	if (col->def->flags & ITG_COL_ID)
		return psprintf("%s%s", *desc ? "-" : "", col->def->sort_key);
	return psprintf("%s%s,%sid", *desc ? "-" : "", col->def->sort_key, *desc ? "-" : "");
}

/*
 * limit_page_size
 *		With a LIMIT on a query over this table alone, whose conditions the
 *		API answers exactly and whose order (if any) the API gives, a page
 *		need hold no more than LIMIT + OFFSET rows.
 */
static int
limit_page_size(PlannerInfo *root, ItgRelInfo *info, bool order_satisfied)
{
	int			page_size = info->opts->page_size;

	if (root->limit_tuples < 1 || !info->all_exact || !order_satisfied)
		return page_size;
	if (bms_membership(root->all_baserels) != BMS_SINGLETON)
		return page_size;
	return (int) Min((double) page_size, ceil(root->limit_tuples));
}

/* Does a join clause on this rel narrow the request when its value is known? */
static bool
join_clause_pushable(RelOptInfo *baserel, ItgRelInfo *info, RestrictInfo *rinfo)
{
	List	   *exprs = NIL;
	List	   *with = itg_classify_conditions(baserel, info->cols,
											   lappend(list_copy(baserel->baserestrictinfo), rinfo),
											   &exprs, NULL);

	return list_length(with) > list_length(info->items);
}

typedef struct EcMatchArg
{
	Var		   *var;
} EcMatchArg;

static bool
ec_member_matches_column(PlannerInfo *root, RelOptInfo *rel, EquivalenceClass *ec,
						 EquivalenceMember *em, void *arg)
{
	Expr	   *e = em->em_expr;

	while (IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return equal(e, ((EcMatchArg *) arg)->var);
}

/* Added to a path only used when no other can serve (like disable_cost). */
#define ITG_LAST_RESORT_COST 1.0e10

/*
 * Does the clause read a column IT Glue's answers may leave out (and that
 * the estimate request, if any, did not see echoed)?
 */
static bool
reads_maybe_absent(RelOptInfo *baserel, ItgRelInfo *info, RestrictInfo *rinfo)
{
	Bitmapset  *attrs = NULL;
	int			i = -1;

	pull_varattnos((Node *) rinfo->clause, baserel->relid, &attrs);
	while ((i = bms_next_member(attrs, i)) >= 0)
	{
		AttrNumber	attno = i + FirstLowInvalidHeapAttributeNumber;
		const ItgTableColumn   *col;

		if (attno <= 0 || attno > info->cols->natts)
			continue;
		col = &info->cols->cols[attno - 1];
		if (col->def != NULL && (col->def->flags & ITG_COL_MAYBE_ABSENT) &&
			!bms_is_member(attno, info->echoed))
			return true;
	}
	return false;
}

/*
 * add_parameterized_paths
 *		For join conditions on a filterable column (id, name, psa_id, ...),
 *		a path that sends one filtered request per outer row.
 *
 * Returns true when such a join condition reads a column IT Glue's answers
 * may leave out (psa_id with psa_integration_type): only a request filtered
 * on the outer row's value knows that column's value for its rows (see
 * absent.c), so the caller makes the unfiltered scan a last resort.
 */
static bool
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel, ItgRelInfo *info)
{
	bool		needs_filtered_values = false;
	List	   *clauses = NIL;
	List	   *ppi_list = NIL;
	ListCell   *lc;

	foreach(lc, baserel->joininfo)
		clauses = lappend(clauses, lfirst(lc));

	if (baserel->has_eclass_joins)
	{
		for (int i = 0; i < info->cols->natts; i++)
		{
			const ItgTableColumn   *col = &info->cols->cols[i];
			EcMatchArg	arg;

			if (col->kind == ITG_COLKIND_DROPPED || col->def == NULL ||
				!(col->def->flags & ITG_COL_FILTER_EQ))
				continue;
			arg.var = makeVar(baserel->relid, col->attnum, col->type_oid, col->typmod,
							  get_typcollation(col->type_oid), 0);
			clauses = list_concat(clauses,
								  generate_implied_equalities_for_column(root, baserel,
																		 ec_member_matches_column,
																		 &arg,
																		 baserel->lateral_referencers));
		}
	}

	foreach(lc, clauses)
	{
		RestrictInfo *rinfo = lfirst(lc);
		Relids		required_outer;

		if (!join_clause_is_movable_to(rinfo, baserel))
			continue;
		if (!join_clause_pushable(baserel, info, rinfo))
			continue;
		required_outer = bms_union(rinfo->clause_relids, baserel->lateral_relids);
		required_outer = bms_del_member(required_outer, baserel->relid);
		if (bms_is_empty(required_outer))
			continue;
		if (reads_maybe_absent(baserel, info, rinfo))
			needs_filtered_values = true;
		ppi_list = list_append_unique_ptr(ppi_list,
										  get_baserel_parampathinfo(root, baserel,
																	required_outer));
	}

	foreach(lc, ppi_list)
	{
		ParamPathInfo *ppi = lfirst(lc);
		Cost		startup;
		Cost		total;

		scan_cost(ppi->ppi_rows, info->opts->page_size, &startup, &total);
		add_path(baserel, (Path *)
				 itg_create_foreignscan_path(root, baserel, NULL, ppi->ppi_rows,
											 startup, total, NIL, ppi->ppi_req_outer,
											 NULL,
											 path_private(NULL, InvalidAttrNumber,
														  info->opts->page_size,
														  ITG_SCANMODE_ROWS)));
	}
	return needs_filtered_values;
}

/*
 * itgGetForeignPaths
 *		The plain paged scan, the same sorted by the API when that serves
 *		ORDER BY, and parameterized scans for joins.
 */
void
itgGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	ItgRelInfo *info = (ItgRelInfo *) baserel->fdw_private;
	Cost		startup;
	Cost		total;
	AttrNumber	sort_attno;
	bool		desc;
	const char *sort;
	int			page_size;
	Cost		unfiltered_penalty = 0;

	/*
	 * A join on psa_id (+ type) must go through filtered requests when the
	 * API may not echo psa-id: an unfiltered scan would give NULLs that
	 * match nothing.  The plain scan stays, for plans that cannot use the
	 * parameterized one (FULL JOIN); its rows then have NULL there.
	 */
	if (add_parameterized_paths(root, baserel, info))
		unfiltered_penalty = ITG_LAST_RESORT_COST;

	page_size = limit_page_size(root, info, root->query_pathkeys == NIL);
	scan_cost(Min(info->fetched_rows, root->limit_tuples > 0 ? root->limit_tuples : info->fetched_rows),
			  page_size, &startup, &total);
	total += unfiltered_penalty;
	add_path(baserel, (Path *)
			 itg_create_foreignscan_path(root, baserel, NULL, baserel->rows,
										 startup, total, NIL, NULL, NULL,
										 path_private(NULL, InvalidAttrNumber,
													  page_size, ITG_SCANMODE_ROWS)));

	sort = sortable_pathkey(root, baserel, info, &sort_attno, &desc);
	if (sort != NULL)
	{
		page_size = limit_page_size(root, info, true);
		scan_cost(Min(info->fetched_rows,
					  root->limit_tuples > 0 ? root->limit_tuples : info->fetched_rows),
				  page_size, &startup, &total);
		total += unfiltered_penalty;
		/* The API sorts for free; a local Sort would cost a little. */
		add_path(baserel, (Path *)
				 itg_create_foreignscan_path(root, baserel, NULL, baserel->rows,
											 startup, total, root->query_pathkeys,
											 NULL, NULL,
											 path_private(sort, sort_attno, page_size,
														  ITG_SCANMODE_ROWS)));
	}
}

/*
 * itgGetForeignPlan
 *		Every condition stays in the local qual list; the pushable ones (and
 *		for a parameterized path, its join conditions) also travel as filter
 *		items with their values in fdw_exprs.
 */
ForeignScan *
itgGetForeignPlan(PlannerInfo *root, RelOptInfo *foreignrel, Oid foreigntableid,
				  ForeignPath *best_path, List *tlist, List *scan_clauses,
				  Plan *outer_plan)
{
	ItgRelInfo *info = (ItgRelInfo *) foreignrel->fdw_private;
	List	   *path_priv = best_path->fdw_private;
	ItgScanMode mode = intVal(list_nth(path_priv, ITG_PATH_MODE));
	const char *sort = strVal(list_nth(path_priv, ITG_PATH_SORT));
	AttrNumber	sort_attno = intVal(list_nth(path_priv, ITG_PATH_SORT_ATTNO));
	int			page_size = intVal(list_nth(path_priv, ITG_PATH_PAGE_SIZE));
	List	   *exprs = NIL;
	List	   *items;
	List	   *local_exprs;
	List	   *attrs = NIL;
	ItgScanPlan plan;
	Bitmapset  *attrs_used;
	int			x = -1;
	bool		prefetch;
	Index		scan_relid;
	List	   *fdw_scan_tlist = NIL;
	List	   *count_quals = NIL;
	ListCell   *lc;

	if (mode == ITG_SCANMODE_COUNT)
	{
		/* count(*): no scan relation; the output is the aggregates. */
		RelOptInfo *input = info->baserel;

		scan_relid = 0;
		fdw_scan_tlist = add_to_flat_tlist(NIL, foreignrel->reltarget->exprs);
		items = info->items;
		exprs = info->exprs;
		local_exprs = NIL;
		count_quals = extract_actual_clauses(input->baserestrictinfo, false);
		attrs_used = NULL;
		pull_varattnos((Node *) count_quals, input->relid, &attrs_used);
	}
	else
	{
		scan_relid = foreignrel->relid;
		local_exprs = extract_actual_clauses(scan_clauses, false);
		items = itg_classify_conditions(foreignrel, info->cols, scan_clauses, &exprs, NULL);
		attrs_used = bms_copy(info->attrs_used);
		/* The executor checks the API's order on the sort column. */
		if (sort_attno != InvalidAttrNumber)
			attrs_used = bms_add_member(attrs_used,
										sort_attno - FirstLowInvalidHeapAttributeNumber);
	}

	/* A long IN list may be split: each part checks the column's value. */
	foreach(lc, items)
	{
		ItgFilterItem item = itg_filter_item(lfirst(lc));

		if (item.kind == ITG_FK_IN &&
			type_is_array(exprType(list_nth(exprs, item.expr_index))))
			attrs_used = bms_add_member(attrs_used,
										item.attno - FirstLowInvalidHeapAttributeNumber);
	}

	while ((x = bms_next_member(attrs_used, x)) >= 0)
		attrs = lappend_int(attrs, x + FirstLowInvalidHeapAttributeNumber);

	/*
	 * Fetching ahead wastes requests when the executor may stop early: only
	 * read ahead when the query has no LIMIT.
	 */
	prefetch = root->limit_tuples < 0 && root->parse->limitCount == NULL;

	plan.items = items;
	plan.attrs = attrs;
	plan.prefetch = prefetch;
	plan.explain = mode == ITG_SCANMODE_COUNT ?
		psprintf("%s (count from meta.total-count)",
				 itg_explain_request(info->opts->resource, info->cols, items, exprs, 1,
									 info->opts->resource->default_sort)) :
		itg_explain_request(info->opts->resource, info->cols, items, exprs, page_size,
							sort[0] ? sort : info->opts->resource->default_sort);
	plan.sort = pstrdup(sort);
	plan.page_size = page_size;
	plan.sort_attno = sort_attno;
	plan.mode = mode;
	plan.relid = info->relid;
	plan.count_quals = count_quals;

	return make_foreignscan(tlist, local_exprs, scan_relid, exprs,
							itg_scan_plan_to_list(&plan), fdw_scan_tlist, NIL,
							outer_plan);
}

/* Positions of ItgScanPlan's fields in a ForeignScan's fdw_private. */
enum ItgScanPlanField
{
	ITG_PRIV_ITEMS,
	ITG_PRIV_ATTRS,
	ITG_PRIV_PREFETCH,
	ITG_PRIV_EXPLAIN,
	ITG_PRIV_SORT,
	ITG_PRIV_PAGE_SIZE,
	ITG_PRIV_SORT_ATTNO,
	ITG_PRIV_MODE,
	ITG_PRIV_RELID,
	ITG_PRIV_COUNT_QUALS,
	ITG_PRIV_NFIELDS			/* keep last */
};

/*
 * itg_scan_plan_to_list
 *		The ForeignScan's fdw_private: copyObject-able nodes, in the order of
 *		enum ItgScanPlanField.
 */
List *
itg_scan_plan_to_list(const ItgScanPlan *plan)
{
	Node	   *fields[] = {
		[ITG_PRIV_ITEMS] = (Node *) plan->items,
		[ITG_PRIV_ATTRS] = (Node *) plan->attrs,
		[ITG_PRIV_PREFETCH] = (Node *) makeInteger(plan->prefetch ? 1 : 0),
		[ITG_PRIV_EXPLAIN] = (Node *) makeString(plan->explain),
		[ITG_PRIV_SORT] = (Node *) makeString(plan->sort),
		[ITG_PRIV_PAGE_SIZE] = (Node *) makeInteger(plan->page_size),
		[ITG_PRIV_SORT_ATTNO] = (Node *) makeInteger(plan->sort_attno),
		[ITG_PRIV_MODE] = (Node *) makeInteger(plan->mode),
		[ITG_PRIV_RELID] = (Node *) makeInteger((int) plan->relid),
		[ITG_PRIV_COUNT_QUALS] = (Node *) plan->count_quals,
	};
	List	   *result = NIL;

	StaticAssertStmt(lengthof(fields) == ITG_PRIV_NFIELDS,
					 "every field of ItgScanPlan goes into fdw_private");
	for (int i = 0; i < ITG_PRIV_NFIELDS; i++)
		result = lappend(result, fields[i]);
	return result;
}

/* itg_scan_plan_from_list: the inverse of itg_scan_plan_to_list. */
void
itg_scan_plan_from_list(List *fdw_private, ItgScanPlan *plan)
{
	if (list_length(fdw_private) != ITG_PRIV_NFIELDS)
		elog(ERROR, "it_glue_fdw scan plan has %d fields, expected %d",
			 list_length(fdw_private), ITG_PRIV_NFIELDS);
	plan->items = (List *) list_nth(fdw_private, ITG_PRIV_ITEMS);
	plan->attrs = (List *) list_nth(fdw_private, ITG_PRIV_ATTRS);
	plan->prefetch = intVal(list_nth(fdw_private, ITG_PRIV_PREFETCH)) != 0;
	plan->explain = strVal(list_nth(fdw_private, ITG_PRIV_EXPLAIN));
	plan->sort = strVal(list_nth(fdw_private, ITG_PRIV_SORT));
	plan->page_size = intVal(list_nth(fdw_private, ITG_PRIV_PAGE_SIZE));
	plan->sort_attno = (AttrNumber) intVal(list_nth(fdw_private, ITG_PRIV_SORT_ATTNO));
	plan->mode = (ItgScanMode) intVal(list_nth(fdw_private, ITG_PRIV_MODE));
	plan->relid = (Oid) intVal(list_nth(fdw_private, ITG_PRIV_RELID));
	plan->count_quals = (List *) list_nth(fdw_private, ITG_PRIV_COUNT_QUALS);
}

/* Is every aggregate in the target count(*) (no FILTER, DISTINCT, ORDER)? */
static bool
only_count_star(List *exprs)
{
	ListCell   *lc;

	if (exprs == NIL)
		return false;
	foreach(lc, exprs)
	{
		Aggref	   *agg = lfirst(lc);

		if (!IsA(agg, Aggref) || agg->aggfnoid != ITG_COUNT_STAR_OID ||
			agg->aggfilter != NULL || agg->aggdistinct != NIL ||
			agg->aggorder != NIL || agg->args != NIL || agg->agglevelsup != 0)
			return false;
	}
	return true;
}

/*
 * itgGetForeignUpperPaths
 *		SELECT count(*) whose conditions the API answers exactly: one
 *		page[size]=1 request and meta.total-count, instead of every page.
 */
void
itgGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
						RelOptInfo *input_rel, RelOptInfo *output_rel, void *extra)
{
	ItgRelInfo *info = (ItgRelInfo *) input_rel->fdw_private;
	Query	   *parse = root->parse;
	ListCell   *lc;
	List	   *priv;

	if (stage != UPPERREL_GROUP_AGG || info == NULL ||
		input_rel->reloptkind != RELOPT_BASEREL || output_rel->fdw_private != NULL)
		return;
	if (parse->groupClause || parse->groupingSets || root->hasHavingQual ||
		!parse->hasAggs || !info->all_exact)
		return;
	if (!only_count_star(output_rel->reltarget->exprs))
		return;
	/* Values must be known before execution starts (no nested-loop Params). */
	foreach(lc, info->exprs)
	{
		Expr	   *e = lfirst(lc);

		if (!IsA(e, Const) && !(IsA(e, Param) && ((Param *) e)->paramkind == PARAM_EXTERN))
			return;
	}

	output_rel->fdw_private = info;
	priv = path_private(NULL, InvalidAttrNumber, 1, ITG_SCANMODE_COUNT);
	add_path(output_rel, (Path *)
			 itg_create_foreign_upper_path(root, output_rel, output_rel->reltarget,
										   1, ITG_REQUEST_COST, ITG_REQUEST_COST,
										   NIL, NULL, priv));
}
