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
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
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

/*
 * What the planner hands the executor, for a modify plan and for a direct
 * modify.  Each goes into fdw_private and back through one pair of
 * functions below, so no caller reads the list by position.
 */
typedef struct ItgModifyPlan
{
	List	   *target_attrs;	/* attnos UPDATE assigns */
	bool		on_conflict_skip;	/* INSERT ... ON CONFLICT DO NOTHING */
	bool		has_returning;
	bool		returning_cut;	/* RETURNING reads a value lists cut */
} ItgModifyPlan;

typedef struct ItgDirectPlan
{
	List	   *target_attrs;	/* attnos; their values are fdw_exprs 1.. */
	char	   *explain;		/* the request, for EXPLAIN */
	bool		set_processed;	/* update es_processed */
} ItgDirectPlan;

/* Positions of ItgModifyPlan's fields in fdw_private. */
enum ItgModifyPlanField
{
	ITG_MOD_TARGET_ATTRS,
	ITG_MOD_ON_CONFLICT_SKIP,
	ITG_MOD_HAS_RETURNING,
	ITG_MOD_RETURNING_CUT,
	ITG_MOD_NFIELDS				/* keep last */
};

/* Positions of ItgDirectPlan's fields in fdw_private. */
enum ItgDirectPlanField
{
	ITG_DIRECT_TARGET_ATTRS,
	ITG_DIRECT_EXPLAIN,
	ITG_DIRECT_SET_PROCESSED,
	ITG_DIRECT_NFIELDS			/* keep last */
};

/* A list of copyObject-able nodes, fields[0 .. n - 1] in order. */
static List *
fields_to_list(Node *const *fields, int n)
{
	List	   *result = NIL;

	for (int i = 0; i < n; i++)
		result = lappend(result, fields[i]);
	return result;
}

/* Fail unless fdw_private has the number of fields its reader expects. */
static void
check_plan_length(List *fdw_private, int expected, const char *what)
{
	if (list_length(fdw_private) != expected)
		elog(ERROR, "it_glue_fdw %s plan has %d fields, expected %d",
			 what, list_length(fdw_private), expected);
}

static List *
modify_plan_to_list(const ItgModifyPlan *plan)
{
	Node	   *fields[] = {
		[ITG_MOD_TARGET_ATTRS] = (Node *) plan->target_attrs,
		[ITG_MOD_ON_CONFLICT_SKIP] = (Node *) makeInteger(plan->on_conflict_skip ? 1 : 0),
		[ITG_MOD_HAS_RETURNING] = (Node *) makeInteger(plan->has_returning ? 1 : 0),
		[ITG_MOD_RETURNING_CUT] = (Node *) makeInteger(plan->returning_cut ? 1 : 0),
	};

	StaticAssertStmt(lengthof(fields) == ITG_MOD_NFIELDS,
					 "every field of ItgModifyPlan goes into fdw_private");
	return fields_to_list(fields, ITG_MOD_NFIELDS);
}

/* modify_plan_from_list: the inverse of modify_plan_to_list. */
static void
modify_plan_from_list(List *fdw_private, ItgModifyPlan *plan)
{
	check_plan_length(fdw_private, ITG_MOD_NFIELDS, "modify");
	plan->target_attrs = (List *) list_nth(fdw_private, ITG_MOD_TARGET_ATTRS);
	plan->on_conflict_skip = intVal(list_nth(fdw_private, ITG_MOD_ON_CONFLICT_SKIP)) != 0;
	plan->has_returning = intVal(list_nth(fdw_private, ITG_MOD_HAS_RETURNING)) != 0;
	plan->returning_cut = intVal(list_nth(fdw_private, ITG_MOD_RETURNING_CUT)) != 0;
}

#ifdef ITG_HAS_ROW_IDENTITY_VARS
static List *
direct_plan_to_list(const ItgDirectPlan *plan)
{
	Node	   *fields[] = {
		[ITG_DIRECT_TARGET_ATTRS] = (Node *) plan->target_attrs,
		[ITG_DIRECT_EXPLAIN] = (Node *) makeString(plan->explain),
		[ITG_DIRECT_SET_PROCESSED] = (Node *) makeInteger(plan->set_processed ? 1 : 0),
	};

	StaticAssertStmt(lengthof(fields) == ITG_DIRECT_NFIELDS,
					 "every field of ItgDirectPlan goes into fdw_private");
	return fields_to_list(fields, ITG_DIRECT_NFIELDS);
}
#endif

/* direct_plan_from_list: the inverse of direct_plan_to_list. */
static void
direct_plan_from_list(List *fdw_private, ItgDirectPlan *plan)
{
	check_plan_length(fdw_private, ITG_DIRECT_NFIELDS, "direct modify");
	plan->target_attrs = (List *) list_nth(fdw_private, ITG_DIRECT_TARGET_ATTRS);
	plan->explain = strVal(list_nth(fdw_private, ITG_DIRECT_EXPLAIN));
	plan->set_processed = intVal(list_nth(fdw_private, ITG_DIRECT_SET_PROCESSED)) != 0;
}

