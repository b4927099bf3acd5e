/*-------------------------------------------------------------------------
 *
 * modify.c
 *		INSERT, UPDATE and DELETE as POST, PATCH and the bulk DELETE, with
 *		RETURNING from IT Glue's answer, and direct modification of a single
 *		record by id.
 *
 * Design rules:
 *	- The row identity is the id column; UPDATE sends only the columns the
 *	  statement assigns, INSERT only the non-NULL ones.
 *	- Columns IT Glue fills itself (id, timestamps, derived names) cannot be
 *	  written; the error names the column.
 *	- A write is retried only when it certainly did not run (see http.c).
 *	- IT Glue is not transactional: when a statement fails part-way, its
 *	  error says which records were already changed, and xact.c warns at
 *	  rollback.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "it_glue_fdw.h"

/* The junk column carrying the row identity through UPDATE and DELETE. */
#define ITG_ROW_ID_NAME "itg_row_id"

/* fdw_private of a modify plan. */
enum ItgModifyPrivateIndex
{
	ITG_MOD_TARGET_ATTRS,		/* attnos UPDATE assigns */
	ITG_MOD_ON_CONFLICT_SKIP,	/* Integer: INSERT ... ON CONFLICT DO NOTHING */
	ITG_MOD_HAS_RETURNING		/* Integer */
};

/* fdw_private of a direct-modify ForeignScan. */
enum ItgDirectPrivateIndex
{
	ITG_DIRECT_TARGET_ATTRS,	/* attnos; their values are fdw_exprs 1.. */
	ITG_DIRECT_EXPLAIN,			/* String: the request for EXPLAIN */
	ITG_DIRECT_SET_PROCESSED	/* Integer: update es_processed */
};

typedef struct ItgModifyState
{
	Relation	rel;
	ItgOptions *opts;
	ItgColumns *cols;
	ItgConverter *conv;			/* all columns, for RETURNING */
	const char *const *attr_names;
	int			nattr_names;
	CmdType		operation;
	List	   *target_attrs;
	bool		on_conflict_skip;
	bool		has_returning;
	AttrNumber	row_id_attno;	/* junk attribute in the plan's output */
	MemoryContext temp_cxt;		/* reset per row */
	ItgHttpStats stats;
	/* what this statement already did in IT Glue, for a part-way failure */
	int64		ndone;
	StringInfoData done_ids;
} ItgModifyState;

/* State of a direct modification (one request, no scan). */
typedef struct ItgDirectState
{
	ItgModifyState ms;
	List	   *exprs;			/* ExprStates: id, then the SET values */
	bool		set_processed;
	bool		done;
	int64		processed;
} ItgDirectState;

/* ---------- columns ---------- */

/* The attnum of the id column, or InvalidAttrNumber. */
static AttrNumber
id_column(ItgColumns *cols)
{
	for (int i = 0; i < cols->natts; i++)
		if (cols->cols[i].kind == ITG_COLKIND_ID)
			return cols->cols[i].attnum;
	return InvalidAttrNumber;
}

/* Is this column filled by IT Glue and so never written? */
static bool
column_read_only(const ItgColumn *col)
{
	return col->kind == ITG_COLKIND_ID || col->kind == ITG_COLKIND_ALL ||
		(col->def != NULL && (col->def->flags & ITG_COL_READONLY));
}

static void
reject_read_only(Relation rel, const ItgColumn *col)
{
	ereport(ERROR,
			(errcode(ERRCODE_GENERATED_ALWAYS),
			 errmsg("cannot write column \"%s\" of foreign table \"%s\"",
					col->name, RelationGetRelationName(rel)),
			 errdetail("IT Glue sets \"%s\" itself.",
					   col->kind == ITG_COLKIND_ALL ? "attributes" :
					   col->kind == ITG_COLKIND_ID ? "id" : col->attribute)));
}

/*
 * datum_to_attr
 *		A column value as a JSON:API attribute: numbers and booleans as JSON
 *		scalars, json/jsonb as they are, arrays as JSON arrays, the rest as
 *		strings.
 */
static void
datum_to_attr(const ItgColumn *col, Datum value, bool isnull, ItgBodyAttr *out)
{
	Oid			outfunc;
	bool		varlena;
	char	   *out_text;

	out->name = col->attribute;
	if (isnull)
	{
		out->kind = ITG_JSON_NULL;
		out->text = NULL;
		return;
	}
	if (type_is_array(col->type_oid))
	{
		out->kind = ITG_JSON_ARRAY;
		out->text = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(array_to_json, value)));
		return;
	}
	getTypeOutputInfo(col->type_oid, &outfunc, &varlena);
	out_text = OidOutputFunctionCall(outfunc, value);
	switch (col->type_oid)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case OIDOID:
			out->kind = ITG_JSON_INT;
			break;
		case NUMERICOID:
		case FLOAT4OID:
		case FLOAT8OID:
			if (strpbrk(out_text, "nN") != NULL)	/* NaN, Infinity */
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("cannot send %s in column \"%s\" to IT Glue", out_text, col->name)));
			out->kind = ITG_JSON_DOUBLE;
			break;
		case BOOLOID:
			out->kind = ITG_JSON_BOOL;
			out_text = DatumGetBool(value) ? "true" : "false";
			break;
		case JSONOID:
		case JSONBOID:
			out->kind = ITG_JSON_OBJECT;	/* any JSON value, sent as is */
			break;
		default:
			out->kind = ITG_JSON_STRING;
			break;
	}
	out->text = out_text;
}