typedef struct ItgModifyState
{
	Relation	rel;
	ItgOptions *opts;
	ItgTableMap    *cols;
	ItgConverter *conv;			/* all columns, for RETURNING */
	const char *const *attr_names;
	int			nattr_names;
	CmdType		operation;
	List	   *target_attrs;
	bool		on_conflict_skip;
	bool		has_returning;
	bool		returning_cut;	/* RETURNING reads a value lists cut */
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
id_column(ItgTableMap *cols)
{
	for (int i = 0; i < cols->natts; i++)
		if (cols->cols[i].kind == ITG_COLKIND_ID)
			return cols->cols[i].attnum;
	return InvalidAttrNumber;
}

/* Is this column filled by IT Glue and so never written? */
static bool
column_read_only(const ItgTableColumn *col)
{
	return col->kind == ITG_COLKIND_ID || col->kind == ITG_COLKIND_ALL ||
		(col->def != NULL && (col->def->flags & ITG_COL_READONLY));
}

static void
reject_read_only(Relation rel, const ItgTableMap *cols, const ItgTableColumn *col)
{
	const char *hint = col->kind == ITG_COLKIND_ATTRIBUTE && col->def != NULL ?
		col->def->write_hint : NULL;

	ereport(ERROR,
			(errcode(ERRCODE_GENERATED_ALWAYS),
			 errmsg("cannot write column \"%s\" of foreign table \"%s\"",
					col->name, RelationGetRelationName(rel)),
			 errdetail("IT Glue sets \"%s\" itself.",
					   col->kind == ITG_COLKIND_ALL ? "attributes" :
					   col->kind == ITG_COLKIND_ID ? "id" : col->attribute),
			 hint ? errhint("%s", _(hint)) : 0));
}

/*
 * datum_to_attr
 *		A column value as a JSON:API attribute: numbers and booleans as JSON
 *		scalars, json/jsonb as they are, arrays as JSON arrays, the rest as
 *		strings.
 */
static void
datum_to_attr(const ItgTableColumn *col, Datum value, bool isnull, ItgBodyAttr *out)
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
column_for_pointer(ItgTableMap *cols, const char *pointer)
{
	const char *seg;

	if (pointer == NULL)
		return NULL;
	seg = strrchr(pointer, '/');
	seg = seg ? seg + 1 : pointer;
	for (int i = 0; i < cols->natts; i++)
	{
		const ItgTableColumn   *c = &cols->cols[i];

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
psa_writable_columns(ItgTableMap *cols)
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
		const ItgTableColumn   *c = &cols->cols[i];

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
	ItgApiError api;
	bool		parsed;
	const ItgApiErrorRule *rule;
	const char *res = ms->opts->resource->singular;
	const char *column;
	const char *text;
	ErrorContextCallback errcb;

	if (!itg_http_transport_ok(req))
		itg_http_raise_transport_error(req, what);
	parsed = itg_client_api_error(req, &api);
	rule = parsed ? itg_api_error_rule(status, api.all_text) : NULL;
	if (rule == NULL || (rule->kind == ITG_APIERR_NOT_FOUND && record_id == NULL))
		itg_client_raise_status_error(req, what);

	column = column_for_pointer(ms->cols, api.pointer);
	text = itg_safe_cstring(api.all_text);
	ITG_PUSH_REQUEST_CONTEXT(errcb, req);
	switch (rule->kind)
	{
		case ITG_APIERR_TAKEN:
			ereport(ERROR,
					(errcode(rule->sqlstate),
					 column ?
					 errmsg("%s: the value of column \"%s\" is already taken in IT Glue",
							what, column) :
					 errmsg("%s: the value is already taken in IT Glue", what),
					 errdetail_internal("IT Glue said: %s", text),
					 ms->operation == CMD_INSERT ?
					 errhint("Use INSERT ... ON CONFLICT DO NOTHING to skip rows whose name is taken.") : 0));
			break;
		case ITG_APIERR_BLANK:
			ereport(ERROR,
					(errcode(rule->sqlstate),
					 column ?
					 errmsg("%s: column \"%s\" must not be empty in IT Glue", what, column) :
					 errmsg("%s: a required value must not be empty in IT Glue", what),
					 errdetail_internal("IT Glue said: %s", text)));
			break;
		case ITG_APIERR_NO_REFERENT:
			ereport(ERROR,
					(errcode(rule->sqlstate),
					 column ?
					 errmsg("%s: column \"%s\" refers to a record that does not exist in IT Glue",
							what, column) :
					 errmsg("%s: a value refers to a record that does not exist in IT Glue",
							what),
					 errdetail_internal("IT Glue said: %s", text),
					 errhint("Look the id up in the organization_types or organization_statuses table.")));
			break;
		case ITG_APIERR_PSA_SYNCED:
			ereport(ERROR,
					(errcode(rule->sqlstate),
					 errmsg("%s: IT Glue %s %s is synced with a PSA, so only %s can be changed there",
							what, res, record_id ? record_id : "", psa_writable_columns(ms->cols)),
					 errdetail_internal("IT Glue said: %s", text),
					 errhint("Change the other fields in the PSA; they sync to IT Glue from there.")));
			break;
		case ITG_APIERR_REFUSED:
			ereport(ERROR,
					(errcode(rule->sqlstate),
					 errmsg("%s: IT Glue refused the values (HTTP 422)", what),
					 errdetail_internal("IT Glue said: %s", text)));
			break;
		case ITG_APIERR_NOT_FOUND:
			ereport(ERROR,
					(errcode(rule->sqlstate),
					 errmsg("%s: IT Glue %s %s does not exist", what, res, record_id),
					 errdetail_internal("IT Glue said: %s", text)));
			break;
	}
	pg_unreachable();
}

/*
 * A write request: what is sent, and what names it in messages.
 */
typedef struct WriteCall
{
	ItgModifyState *ms;
	const char *method;
	const char *path;
	const char *body;
	const char *what;			/* "could not update IT Glue organization 5" */
	const char *record_id;		/* PATCH, DELETE: the record written */
	const char *record_name;	/* POST: the name sent, if any */
	bool		allow_404;		/* direct modify: 404 means no row */
	bool		allow_taken;	/* ON CONFLICT DO NOTHING */
} WriteCall;

/* How the rollback warning names a write of unknown outcome. */
static char *
unknown_label(WriteCall *call)
{
	if (call->record_id != NULL)
		return psprintf("%s (%s)", call->record_id, call->method);
	if (call->record_name != NULL)
		return psprintf("\"%s\" (%s)", call->record_name, call->method);
	return psprintf("a new record (%s)", call->method);
}

/*
 * raise_unknown_outcome
 *		The request was sent, and whether IT Glue carried it out cannot be
 *		told (cause says why).  Say so and how to check, and note it for the
 *		rollback warning.  Such a write is never sent again: it could run
 *		twice.
 */
static void
raise_unknown_outcome(WriteCall *call, ItgHttpRequest *req, const char *cause)
{
	ItgModifyState *ms = call->ms;
	const char *res = ms->opts->resource->singular;
	ErrorContextCallback errcb;

	cause = itg_safe_cstring(cause);	/* it may quote the answer */
	itg_xact_record_unknown(ms->opts->resource->name, unknown_label(call));
	ITG_PUSH_REQUEST_CONTEXT(errcb, req);
	if (ms->operation == CMD_INSERT && call->record_name != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_TRANSACTION_RESOLUTION_UNKNOWN),
				 errmsg("whether IT Glue created %s \"%s\" is unknown", res, call->record_name),
				 errdetail("%s", cause),
				 errhint("Look for %s \"%s\" in IT Glue before running the statement again. The request was not repeated, because IT Glue may already have carried it out.",
						 res, call->record_name)));
	if (ms->operation == CMD_INSERT)
		ereport(ERROR,
				(errcode(ERRCODE_TRANSACTION_RESOLUTION_UNKNOWN),
				 errmsg("whether IT Glue created the %s is unknown", res),
				 errdetail("%s", cause),
				 errhint("Look for the new %s in IT Glue before running the statement again. The request was not repeated, because IT Glue may already have carried it out.",
						 res)));
	if (ms->operation == CMD_UPDATE)
		ereport(ERROR,
				(errcode(ERRCODE_TRANSACTION_RESOLUTION_UNKNOWN),
				 errmsg("whether IT Glue changed %s %s is unknown", res, call->record_id),
				 errdetail("%s", cause),
				 errhint("Check %s %s in IT Glue before running the statement again. The request was not repeated, because IT Glue may already have carried it out.",
						 res, call->record_id)));
	ereport(ERROR,
			(errcode(ERRCODE_TRANSACTION_RESOLUTION_UNKNOWN),
			 errmsg("whether IT Glue deleted %s %s is unknown", res, call->record_id),
			 errdetail("%s", cause),
			 errhint("Check whether %s %s still exists in IT Glue before running the statement again. The request was not repeated, because IT Glue may already have carried it out.",
					 res, call->record_id)));
}

/* Are two ids the same record ("21" and "021" are)? */
static bool
same_id(const char *a, const char *b)
{
	char	   *end_a;
	char	   *end_b;
	long long	ia;
	long long	ib;

	if (strcmp(a, b) == 0)
		return true;
	errno = 0;
	ia = strtoll(a, &end_a, 10);
	ib = strtoll(b, &end_b, 10);
	return errno == 0 && end_a != a && *end_a == '\0' && end_b != b && *end_b == '\0' &&
		ia == ib;
}

/* Is this text an IT Glue id (a positive integer)? */
static bool
is_record_id(const char *id)
{
	if (*id == '\0')
		return false;
	for (const char *p = id; *p; p++)
		if (!isdigit((unsigned char) *p))
			return false;
	return true;
}

/*
 * answer_record
 *		IT Glue's answer to a successful write must be the record written:
 *		one resource object of the table's type, with the id written (PATCH,
 *		DELETE) or a new id (POST).  Anything else leaves the outcome unknown.
 */
static ItgRecord *
answer_record(WriteCall *call, ItgHttpRequest *req)
{
	ItgModifyState *ms = call->ms;
	const ItgResource *res = ms->opts->resource;
	size_t		len;
	const char *body = itg_http_body(req, &len);
	ItgPage		page;
	char		errbuf[256];
	ItgRecord  *rec;

	/* The bulk DELETE answers with a list of the deleted records. */
	if (!itg_parse_page(body, len, ms->attr_names, ms->nattr_names,
						ms->operation != CMD_DELETE, itg_palloc_alloc,
						CurrentMemoryContext, &page, errbuf, sizeof(errbuf)))
		raise_unknown_outcome(call, req,
							  psprintf(_("IT Glue's answer is not a record: %s."), errbuf));
	if (!itg_check_record_types(body, len, res->json_type, errbuf, sizeof(errbuf)))
		raise_unknown_outcome(call, req,
							  psprintf(_("IT Glue's answer is not a record of %s: %s."),
									   res->name, errbuf));
	if (page.nrecords != 1)
		raise_unknown_outcome(call, req,
							  psprintf(_("IT Glue's answer holds %d records instead of one."),
									   page.nrecords));
	rec = &page.records[0];
	if (call->record_id != NULL && !same_id(rec->id, call->record_id))
		raise_unknown_outcome(call, req,
							  psprintf(_("IT Glue answered with %s %s instead."),
									   res->singular, rec->id));
	if (!is_record_id(rec->id))
		raise_unknown_outcome(call, req,
							  psprintf(_("IT Glue's answer has the id \"%s\", which is not an IT Glue id."),
									   rec->id));
	return rec;
}