/* Build a request body, turning a bad JSON value into a clean error. */
static char *
build_body(ItgModifyState *ms, const ItgBodyAttr *attrs, int nattrs, bool as_array)
{
	char		errbuf[256];
	const ItgBodyAttr *rows[1] = {attrs};
	char	   *body = itg_build_body(ms->opts->resource->json_type, rows, &nattrs, 1,
									  as_array, itg_palloc_alloc, CurrentMemoryContext,
									  errbuf, sizeof(errbuf));

	if (body == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("could not build the IT Glue request: %s", errbuf)));
	return body;
}

/* ---------- errors ---------- */

/* The SQL column for a JSON:API source pointer like /data/attributes/name. */
static const char *
column_for_pointer(ItgColumns *cols, const char *pointer)
{
	const char *seg;

	if (pointer == NULL)
		return NULL;
	seg = strrchr(pointer, '/');
	seg = seg ? seg + 1 : pointer;
	for (int i = 0; i < cols->natts; i++)
	{
		const ItgColumn *c = &cols->cols[i];

		if (c->kind != ITG_COLKIND_ATTRIBUTE)
			continue;
		/* IT Glue answers in kebab-case or snake_case. */
		if (strcmp(c->attribute, seg) == 0)
			return c->name;
		{
			char	   *kebab = pstrdup(seg);

			for (char *p = kebab; *p; p++)
				if (*p == '_')
					*p = '-';
			if (strcmp(c->attribute, kebab) == 0)
				return c->name;
		}
	}
	return NULL;
}

/* The table's columns IT Glue still lets one change on a PSA-synced record. */
static char *
psa_writable_columns(ItgColumns *cols)
{
	StringInfoData buf;
	int			n = 0;
	int			total = 0;

	for (int i = 0; i < cols->natts; i++)
		if (cols->cols[i].def != NULL && (cols->cols[i].def->flags & ITG_COL_PSA_WRITABLE))
			total++;
	initStringInfo(&buf);
	for (int i = 0; i < cols->natts; i++)
	{
		const ItgColumn *c = &cols->cols[i];

		if (c->def == NULL || !(c->def->flags & ITG_COL_PSA_WRITABLE))
			continue;
		appendStringInfo(&buf, "%s%s", n == 0 ? "" : (n == total - 1 ? " and " : ", "),
						 c->name);
		n++;
	}
	return buf.data;
}

/*
 * raise_write_error
 *		Report a failed write with the SQLSTATE its meaning maps to: a name
 *		taken, a required value missing, an unknown type or status id, a
 *		PSA-synced field, a record that does not exist.
 */
static void
raise_write_error(ItgModifyState *ms, ItgHttpRequest *req, const char *what,
				  const char *record_id)
{
	long		status = itg_http_status(req);
	size_t		len;
	const char *body = itg_http_body(req, &len);
	ItgApiError api;
	bool		parsed = itg_parse_error_body(body, len, itg_palloc_alloc,
											  CurrentMemoryContext, &api);
	const char *res = ms->opts->resource->singular;
	ErrorContextCallback errcb;

	if (!itg_http_transport_ok(req))
		itg_http_raise_transport_error(req, what);

	ITG_PUSH_REQUEST_CONTEXT(errcb, req);

	if (status == 422 && parsed)
	{
		const char *column = column_for_pointer(ms->cols, api.pointer);
		const char *text = api.all_text;

		if (strstr(text, "has already been taken"))
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("%s: the %s is already taken in IT Glue", what,
							column ? psprintf("value of column \"%s\"", column) : "value"),
					 errdetail_internal("IT Glue said: %s", text),
					 ms->operation == CMD_INSERT ?
					 errhint("Use INSERT ... ON CONFLICT DO NOTHING to skip rows whose name is taken.") : 0));
		if (strstr(text, "can't be blank") || strstr(text, "is required"))
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("%s: %s must not be empty in IT Glue", what,
							column ? psprintf("column \"%s\"", column) : "a required value"),
					 errdetail_internal("IT Glue said: %s", text)));
		if (strstr(text, "must exist") || strstr(text, "does not exist"))
			ereport(ERROR,
					(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
					 errmsg("%s: %s refers to a record that does not exist in IT Glue", what,
							column ? psprintf("column \"%s\"", column) : "a value"),
					 errdetail_internal("IT Glue said: %s", text),
					 errhint("Look the id up in the organization_types or organization_statuses table.")));
		if (strstr(text, "PSA") || strstr(text, "synced"))
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s: IT Glue %s %s is synced with a PSA, so only %s can be changed there",
							what, res, record_id ? record_id : "", psa_writable_columns(ms->cols)),
					 errdetail_internal("IT Glue said: %s", text),
					 errhint("Change the other fields in the PSA; they sync to IT Glue from there.")));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: IT Glue refused the values (HTTP 422)", what),
				 errdetail_internal("IT Glue said: %s", text)));
	}
	if (status == 404 && parsed && record_id != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("%s: IT Glue %s %s does not exist", what, res, record_id),
				 errdetail_internal("IT Glue said: %s", api.all_text)));
	error_context_stack = errcb.previous;
	itg_http_raise_status_error(req, what);
}