/* Note a successful write for messages and for the rollback warning. */
static void
record_done(ItgModifyState *ms, const char *id_text)
{
	MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(ms->done_ids.data));

	if (ms->ndone < 20)
		appendStringInfo(&ms->done_ids, "%s%s", ms->ndone > 0 ? ", " : "",
						 itg_safe_cstring(id_text));
	else if (ms->ndone == 20)
		appendStringInfoString(&ms->done_ids, " and more");
	ms->ndone++;
	MemoryContextSwitchTo(old);
	itg_xact_record_write(ms->operation == CMD_INSERT ? ITG_WRITE_CREATED :
						  ms->operation == CMD_UPDATE ? ITG_WRITE_CHANGED : ITG_WRITE_DELETED,
						  ms->opts->resource->name, (int64) strtoll(id_text, NULL, 10));
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

/*
 * read_full_record
 *		GET a record from the show route, which has every value whole.  NULL
 *		when it does not exist.
 */
static ItgRecord *
read_full_record(ItgModifyState *ms, const char *id)
{
	ItgHttpRequest *req = itg_http_start(ms->opts, "GET", record_path(ms, id), NULL, &ms->stats);
	ItgPage		page;
	ItgReadSpec spec = {
		.what = psprintf("could not read IT Glue %s %s", ms->opts->resource->singular, id),
		.attr_names = ms->attr_names,
		.nattrs = ms->nattr_names,
		.single_object = true,
		.one_record = true,
		.missing_ok = true,
	};

	itg_client_expect_json(req, ms->attr_names, ms->nattr_names, true);
	if (itg_client_read(req, &spec, CurrentMemoryContext, &page) == 404)
	{
		itg_http_release(req);
		return NULL;
	}
	if (!same_id(page.records[0].id, id))
		itg_client_raise_bad_answer(req, spec.what,
									psprintf("the answer is record %s",
											 itg_safe_cstring(page.records[0].id)));
	itg_http_release(req);
	return &page.records[0];
}

/*
 * reread_written_record
 *		read_full_record after a write that proved the record exists: if it
 *		is gone now, someone deleted it in between, and no value can be
 *		shown or checked; the write itself is already noted as done.
 */
static ItgRecord *
reread_written_record(ItgModifyState *ms, const char *id)
{
	ItgRecord  *full = read_full_record(ms, id);

	if (full == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("IT Glue %s %s was deleted before its whole values could be read back",
						ms->opts->resource->singular, itg_safe_cstring(id)),
				 errdetail("The write was carried out; reading the record again answered that it does not exist.")));
	return full;
}

/*
 * perform_write
 *		Send one write and check IT Glue's answer.  Returns the record IT Glue
 *		answered with, or NULL for an allowed 404 (direct modify: no such
 *		record) or taken name (ON CONFLICT DO NOTHING).  The write is noted as
 *		done as soon as the answer proves it, before anything else can fail.
 */
static ItgRecord *
perform_write(WriteCall *call)
{
	ItgModifyState *ms = call->ms;
	ItgHttpRequest *req;
	long		status;
	ItgRecord  *rec;

	req = itg_http_start(ms->opts, call->method, call->path, call->body, &ms->stats);
	itg_http_wait(req);
	switch (itg_http_write_outcome(req))
	{
		case ITG_OUTCOME_ANSWERED:
		case ITG_OUTCOME_NOT_SENT:
			break;
		case ITG_OUTCOME_TIMED_OUT:
			raise_unknown_outcome(call, req, _("The request timed out before IT Glue answered."));
			break;
		case ITG_OUTCOME_CONNECTION_LOST:
			raise_unknown_outcome(call, req, _("The connection was lost before IT Glue answered."));
			break;
		case ITG_OUTCOME_SERVER_ERROR:
			raise_unknown_outcome(call, req,
								  psprintf(_("IT Glue answered with a server error (HTTP %ld)."),
										   itg_http_status(req)));
			break;
		case ITG_OUTCOME_UNREADABLE:
			raise_unknown_outcome(call, req, _("IT Glue's answer was too large to read."));
			break;
	}

	status = itg_http_status(req);
	if (!itg_http_transport_ok(req) || status < 200 || status > 299)
	{
		if (call->allow_404 && itg_client_record_gone(req))
		{
			itg_http_release(req);
			return NULL;
		}
		if (itg_http_transport_ok(req) && status == 422 && call->allow_taken)
		{
			ItgApiError api;
			const ItgApiErrorRule *rule = itg_client_api_error(req, &api) ?
				itg_api_error_rule(status, api.all_text) : NULL;

			if (rule != NULL && rule->kind == ITG_APIERR_TAKEN)
			{
				itg_http_release(req);
				return NULL;
			}
		}
		raise_write_error(ms, req, call->what, call->record_id);
	}
	rec = answer_record(call, req);
	record_done(ms, rec->id);
	itg_http_release(req);

	/* RETURNING never shows a value the answer may have cut. */
	if (ms->returning_cut && ms->operation != CMD_DELETE &&
		itg_converter_record_cut(ms->conv, rec))
		rec = reread_written_record(ms, rec->id);
	return rec;
}

/*
 * rethrow_with_done
 *		In a PG_CATCH: if earlier rows of the statement were written, add to
 *		the error what IT Glue already has, then re-throw.
 */
static void
rethrow_with_done(ItgModifyState *ms, MemoryContext cxt)
{
	ErrorData  *edata;

	if (ms->ndone == 0)
		PG_RE_THROW();
	MemoryContextSwitchTo(cxt);
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

/*
 * verify_stored
 *		The write succeeded: make sure IT Glue kept every value sent (see
 *		writecheck.c).  attnos, values and nulls: the columns sent, in order.
 */
static void
verify_stored(ItgModifyState *ms, ItgRecord *rec, List *attnos, const Datum *values,
			  const bool *nulls)
{
	AttrNumber *attr_array = palloc(sizeof(AttrNumber) * Max(list_length(attnos), 1));
	int			n = 0;
	ListCell   *lc;

	foreach(lc, attnos)
		attr_array[n++] = lfirst_int(lc);
	/* An answer may cut quick-notes as a list does: compare with the whole record. */
	if (itg_answer_cut_sent_value(ms->cols, ms->conv, rec, attr_array, values, nulls, n))
		rec = reread_written_record(ms, rec->id);
	itg_verify_stored(ms->rel, ms->cols, ms->conv, rec, attr_array, values, nulls, n);
}

/* Put the record IT Glue answered with in the slot, for RETURNING. */
static void
fill_returning(ItgModifyState *ms, ItgRecord *rec, TupleTableSlot *slot)
{
	if (!ms->has_returning)
		return;
	ExecClearTuple(slot);
	itg_converter_fill(ms->conv, rec, slot->tts_values, slot->tts_isnull);
	ExecStoreVirtualTuple(slot);
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
	ItgTableMap    *cols = itg_table_columns(target_relation, opts->resource);
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
	return itg_updated_columns(root, rtindex);
}

/*
 * returning_reads_cut
 *		Does a RETURNING list read a value that a list response may cut (the
 *		whole row, the attributes object, quick-notes)?  A write's answer may
 *		be such a response, so those values are then read from the show
 *		route.  Any Var counts, whatever its relation: at worst one extra read.
 */
static bool
returning_reads_cut(ItgTableMap *cols, List *returning)
{
	ListCell   *lc;

	foreach(lc, pull_var_clause((Node *) returning, PVC_RECURSE_AGGREGATES |
								PVC_RECURSE_WINDOWFUNCS | PVC_RECURSE_PLACEHOLDERS))
	{
		Var		   *var = (Var *) lfirst(lc);
		const ItgTableColumn   *col;

		if (!IsA(var, Var) || var->varattno > cols->natts)
			continue;
		if (var->varattno == 0)
			return true;
		if (var->varattno < 0)
			continue;
		col = &cols->cols[var->varattno - 1];
		if (col->kind == ITG_COLKIND_ALL ||
			(col->def != NULL && col->def->list_cut_chars > 0))
			return true;
	}
	return false;
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
	ItgTableMap    *cols = itg_table_columns(rel, opts->resource);
	List	   *target_attrs = NIL;
	List	   *returning = NIL;
	bool		returning_cut;
	ItgModifyPlan modify_plan;

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
				reject_read_only(rel, cols, &cols->cols[attno - 1]);
			target_attrs = lappend_int(target_attrs, attno);
		}
	}
	if (plan->returningLists != NIL)
		returning = list_nth(plan->returningLists, subplan_index);
	returning_cut = returning_reads_cut(cols, returning);
	table_close(rel, NoLock);

	modify_plan.target_attrs = target_attrs;
	modify_plan.on_conflict_skip = plan->onConflictAction == ONCONFLICT_NOTHING;
	modify_plan.has_returning = returning != NIL;
	modify_plan.returning_cut = returning_cut;
	return modify_plan_to_list(&modify_plan);
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
	ItgModifyPlan plan;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	ms = palloc0(sizeof(ItgModifyState));
	init_modify_state(ms, rinfo->ri_RelationDesc,
					  itg_result_rel_userid(rinfo, estate),
					  mtstate->operation, estate->es_query_cxt);
	modify_plan_from_list(fdw_private, &plan);
	ms->target_attrs = plan.target_attrs;
	ms->on_conflict_skip = plan.on_conflict_skip;
	ms->has_returning = plan.has_returning;
	ms->returning_cut = plan.returning_cut;

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
 * itgBeginForeignInsert
 *		Rows that reach the table without a plan of its own: COPY FROM, and
 *		tuple routing into a foreign partition (INSERT into the partitioned
 *		table, or an UPDATE that moves a row into this partition).  As in
 *		postgres_fdw, each row is then inserted as by INSERT: one POST.
 */