/*
 * with_partial_failure_detail
 *		Run a write; if it fails after earlier rows of the same statement
 *		succeeded, add to the error what IT Glue already has.
 */
typedef struct WriteCall
{
	ItgModifyState *ms;
	const char *method;
	const char *path;
	const char *body;
	const char *what;
	const char *record_id;
	bool		allow_404;		/* direct modify: 404 means no row */
	bool		allow_taken;	/* ON CONFLICT DO NOTHING */
} WriteCall;

/* Returns the finished request (2xx), or NULL for an allowed 404 / 422. */
static ItgHttpRequest *
send_write(WriteCall *call)
{
	ItgModifyState *ms = call->ms;
	ItgHttpRequest *volatile req = NULL;
	MemoryContext oldcxt = CurrentMemoryContext;

	PG_TRY();
	{
		long		status;

		req = itg_http_start(ms->opts, call->method, call->path, call->body, &ms->stats);
		itg_http_wait(req);
		status = itg_http_status(req);
		if (!itg_http_transport_ok(req) || status < 200 || status > 299)
		{
			if (itg_http_transport_ok(req) && status == 404 && call->allow_404)
			{
				itg_http_release(req);
				req = NULL;
			}
			else if (itg_http_transport_ok(req) && status == 422 && call->allow_taken)
			{
				size_t		len;
				const char *body = itg_http_body(req, &len);
				ItgApiError api;

				if (itg_parse_error_body(body, len, itg_palloc_alloc, CurrentMemoryContext, &api) &&
					strstr(api.all_text, "has already been taken"))
				{
					itg_http_release(req);
					req = NULL;
				}
				else
					raise_write_error(ms, req, call->what, call->record_id);
			}
			else
				raise_write_error(ms, req, call->what, call->record_id);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		if (ms->ndone == 0)
			PG_RE_THROW();
		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		edata->detail = psprintf("%s%sBefore this error the statement had already %s %s %s in IT Glue; IT Glue is not transactional, so they remain.",
								 edata->detail ? edata->detail : "",
								 edata->detail ? "\n" : "",
								 ms->operation == CMD_INSERT ? "created" :
								 ms->operation == CMD_UPDATE ? "changed" : "deleted",
								 ms->opts->resource->name, ms->done_ids.data);
		ReThrowError(edata);
	}
	PG_END_TRY();
	return req;
}

/* Note a successful write for messages and for the rollback warning. */
static void
record_done(ItgModifyState *ms, const char *id_text)
{
	MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(ms->done_ids.data));
	char	   *end;
	long long	id = strtoll(id_text, &end, 10);

	if (ms->ndone < 20)
		appendStringInfo(&ms->done_ids, "%s%s", ms->ndone > 0 ? ", " : "", id_text);
	else if (ms->ndone == 20)
		appendStringInfoString(&ms->done_ids, " and more");
	ms->ndone++;
	MemoryContextSwitchTo(old);
	itg_xact_record_write(ms->operation == CMD_INSERT ? ITG_WRITE_CREATED :
						  ms->operation == CMD_UPDATE ? ITG_WRITE_CHANGED : ITG_WRITE_DELETED,
						  ms->opts->resource->name, *end == '\0' ? (int64) id : -1);
}

/*
 * fill_from_response
 *		Parse the record IT Glue returned and store it in the slot, for
 *		RETURNING.  A list answer (bulk DELETE) gives its first record.
 */
static const char *
fill_from_response(ItgModifyState *ms, ItgHttpRequest *req, bool list,
				   TupleTableSlot *slot)
{
	size_t		len;
	const char *body = itg_http_body(req, &len);
	ItgPage		page;
	char		errbuf[256];

	if (!itg_parse_page(body, len, ms->attr_names, ms->nattr_names, !list,
						itg_palloc_alloc, CurrentMemoryContext, &page, errbuf, sizeof(errbuf)))
	{
		if (!ms->has_returning)
			return NULL;		/* the write succeeded; the echo does not matter */
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("IT Glue carried out the %s, but its answer could not be read: %s",
						ms->operation == CMD_INSERT ? "insert" :
						ms->operation == CMD_UPDATE ? "update" : "delete", errbuf)));
	}
	if (page.nrecords == 0)
		return NULL;
	if (ms->has_returning)
	{
		ExecClearTuple(slot);
		itg_converter_fill(ms->conv, &page.records[0], slot->tts_values, slot->tts_isnull);
		ExecStoreVirtualTuple(slot);
	}
	return page.records[0].id;
}

/* ---------- planning ---------- */

/*
 * itgAddForeignUpdateTargets
 *		The id column is the row identity.
 */
#ifdef ITG_HAS_ROW_IDENTITY_VARS
void
itgAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
						   RangeTblEntry *target_rte, Relation target_relation)
#else
void
itgAddForeignUpdateTargets(Query *parsetree, RangeTblEntry *target_rte,
						   Relation target_relation)
#endif
{
	ItgOptions *opts = itg_get_options(RelationGetRelid(target_relation), GetUserId(), false);
	ItgColumns *cols = itg_table_columns(target_relation, opts->resource);
	AttrNumber	attno = id_column(cols);
	Var		   *var;

	if (attno == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("foreign table \"%s\" has no id column, so its rows cannot be updated or deleted",
						RelationGetRelationName(target_relation)),
				 errhint("Add a bigint column named id (or with OPTIONS (attribute 'id')).")));

#ifdef ITG_HAS_ROW_IDENTITY_VARS
	var = makeVar(rtindex, attno, cols->cols[attno - 1].type_oid,
				  cols->cols[attno - 1].typmod, InvalidOid, 0);
	add_row_identity_var(root, var, rtindex, ITG_ROW_ID_NAME);
#else
	var = makeVar(parsetree->resultRelation, attno, cols->cols[attno - 1].type_oid,
				  cols->cols[attno - 1].typmod, InvalidOid, 0);
	parsetree->targetList = lappend(parsetree->targetList,
									makeTargetEntry((Expr *) var,
													list_length(parsetree->targetList) + 1,
													pstrdup(ITG_ROW_ID_NAME), true));
#endif
}

/* Refuse writes the options or the resource do not allow, with advice. */
static void
check_write_allowed(Relation rel, ItgOptions *opts, CmdType operation)
{
	if (!opts->resource->writable)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("IT Glue %s cannot be changed through it_glue_fdw",
						opts->resource->name),
				 errdetail("Foreign table \"%s\" reads a resource that is read-only here.",
						   RelationGetRelationName(rel))));
	if (operation == CMD_DELETE)
	{
		if (!opts->resource->bulk_delete)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("IT Glue %s cannot be deleted through the API", opts->resource->name)));
		if (!opts->allow_delete)
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("deleting from foreign table \"%s\" is not allowed",
							RelationGetRelationName(rel)),
					 errdetail("Deleting an IT Glue organization removes all of its documentation."),
					 errhint("Archive it instead, e.g. UPDATE ... SET organization_status_id = <the Archived status id>, or set the option allow_delete 'true' on the foreign table.")));
	}
	else if (!opts->updatable)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("foreign table \"%s\" is not updatable", RelationGetRelationName(rel)),
				 errhint("The option updatable is 'false' on the foreign table or its server.")));
}

/* The columns an UPDATE assigns (bit numbers offset as usual). */
static Bitmapset *
updated_columns(PlannerInfo *root, Index rtindex)
{
#if PG_VERSION_NUM >= 160000
	return get_rel_all_updated_cols(root, find_base_rel(root, rtindex));
#else
	RangeTblEntry *rte = planner_rt_fetch(rtindex, root);

	return bms_union(rte->updatedCols, rte->extraUpdatedCols);
#endif
}

/*
 * itgPlanForeignModify
 *		Check permissions and columns now, so mistakes fail before any
 *		request is sent.
 */
List *
itgPlanForeignModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					 int subplan_index)
{
	CmdType		operation = plan->operation;
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	ItgOptions *opts = itg_get_options(rte->relid, GetUserId(), false);
	ItgColumns *cols = itg_table_columns(rel, opts->resource);
	List	   *target_attrs = NIL;

	check_write_allowed(rel, opts, operation);

	if (operation == CMD_UPDATE)
	{
		Bitmapset  *updated = updated_columns(root, resultRelation);
		int			col = -1;

		while ((col = bms_next_member(updated, col)) >= 0)
		{
			AttrNumber	attno = col + FirstLowInvalidHeapAttributeNumber;

			if (attno <= InvalidAttrNumber)
				elog(ERROR, "system-column update is not supported");
			if (column_read_only(&cols->cols[attno - 1]))
				reject_read_only(rel, &cols->cols[attno - 1]);
			target_attrs = lappend_int(target_attrs, attno);
		}
	}
	table_close(rel, NoLock);

	return list_make3(target_attrs,
					  makeInteger(plan->onConflictAction == ONCONFLICT_NOTHING ? 1 : 0),
					  makeInteger(plan->returningLists != NIL &&
								  list_nth(plan->returningLists, subplan_index) != NIL ? 1 : 0));
}