void
itgBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;	/* NULL for COPY */
	EState	   *estate = mtstate->ps.state;
	Relation	rel = rinfo->ri_RelationDesc;
	ItgModifyState *ms;

	/*
	 * A partition the same UPDATE also updates would read the moved rows
	 * again later in the statement and update them a second time.
	 */
	if (plan != NULL && plan->operation == CMD_UPDATE &&
		(rinfo->ri_usesFdwDirectModify || rinfo->ri_FdwState != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot move rows into foreign table \"%s\" in an UPDATE that also updates it",
						RelationGetRelationName(rel)),
				 errhint("Add a condition on the partition key that leaves this partition out of the UPDATE.")));
	if (plan != NULL && plan->onConflictAction != ONCONFLICT_NONE &&
		plan->onConflictAction != ONCONFLICT_NOTHING)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("ON CONFLICT DO UPDATE is not supported for foreign table \"%s\"",
						RelationGetRelationName(rel))));

	ms = palloc0(sizeof(ItgModifyState));
	init_modify_state(ms, rel, itg_result_rel_userid(rinfo, estate), CMD_INSERT,
					  estate->es_query_cxt);
	/* The planner checked this for tables named in the statement, not here. */
	check_write_allowed(rel, ms->opts, CMD_INSERT);
	ms->on_conflict_skip = plan != NULL && plan->onConflictAction == ONCONFLICT_NOTHING;
	ms->has_returning = rinfo->ri_returningList != NIL;
	ms->returning_cut = returning_reads_cut(ms->cols, rinfo->ri_returningList);
	rinfo->ri_FdwState = ms;
}

/*
 * modify_state
 *		The state Begin set up for this operation.  A row cannot arrive
 *		without it; if one ever does, it is an error, not a crash.
 */
static ItgModifyState *
modify_state(ResultRelInfo *rinfo, CmdType operation)
{
	ItgModifyState *ms = (ItgModifyState *) rinfo->ri_FdwState;

	if (ms == NULL || ms->operation != operation)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("foreign table \"%s\" was not prepared for this %s",
						RelationGetRelationName(rinfo->ri_RelationDesc),
						operation == CMD_INSERT ? "INSERT" :
						operation == CMD_UPDATE ? "UPDATE" : "DELETE")));
	return ms;
}

/* Writes one row: insert_row, update_row or delete_row. */
typedef TupleTableSlot *(*RowWriter) (ItgModifyState *ms, TupleTableSlot *slot,
									  TupleTableSlot *planSlot);

/*
 * write_row
 *		Write one row with writer, in memory reset per row.  When it fails
 *		after earlier rows of the statement were written, the error says what
 *		IT Glue already has.
 */