/* Set up the state shared by modify and direct modify. */
static void
init_modify_state(ItgModifyState *ms, Relation rel, Oid userid, CmdType operation,
				  MemoryContext parent)
{
	Bitmapset  *all = bms_make_singleton(0 - FirstLowInvalidHeapAttributeNumber);

	ms->rel = rel;
	ms->operation = operation;
	ms->opts = itg_get_options(RelationGetRelid(rel), userid, true);
	ms->cols = itg_table_columns(rel, ms->opts->resource);
	ms->conv = itg_converter_create(rel, ms->cols, all);
	ms->attr_names = itg_converter_attr_names(ms->conv, &ms->nattr_names);
	ms->temp_cxt = AllocSetContextCreate(parent, "it_glue_fdw modify row",
										 ALLOCSET_SMALL_SIZES);
	initStringInfo(&ms->done_ids);
}

/* ---------- execution ---------- */

void
itgBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
					  List *fdw_private, int subplan_index, int eflags)
{
	ItgModifyState *ms;
	EState	   *estate = mtstate->ps.state;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	ms = palloc0(sizeof(ItgModifyState));
	init_modify_state(ms, rinfo->ri_RelationDesc,
					  itg_result_rel_userid(rinfo, estate),
					  mtstate->operation, estate->es_query_cxt);
	ms->target_attrs = (List *) list_nth(fdw_private, ITG_MOD_TARGET_ATTRS);
	ms->on_conflict_skip = intVal(list_nth(fdw_private, ITG_MOD_ON_CONFLICT_SKIP)) != 0;
	ms->has_returning = intVal(list_nth(fdw_private, ITG_MOD_HAS_RETURNING)) != 0;

	if (mtstate->operation == CMD_UPDATE || mtstate->operation == CMD_DELETE)
	{
#ifdef ITG_HAS_ROW_IDENTITY_VARS
		Plan	   *subplan = outerPlanState(mtstate)->plan;
#else
		Plan	   *subplan = mtstate->mt_plans[subplan_index]->plan;
#endif

		ms->row_id_attno = ExecFindJunkAttributeInTlist(subplan->targetlist, ITG_ROW_ID_NAME);
		if (!AttributeNumberIsValid(ms->row_id_attno))
			elog(ERROR, "could not find junk column %s", ITG_ROW_ID_NAME);
	}
	rinfo->ri_FdwState = ms;
}

/*
 * itgExecForeignInsert
 *		POST one record; RETURNING gets what IT Glue stored.
 */
TupleTableSlot *
itgExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
					 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	ItgModifyState *ms = (ItgModifyState *) rinfo->ri_FdwState;
	MemoryContext old;
	ItgBodyAttr *attrs;
	int			nattrs = 0;
	WriteCall	call = {0};
	ItgHttpRequest *req;
	const char *new_id;

	MemoryContextReset(ms->temp_cxt);
	old = MemoryContextSwitchTo(ms->temp_cxt);
	attrs = palloc0(sizeof(ItgBodyAttr) * Max(ms->cols->natts, 1));
	slot_getallattrs(slot);
	for (int i = 0; i < ms->cols->natts; i++)
	{
		const ItgColumn *col = &ms->cols->cols[i];

		if (col->kind == ITG_COLKIND_DROPPED || slot->tts_isnull[i])
			continue;			/* unset columns keep IT Glue's defaults */
		if (column_read_only(col))
			reject_read_only(ms->rel, col);
		datum_to_attr(col, slot->tts_values[i], false, &attrs[nattrs++]);
	}

	call.ms = ms;
	call.method = "POST";
	call.path = ms->opts->resource->path;
	call.body = build_body(ms, attrs, nattrs, false);
	call.what = psprintf("could not create IT Glue %s", ms->opts->resource->singular);
	call.allow_taken = ms->on_conflict_skip;
	req = send_write(&call);
	if (req == NULL)
	{
		MemoryContextSwitchTo(old);
		return NULL;			/* ON CONFLICT DO NOTHING: skipped */
	}
	new_id = fill_from_response(ms, req, false, slot);
	record_done(ms, new_id ? new_id : "(unknown id)");
	itg_http_release(req);
	MemoryContextSwitchTo(old);
	return slot;
}

/* The row identity of the row being updated or deleted, as text. */
static char *
row_id_text(ItgModifyState *ms, TupleTableSlot *planSlot)
{
	bool		isnull;
	Datum		d = ExecGetJunkAttribute(planSlot, ms->row_id_attno, &isnull);
	AttrNumber	attno = id_column(ms->cols);
	Oid			outfunc;
	bool		varlena;

	if (isnull)
		elog(ERROR, "row identity is NULL");
	getTypeOutputInfo(ms->cols->cols[attno - 1].type_oid, &outfunc, &varlena);
	return OidOutputFunctionCall(outfunc, d);
}

/* "/organizations/5", with the id escaped for a path. */
static char *
record_path(ItgModifyState *ms, const char *id)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s/", ms->opts->resource->path);
	itg_append_encoded(&buf, id);
	return buf.data;
}

/* PATCH body with just the assigned columns. */
static char *
patch_body(ItgModifyState *ms, List *target_attrs, Datum *values, bool *nulls)
{
	ItgBodyAttr *attrs = palloc0(sizeof(ItgBodyAttr) * Max(list_length(target_attrs), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, target_attrs)
	{
		AttrNumber	attno = lfirst_int(lc);

		datum_to_attr(&ms->cols->cols[attno - 1], values[n], nulls[n], &attrs[n]);
		n++;
	}
	return build_body(ms, attrs, n, false);
}

/*
 * itgExecForeignUpdate
 *		PATCH the record with the assigned columns only.
 */
TupleTableSlot *
itgExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
					 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	ItgModifyState *ms = (ItgModifyState *) rinfo->ri_FdwState;
	MemoryContext old;
	int			n = list_length(ms->target_attrs);
	Datum	   *values;
	bool	   *nulls;
	WriteCall	call = {0};
	ItgHttpRequest *req;
	ListCell   *lc;
	int			i = 0;
	char	   *id;

	MemoryContextReset(ms->temp_cxt);
	old = MemoryContextSwitchTo(ms->temp_cxt);
	values = palloc(sizeof(Datum) * Max(n, 1));
	nulls = palloc(sizeof(bool) * Max(n, 1));
	slot_getallattrs(slot);
	foreach(lc, ms->target_attrs)
	{
		values[i] = slot->tts_values[lfirst_int(lc) - 1];
		nulls[i] = slot->tts_isnull[lfirst_int(lc) - 1];
		i++;
	}
	id = row_id_text(ms, planSlot);

	call.ms = ms;
	call.method = "PATCH";
	call.path = record_path(ms, id);
	call.body = patch_body(ms, ms->target_attrs, values, nulls);
	call.what = psprintf("could not update IT Glue %s %s", ms->opts->resource->singular, id);
	call.record_id = id;
	req = send_write(&call);
	fill_from_response(ms, req, false, slot);
	record_done(ms, id);
	itg_http_release(req);
	MemoryContextSwitchTo(old);
	return slot;
}

/* The bulk DELETE body for one id. */
static char *
delete_body(ItgModifyState *ms, const char *id)
{
	ItgBodyAttr attr = {"id", ITG_JSON_INT, id};

	/* Ids are integers; anything else is sent as a string. */
	for (const char *p = id; *p; p++)
		if (!isdigit((unsigned char) *p))
			attr.kind = ITG_JSON_STRING;
	return build_body(ms, &attr, 1, true);
}

/*
 * itgExecForeignDelete
 *		IT Glue deletes only through the bulk route: DELETE with one id.
 */
TupleTableSlot *
itgExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
					 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	ItgModifyState *ms = (ItgModifyState *) rinfo->ri_FdwState;
	MemoryContext old;
	WriteCall	call = {0};
	ItgHttpRequest *req;
	char	   *id;

	MemoryContextReset(ms->temp_cxt);
	old = MemoryContextSwitchTo(ms->temp_cxt);
	id = row_id_text(ms, planSlot);
	call.ms = ms;
	call.method = "DELETE";
	call.path = ms->opts->resource->path;
	call.body = delete_body(ms, id);
	call.what = psprintf("could not delete IT Glue %s %s", ms->opts->resource->singular, id);
	call.record_id = id;
	req = send_write(&call);
	if (fill_from_response(ms, req, true, slot) == NULL && ms->has_returning)
	{
		/* No echo: RETURNING still gets the id. */
		AttrNumber	attno = id_column(ms->cols);

		ExecClearTuple(slot);
		memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
		slot->tts_values[attno - 1] = itg_convert_text(id, ms->cols->cols[attno - 1].type_oid,
													   ms->cols->cols[attno - 1].typmod);
		slot->tts_isnull[attno - 1] = false;
		ExecStoreVirtualTuple(slot);
	}
	record_done(ms, id);
	itg_http_release(req);
	MemoryContextSwitchTo(old);
	return slot;
}

void
itgEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	ItgModifyState *ms = (ItgModifyState *) rinfo->ri_FdwState;

	if (ms != NULL)
		MemoryContextDelete(ms->temp_cxt);
}

/*
 * itgIsForeignRelUpdatable
 *		Writable resources accept all three; options are checked at plan
 *		time so that the refusal can explain itself.
 */