static TupleTableSlot *
write_row(ResultRelInfo *rinfo, CmdType operation, RowWriter writer,
		  TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	ItgModifyState *ms = modify_state(rinfo, operation);
	MemoryContext old;
	TupleTableSlot *volatile result = NULL;
	TupleTableSlot *volatile row = slot;
	TupleTableSlot *volatile plan_row = planSlot;

	MemoryContextReset(ms->temp_cxt);
	old = MemoryContextSwitchTo(ms->temp_cxt);
	PG_TRY();
	{
		result = writer(ms, row, plan_row);
	}
	PG_CATCH();
	{
		rethrow_with_done(ms, old);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	return result;
}

/* POST one row; NULL when ON CONFLICT DO NOTHING skipped it. */
static TupleTableSlot *
insert_row(ItgModifyState *ms, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	ItgBodyAttr *attrs = palloc0(sizeof(ItgBodyAttr) * Max(ms->cols->natts, 1));
	Datum	   *sent_values = palloc(sizeof(Datum) * Max(ms->cols->natts, 1));
	bool	   *sent_nulls = palloc0(sizeof(bool) * Max(ms->cols->natts, 1));
	List	   *sent = NIL;
	int			nattrs = 0;
	WriteCall	call = {0};
	ItgRecord  *rec;

	slot_getallattrs(slot);
	for (int i = 0; i < ms->cols->natts; i++)
	{
		const ItgTableColumn   *col = &ms->cols->cols[i];

		if (col->kind == ITG_COLKIND_DROPPED || slot->tts_isnull[i])
			continue;			/* unset columns keep IT Glue's defaults */
		if (column_read_only(col))
			reject_read_only(ms->rel, ms->cols, col);
		datum_to_attr(col, slot->tts_values[i], false, &attrs[nattrs]);
		if (strcmp(attrs[nattrs].name, "name") == 0 && attrs[nattrs].kind == ITG_JSON_STRING)
			call.record_name = attrs[nattrs].text;
		sent_values[nattrs] = slot->tts_values[i];
		sent = lappend_int(sent, col->attnum);
		nattrs++;
	}

	call.ms = ms;
	call.method = "POST";
	call.path = ms->opts->resource->path;
	call.body = build_body(ms, attrs, nattrs, false);
	call.what = psprintf("could not create IT Glue %s", ms->opts->resource->singular);
	call.allow_taken = ms->on_conflict_skip;
	rec = perform_write(&call);
	if (rec == NULL)
		return NULL;			/* ON CONFLICT DO NOTHING: skipped */
	verify_stored(ms, rec, sent, sent_values, sent_nulls);
	fill_returning(ms, rec, slot);
	return slot;
}

/*
 * itgExecForeignInsert
 *		POST one record; RETURNING gets what IT Glue stored.
 */
TupleTableSlot *
itgExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
					 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	return write_row(rinfo, CMD_INSERT, insert_row, slot, planSlot);
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

/* The PATCH of one record with these values of the assigned columns. */
static void
patch_call(WriteCall *call, ItgModifyState *ms, const char *id, Datum *values, bool *nulls)
{
	call->ms = ms;
	call->method = "PATCH";
	call->path = record_path(ms, id);
	call->body = patch_body(ms, ms->target_attrs, values, nulls);
	call->what = psprintf("could not update IT Glue %s %s", ms->opts->resource->singular, id);
	call->record_id = id;
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

/* IT Glue deletes only through the bulk route: DELETE with one id. */
static void
delete_call(WriteCall *call, ItgModifyState *ms, const char *id)
{
	call->ms = ms;
	call->method = "DELETE";
	call->path = ms->opts->resource->path;
	call->body = delete_body(ms, id);
	call->what = psprintf("could not delete IT Glue %s %s", ms->opts->resource->singular, id);
	call->record_id = id;
}

/* PATCH one row with the assigned columns only. */
static TupleTableSlot *
update_row(ItgModifyState *ms, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	int			n = list_length(ms->target_attrs);
	Datum	   *values = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(n, 1));
	WriteCall	call = {0};
	ItgRecord  *rec;
	ListCell   *lc;
	int			i = 0;

	slot_getallattrs(slot);
	foreach(lc, ms->target_attrs)
	{
		values[i] = slot->tts_values[lfirst_int(lc) - 1];
		nulls[i] = slot->tts_isnull[lfirst_int(lc) - 1];
		i++;
	}
	patch_call(&call, ms, row_id_text(ms, planSlot), values, nulls);
	rec = perform_write(&call);
	verify_stored(ms, rec, ms->target_attrs, values, nulls);
	fill_returning(ms, rec, slot);
	return slot;
}

TupleTableSlot *
itgExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
					 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	return write_row(rinfo, CMD_UPDATE, update_row, slot, planSlot);
}

/* DELETE one row; RETURNING gets the record IT Glue deleted. */
static TupleTableSlot *
delete_row(ItgModifyState *ms, TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	WriteCall	call = {0};
	char	   *id = row_id_text(ms, planSlot);
	ItgRecord  *before = NULL;
	ItgRecord  *answer;

	/*
	 * The bulk DELETE answers like a list, which may cut values, and the
	 * record cannot be read again afterwards: read it whole first.
	 */
	if (ms->returning_cut)
		before = read_full_record(ms, id);
	delete_call(&call, ms, id);
	answer = perform_write(&call);
	fill_returning(ms, before != NULL ? before : answer, slot);
	return slot;
}

TupleTableSlot *
itgExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
					 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	return write_row(rinfo, CMD_DELETE, delete_row, slot, planSlot);
}