int
itgIsForeignRelUpdatable(Relation rel)
{
	ItgOptions *opts = itg_get_options(RelationGetRelid(rel), GetUserId(), false);

	if (!opts->resource->writable)
		return 0;
	return (1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}

static const char *
modify_request_text(const ItgResource *res, CmdType operation)
{
	switch (operation)
	{
		case CMD_INSERT:
			return psprintf("POST %s", res->path);
		case CMD_UPDATE:
			return psprintf("PATCH %s/:id (assigned columns only)", res->path);
		case CMD_DELETE:
			return psprintf("DELETE %s (bulk body, one id per row)", res->path);
		default:
			return "";
	}
}

void
itgExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						List *fdw_private, int subplan_index, ExplainState *es)
{
	ItgModifyState *ms = (ItgModifyState *) rinfo->ri_FdwState;

	if (es->verbose)
	{
		ItgOptions *opts = itg_get_options(RelationGetRelid(rinfo->ri_RelationDesc),
										   GetUserId(), false);

		ExplainPropertyText("IT Glue Request",
							modify_request_text(opts->resource, mtstate->operation), es);
	}
	if (es->analyze && ms != NULL)
	{
		ExplainPropertyInteger("IT Glue Requests", NULL, ms->stats.requests, es);
		ExplainPropertyInteger("IT Glue Retries", NULL, ms->stats.retries, es);
	}
}

/* ---------- direct modification: UPDATE/DELETE ... WHERE id = value ---------- */

#ifdef ITG_HAS_ROW_IDENTITY_VARS
/* The ForeignScan under the ModifyTable that reads this relation, if any. */
static ForeignScan *
find_modifytable_subplan(ModifyTable *plan, Index rtindex)
{
	Plan	   *subplan = outerPlan(plan);

	if (subplan != NULL && IsA(subplan, ForeignScan) &&
		((ForeignScan *) subplan)->scan.scanrelid == rtindex)
		return (ForeignScan *) subplan;
	return NULL;
}
#endif

/*
 * itgPlanDirectModify
 *		When the only condition is "id = value" (a Const or Param) and the
 *		new values do not depend on the row, PATCH or DELETE that record
 *		with one request and no scan.
 */
bool
itgPlanDirectModify(PlannerInfo *root, ModifyTable *plan, Index resultRelation,
					int subplan_index)
{
#ifdef ITG_HAS_ROW_IDENTITY_VARS
	CmdType		operation = plan->operation;
	ForeignScan *fscan;
	List	   *items;
	List	   *item;
	Expr	   *id_expr;
	RangeTblEntry *rte;
	Relation	rel;
	ItgOptions *opts;
	ItgColumns *cols;
	List	   *processed_tlist = NIL;
	List	   *target_attrs = NIL;
	List	   *exprs;
	ListCell   *lc;
	ListCell   *lc2;
	StringInfoData explain;

	if (operation != CMD_UPDATE && operation != CMD_DELETE)
		return false;
	if (plan->returningLists != NIL)
		return false;
	fscan = find_modifytable_subplan(plan, resultRelation);
	if (fscan == NULL || list_length(fscan->scan.plan.qual) != 1)
		return false;

	/* Exactly one condition, and it is "id = one value". */
	items = (List *) linitial(fscan->fdw_private);
	if (list_length(items) != 1)
		return false;
	item = linitial(items);
	if (intVal(lsecond(item)) != ITG_FK_IN || strcmp(strVal(linitial(item)), "id") != 0)
		return false;
	id_expr = list_nth(fscan->fdw_exprs, intVal(lthird(item)));
	if (type_is_array(exprType((Node *) id_expr)))
		return false;

	rte = planner_rt_fetch(resultRelation, root);
	rel = table_open(rte->relid, NoLock);
	opts = itg_get_options(rte->relid, GetUserId(), false);
	cols = itg_table_columns(rel, opts->resource);
	check_write_allowed(rel, opts, operation);
	if (cols->cols[intVal(lfourth(item)) - 1].kind != ITG_COLKIND_ID)
	{
		table_close(rel, NoLock);
		return false;
	}

	exprs = list_make1(id_expr);
	if (operation == CMD_UPDATE)
	{
		get_translated_update_targetlist(root, resultRelation, &processed_tlist, &target_attrs);
		forboth(lc, processed_tlist, lc2, target_attrs)
		{
			TargetEntry *tle = lfirst_node(TargetEntry, lc);
			AttrNumber	attno = lfirst_int(lc2);

			if (column_read_only(&cols->cols[attno - 1]))
				reject_read_only(rel, &cols->cols[attno - 1]);
			/* The new value must not depend on the row we are not reading. */
			if (contain_var_clause((Node *) tle->expr) ||
				contain_subplans((Node *) tle->expr))
			{
				table_close(rel, NoLock);
				return false;
			}
			exprs = lappend(exprs, tle->expr);
		}
	}
	table_close(rel, NoLock);

	initStringInfo(&explain);
	appendStringInfo(&explain, "%s %s%s", operation == CMD_UPDATE ? "PATCH" : "DELETE",
					 opts->resource->path, operation == CMD_UPDATE ? "/" : "");
	if (IsA(id_expr, Const))
	{
		Const	   *c = (Const *) id_expr;
		Oid			outfunc;
		bool		varlena;

		getTypeOutputInfo(c->consttype, &outfunc, &varlena);
		if (operation == CMD_UPDATE)
			appendStringInfoString(&explain, c->constisnull ? "NULL" :
								   OidOutputFunctionCall(outfunc, c->constvalue));
		else
			appendStringInfo(&explain, " (id %s)", c->constisnull ? "NULL" :
							 OidOutputFunctionCall(outfunc, c->constvalue));
	}
	else
		appendStringInfo(&explain, operation == CMD_UPDATE ? "$%d" : " (id $%d)",
						 ((Param *) id_expr)->paramid);

	fscan->operation = operation;
	fscan->resultRelation = resultRelation;
	fscan->scan.plan.qual = NIL;
	fscan->fdw_exprs = exprs;
	fscan->fdw_private = list_make3(target_attrs, makeString(explain.data),
									makeInteger(plan->canSetTag ? 1 : 0));
	return true;
#else
	return false;
#endif
}