/* Also EndForeignInsert: the state is the same. */
void
itgEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	ItgModifyState *ms = (ItgModifyState *) rinfo->ri_FdwState;

	if (ms != NULL)
	{
		MemoryContextDelete(ms->temp_cxt);
		rinfo->ri_FdwState = NULL;
	}
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
	ItgScanPlan scan_plan;
	List	   *items;
	ItgFilterItem item;
	Expr	   *id_expr;
	RangeTblEntry *rte;
	Relation	rel;
	ItgOptions *opts;
	ItgTableMap    *cols;
	List	   *processed_tlist = NIL;
	List	   *target_attrs = NIL;
	List	   *exprs;
	ListCell   *lc;
	ListCell   *lc2;
	StringInfoData explain;
	ItgDirectPlan direct_plan;

	if (operation != CMD_UPDATE && operation != CMD_DELETE)
		return false;
	if (plan->returningLists != NIL)
		return false;
	fscan = find_modifytable_subplan(plan, resultRelation);
	if (fscan == NULL || list_length(fscan->scan.plan.qual) != 1)
		return false;

	/* Exactly one condition, and it is "id = one value". */
	itg_scan_plan_from_list(fscan->fdw_private, &scan_plan);
	items = scan_plan.items;
	if (list_length(items) != 1)
		return false;
	item = itg_filter_item(linitial(items));
	if (item.kind != ITG_FK_IN || strcmp(item.key, "id") != 0)
		return false;
	id_expr = list_nth(fscan->fdw_exprs, item.expr_index);
	if (type_is_array(exprType((Node *) id_expr)))
		return false;

	rte = planner_rt_fetch(resultRelation, root);
	rel = table_open(rte->relid, NoLock);
	opts = itg_get_options(rte->relid, GetUserId(), false);
	cols = itg_table_columns(rel, opts->resource);
	check_write_allowed(rel, opts, operation);
	if (cols->cols[item.attno - 1].kind != ITG_COLKIND_ID)
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
				reject_read_only(rel, cols, &cols->cols[attno - 1]);
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
	direct_plan.target_attrs = target_attrs;
	direct_plan.explain = explain.data;
	direct_plan.set_processed = plan->canSetTag;
	fscan->fdw_private = direct_plan_to_list(&direct_plan);
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
	ItgDirectPlan plan;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	ds = palloc0(sizeof(ItgDirectState));
	init_modify_state(&ds->ms, node->ss.ss_currentRelation,
					  itg_scan_userid(fsplan, estate), fsplan->operation,
					  estate->es_query_cxt);
	direct_plan_from_list(fsplan->fdw_private, &plan);
	ds->ms.target_attrs = plan.target_attrs;
	ds->set_processed = plan.set_processed;
	ds->exprs = ExecInitExprList(fsplan->fdw_exprs, (PlanState *) node);
	/* Set last: the other callbacks take a state as complete. */
	node->fdw_state = ds;
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
	ItgModifyState *ms;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	EState	   *estate = node->ss.ps.state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	if (ds == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("foreign table \"%s\" was not prepared for this statement",
						RelationGetRelationName(node->ss.ss_currentRelation))));
	ms = &ds->ms;
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
		ItgRecord  *rec;
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

		if (ms->operation == CMD_UPDATE)
			patch_call(&call, ms, id, values, nulls);
		else
			delete_call(&call, ms, id);
		call.allow_404 = true;
		rec = perform_write(&call);
		if (rec != NULL)
		{
			MemoryContext cxt = CurrentMemoryContext;

			ds->processed = 1;
			if (ms->operation == CMD_UPDATE)
			{
				PG_TRY();
				{
					verify_stored(ms, rec, ms->target_attrs, values, nulls);
				}
				PG_CATCH();
				{
					rethrow_with_done(ms, cxt);
				}
				PG_END_TRY();
			}
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
	{
		MemoryContextDelete(ds->ms.temp_cxt);
		node->fdw_state = NULL;
	}
}

void
itgExplainDirectModify(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	ItgDirectState *ds = (ItgDirectState *) node->fdw_state;

	if (es->verbose)
	{
		ItgDirectPlan plan;

		direct_plan_from_list(fsplan->fdw_private, &plan);
		ExplainPropertyText("IT Glue Request", plan.explain, es);
	}
	if (es->analyze && ds != NULL)
	{
		ExplainPropertyInteger("IT Glue Requests", NULL, ds->ms.stats.requests, es);
		ExplainPropertyInteger("IT Glue Retries", NULL, ds->ms.stats.retries, es);
	}
}

/* ---------- statements that write to IT Glue ---------- */

/* Is this relation a foreign table of this FDW? */
static bool
is_itglue_table(Oid relid)
{
	return get_rel_relkind(relid) == RELKIND_FOREIGN_TABLE &&
		GetFdwRoutineByRelId(relid)->ExecForeignInsert == itgExecForeignInsert;
}

/*
 * itg_statement_writes_itglue
 *		Does the statement being run write to IT Glue: a foreign table of
 *		this FDW, or a partitioned table with one among its partitions, as a
 *		target anywhere in the plan (CTEs included)?  The scans of such a
 *		statement read values a list may cut in full, whatever
 *		refetch_truncated says: a cut value must neither choose the records
 *		written nor be written back.
 */
bool
itg_statement_writes_itglue(EState *estate)
{
	PlannedStmt *stmt = estate->es_plannedstmt;
	ListCell   *lc;

	if (stmt == NULL)
		return false;
	foreach(lc, stmt->resultRelations)
	{
		Oid			relid = exec_rt_fetch(lfirst_int(lc), estate)->relid;
		ListCell   *lc2;

		if (is_itglue_table(relid))
			return true;
		if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
			continue;
		foreach(lc2, find_all_inheritors(relid, NoLock, NULL))
			if (is_itglue_table(lfirst_oid(lc2)))
				return true;
	}
	return false;
}