void
itgBeginDirectModify(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	ItgDirectState *ds;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	ds = palloc0(sizeof(ItgDirectState));
	node->fdw_state = ds;
	init_modify_state(&ds->ms, node->ss.ss_currentRelation,
					  itg_scan_userid(fsplan, estate), fsplan->operation,
					  estate->es_query_cxt);
	ds->ms.target_attrs = (List *) list_nth(fsplan->fdw_private, ITG_DIRECT_TARGET_ATTRS);
	ds->set_processed = intVal(list_nth(fsplan->fdw_private, ITG_DIRECT_SET_PROCESSED)) != 0;
	ds->exprs = ExecInitExprList(fsplan->fdw_exprs, (PlanState *) node);
}

/*
 * itgIterateDirectModify
 *		Send the one request.  A 404 means no such record: zero rows, as the
 *		same statement would give on a table.
 */
TupleTableSlot *
itgIterateDirectModify(ForeignScanState *node)
{
	ItgDirectState *ds = (ItgDirectState *) node->fdw_state;
	ItgModifyState *ms = &ds->ms;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	EState	   *estate = node->ss.ps.state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (!ds->done)
	{
		int			n = list_length(ds->exprs) - 1;
		Datum	   *values = palloc(sizeof(Datum) * Max(n, 1));
		bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
		bool		isnull;
		Datum		id_datum;
		Oid			outfunc;
		bool		varlena;
		char	   *id;
		WriteCall	call = {0};
		ItgHttpRequest *req;
		ListCell   *lc;
		int			i = 0;

		ds->done = true;
		id_datum = ExecEvalExpr(linitial(ds->exprs), econtext, &isnull);
		if (isnull)
			return ExecClearTuple(slot);	/* id = NULL matches nothing */
		getTypeOutputInfo(exprType((Node *) linitial(((ForeignScan *) node->ss.ps.plan)->fdw_exprs)),
						  &outfunc, &varlena);
		id = OidOutputFunctionCall(outfunc, id_datum);
		for_each_from(lc, ds->exprs, 1)
		{
			values[i] = ExecEvalExpr(lfirst(lc), econtext, &nulls[i]);
			i++;
		}

		call.ms = ms;
		call.record_id = id;
		call.allow_404 = true;
		if (ms->operation == CMD_UPDATE)
		{
			call.method = "PATCH";
			call.path = record_path(ms, id);
			call.body = patch_body(ms, ms->target_attrs, values, nulls);
			call.what = psprintf("could not update IT Glue %s %s", ms->opts->resource->singular, id);
		}
		else
		{
			call.method = "DELETE";
			call.path = ms->opts->resource->path;
			call.body = delete_body(ms, id);
			call.what = psprintf("could not delete IT Glue %s %s", ms->opts->resource->singular, id);
		}
		req = send_write(&call);
		if (req != NULL)
		{
			record_done(ms, id);
			ds->processed = 1;
			itg_http_release(req);
		}
		if (ds->set_processed)
			estate->es_processed += ds->processed;
		if (node->ss.ps.instrument)
			node->ss.ps.instrument->tuplecount += ds->processed;
	}
	return ExecClearTuple(slot);
}

void
itgEndDirectModify(ForeignScanState *node)
{
	ItgDirectState *ds = (ItgDirectState *) node->fdw_state;

	if (ds != NULL)
		MemoryContextDelete(ds->ms.temp_cxt);
}

void
itgExplainDirectModify(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	ItgDirectState *ds = (ItgDirectState *) node->fdw_state;

	if (es->verbose)
		ExplainPropertyText("IT Glue Request",
							strVal(list_nth(fsplan->fdw_private, ITG_DIRECT_EXPLAIN)), es);
	if (es->analyze && ds != NULL)
	{
		ExplainPropertyInteger("IT Glue Requests", NULL, ds->ms.stats.requests, es);
		ExplainPropertyInteger("IT Glue Retries", NULL, ds->ms.stats.retries, es);
	}
}
