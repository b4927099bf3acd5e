/*-------------------------------------------------------------------------
 *
 * deparse.c
 *		Which WHERE conditions can go to the IT Glue API, and the text of the
 *		requests (what is sent, and what EXPLAIN shows).
 *
 * Design rules:
 *	- An allow-list decides: only "column op value" where the column has a
 *	  documented filter in the resource table, the operator is the plain
 *	  equality / inequality / ordering of integers, text or timestamptz, and
 *	  the value is a Const or a Param (prepared statements, nested loops).
 *	- Every condition is still checked locally.  IT Glue ignores filter
 *	  keys it does not know and may match names loosely, so a filter can
 *	  only narrow what is fetched; the local check decides the rows.
 *	- A filter never drops a row the SQL condition keeps: values that the
 *	  API could read differently (a name with a backslash) are not pushed.
 *	- Values are known only at execution (Params), so the plan carries
 *	  filter items pointing into fdw_exprs; the query string is built when
 *	  the scan starts, and EXPLAIN shows Params as $n.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "it_glue_fdw.h"

/* Keep each request's URL comfortably below common proxy limits. */
#define ITG_MAX_QUERY_LEN 2000

/* Is this a plain integer or text type we can print as a filter value? */
static bool
is_int_type(Oid t)
{
	return t == INT2OID || t == INT4OID || t == INT8OID;
}

static bool
is_text_type(Oid t)
{
	return t == TEXTOID || t == VARCHAROID;
}

/* Strip implicit casts that do not change the value (varchar -> text). */
static Expr *
strip_relabel(Expr *e)
{
	while (e && IsA(e, RelabelType))
		e = ((RelabelType *) e)->arg;
	return e;
}

/* A Var of this relation (no outer references)? */
static Var *
own_var(Expr *e, RelOptInfo *baserel)
{
	e = strip_relabel(e);
	if (e && IsA(e, Var) &&
		(Index) ((Var *) e)->varno == baserel->relid &&
		((Var *) e)->varlevelsup == 0 &&
		((Var *) e)->varattno > 0)
		return (Var *) e;
	return NULL;
}

/* Does the expression read this relation (or something we cannot tell)? */
static bool
references_rel_walker(Node *node, Index *relid)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
		return (Index) ((Var *) node)->varno == *relid && ((Var *) node)->varlevelsup == 0;
	if (IsA(node, PlaceHolderVar))
		return true;			/* could stand for anything: stay local */
	return expression_tree_walker(node, references_rel_walker, relid);
}

/*
 * A value the scan can evaluate before sending a request: an expression
 * that does not read this relation and gives one answer per execution or
 * per outer row: Consts, Params (prepared statements, sub-selects, lateral
 * references), stable functions of them, and in a parameterized path the
 * outer relation's columns (which become Params when the plan is made).
 */
static bool
is_value_expr(Expr *e, RelOptInfo *baserel)
{
	Index		relid = baserel->relid;

	e = strip_relabel(e);
	if (e == NULL)
		return false;
	if (IsA(e, Const) || IsA(e, Param))
		return true;
	return !references_rel_walker((Node *) e, &relid) &&
		!contain_volatile_functions((Node *) e) &&
		!contain_subplans((Node *) e) &&
		!contain_agg_clause((Node *) e) &&
		!contain_window_function((Node *) e) &&
		!expression_returns_set((Node *) e);
}

/* Commute "value op column" into "column op' value" for ordering ops. */
static const char *
commute_opname(const char *name)
{
	if (strcmp(name, "<") == 0)
		return ">";
	if (strcmp(name, ">") == 0)
		return "<";
	if (strcmp(name, "<=") == 0)
		return ">=";
	if (strcmp(name, ">=") == 0)
		return "<=";
	return name;
}

/*
 * operator_ok
 *		Is opno a built-in operator named opname whose inputs are both of the
 *		given family (integers, text, or timestamptz)?
 */
static bool
operator_ok(Oid opno, const char *opname, Oid ltype, Oid rtype, Oid coltype)
{
	HeapTuple	tup;
	Form_pg_operator op;
	bool		ok;

	if (opno >= FirstNormalObjectId)
		return false;			/* user-defined operators could mean anything */
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	if (!HeapTupleIsValid(tup))
		return false;
	op = (Form_pg_operator) GETSTRUCT(tup);
	ok = strcmp(NameStr(op->oprname), opname) == 0;
	ReleaseSysCache(tup);
	if (!ok)
		return false;

	if (is_int_type(coltype))
		return is_int_type(ltype) && is_int_type(rtype);
	if (is_text_type(coltype))
		return is_text_type(ltype) && is_text_type(rtype);
	if (coltype == TIMESTAMPTZOID)
		return ltype == TIMESTAMPTZOID && rtype == TIMESTAMPTZOID;
	return false;
}

/* Index of expr in *exprs, appending it when new. */
static int
expr_index(List **exprs, Expr *e)
{
	int			i = 0;
	ListCell   *lc;

	foreach(lc, *exprs)
	{
		if (equal(lfirst(lc), e))
			return i;
		i++;
	}
	*exprs = lappend(*exprs, e);
	return i;
}

/*
 * The one place a filter item is turned into the List that fdw_private
 * carries (copyObject-able nodes only) ...
 */
static List *
make_item(const char *key, ItgFilterKind kind, int expr_idx, AttrNumber attno,
		  const char *lookup_resource)
{
	return lappend(list_make4(makeString(pstrdup(key)), makeInteger(kind),
							  makeInteger(expr_idx), makeInteger(attno)),
				   makeString(pstrdup(lookup_resource ? lookup_resource : "")));
}

/* ... and the one place it is read back. */
ItgFilterItem
itg_filter_item(const List *node)
{
	ItgFilterItem item;

	Assert(list_length(node) == 5);
	item.key = strVal(linitial(node));
	item.kind = (ItgFilterKind) intVal(lsecond(node));
	item.expr_index = intVal(lthird(node));
	item.attno = (AttrNumber) intVal(lfourth(node));
	item.lookup_resource = strVal(list_nth(node, 4));
	return item;
}

/* Has some earlier item already claimed this key with this kind family? */
static bool
have_item(List *items, const char *key, ItgFilterKind kind)
{
	ListCell   *lc;

	foreach(lc, items)
	{
		ItgFilterItem item = itg_filter_item(lfirst(lc));

		if (strcmp(item.key, key) == 0 && item.kind == kind)
			return true;
	}
	return false;
}

/* How far a clause went to the API (classify_one). */
typedef enum ItgPushResult
{
	ITG_NOT_PUSHED,
	ITG_PUSHED_LOOSE,
	ITG_PUSHED_EXACT
} ItgPushResult;

/*
 * or_as_any
 *		"col = a OR col = b OR ..." on one column, with values of one type,
 *		rewritten as "col = ANY (ARRAY[a, b, ...])" so that it can go out as
 *		one comma-separated filter.  NULL when the OR is not of that shape.
 */
static Expr *
or_as_any(BoolExpr *or, RelOptInfo *baserel)
{
	Var		   *var = NULL;
	Oid			opno = InvalidOid;
	Oid			value_type = InvalidOid;
	List	   *values = NIL;
	ListCell   *lc;
	ArrayExpr  *arr;
	ScalarArrayOpExpr *sa;

	foreach(lc, or->args)
	{
		OpExpr	   *op = lfirst(lc);
		Var		   *v;
		Expr	   *value;
		Oid			this_opno;

		if (!IsA(op, OpExpr) || list_length(op->args) != 2)
			return NULL;
		if ((v = own_var(linitial(op->args), baserel)) != NULL &&
			is_value_expr(lsecond(op->args), baserel))
		{
			value = strip_relabel(lsecond(op->args));
			this_opno = op->opno;
		}
		else if ((v = own_var(lsecond(op->args), baserel)) != NULL &&
				 is_value_expr(linitial(op->args), baserel))
		{
			/* "7 = id": the column goes first, so use the commutator. */
			value = strip_relabel(linitial(op->args));
			this_opno = get_commutator(op->opno);
		}
		else
			return NULL;
		if (var == NULL)
		{
			var = v;
			opno = this_opno;
			value_type = exprType((Node *) value);
		}
		else if (v->varattno != var->varattno || this_opno != opno ||
				 exprType((Node *) value) != value_type)
			return NULL;
		values = lappend(values, value);
	}
	if (var == NULL || !OidIsValid(get_array_type(value_type)))
		return NULL;

	arr = makeNode(ArrayExpr);
	arr->array_typeid = get_array_type(value_type);
	arr->element_typeid = value_type;
	arr->elements = values;
	arr->multidims = false;
	arr->location = -1;

	if (!OidIsValid(opno))
		return NULL;
	sa = makeNode(ScalarArrayOpExpr);
	sa->opno = opno;
	sa->opfuncid = get_opcode(opno);
	sa->useOr = true;
	sa->inputcollid = exprCollation((Node *) var);
	/* Constant elements fold into one array Const (EXPLAIN shows it). */
	sa->args = list_make2(var, eval_const_expressions(NULL, (Node *) arr));
	sa->location = -1;
	return (Expr *) sa;
}

/*
 * classify_one
 *		If the clause can narrow the API request, append a filter item.
 *		Returns ITG_PUSHED_EXACT when the API answers it exactly as SQL
 *		would, ITG_PUSHED_LOOSE when it only narrows the request, and
 *		ITG_NOT_PUSHED.  (Every clause is checked locally anyway.)
 */
static ItgPushResult
classify_one(RelOptInfo *baserel, ItgTableMap *cols, Expr *clause,
			 List **items, List **exprs)
{
	Var		   *var = NULL;
	Expr	   *value = NULL;
	const char *opname = NULL;
	Oid			opno;
	Oid			ltype;
	Oid			rtype;
	Oid			collation;
	bool		is_array = false;
	bool		use_or = true;
	const ItgTableColumn   *col;
	const ItgColumnDef *def;
	const ItgLookupDef *lookup = NULL;
	ItgFilterKind kind;
	const char *key;

	if (is_orclause(clause))
	{
		clause = or_as_any((BoolExpr *) clause, baserel);
		if (clause == NULL)
			return ITG_NOT_PUSHED;
	}

	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Expr	   *l;
		Expr	   *r;

		if (list_length(op->args) != 2)
			return ITG_NOT_PUSHED;
		l = linitial(op->args);
		r = lsecond(op->args);
		opno = op->opno;
		opname = get_opname(opno);
		if (opname == NULL)
			return ITG_NOT_PUSHED;
		if ((var = own_var(l, baserel)) != NULL && is_value_expr(r, baserel))
			value = r;
		else if ((var = own_var(r, baserel)) != NULL && is_value_expr(l, baserel))
		{
			value = l;
			opname = commute_opname(opname);
		}
		else
			return ITG_NOT_PUSHED;
		ltype = exprType((Node *) strip_relabel(l));
		rtype = exprType((Node *) strip_relabel(r));
		collation = op->inputcollid;
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;
		Expr	   *r;

		if (list_length(sa->args) != 2)
			return ITG_NOT_PUSHED;
		var = own_var(linitial(sa->args), baserel);
		r = lsecond(sa->args);
		if (var == NULL || !is_value_expr(r, baserel))
			return ITG_NOT_PUSHED;
		opno = sa->opno;
		opname = get_opname(opno);
		if (opname == NULL)
			return ITG_NOT_PUSHED;
		value = r;
		is_array = true;
		use_or = sa->useOr;
		ltype = exprType((Node *) strip_relabel(linitial(sa->args)));
		rtype = get_element_type(exprType((Node *) strip_relabel(r)));
		collation = sa->inputcollid;
	}
	else
		return ITG_NOT_PUSHED;

	if (var->varattno > cols->natts)
		return ITG_NOT_PUSHED;
	col = &cols->cols[var->varattno - 1];
	def = col->def;
	if (def == NULL || col->kind == ITG_COLKIND_DROPPED)
		return ITG_NOT_PUSHED;
	if (def->filter_key == NULL)
	{
		/* A name column IT Glue can filter by through its id column. */
		lookup = def->lookup;
		if (lookup == NULL)
			return ITG_NOT_PUSHED;
	}
	if (!operator_ok(opno, opname, ltype, rtype, col->type_oid))
		return ITG_NOT_PUSHED;
	/* Under a nondeterministic collation, = is not byte equality: stay local. */
	if (OidIsValid(collation) && !get_collation_isdeterministic(collation))
		return ITG_NOT_PUSHED;

	key = lookup ? lookup->id_filter_key : def->filter_key;
	if (lookup != NULL)
	{
		/* Names resolve to ids exactly (compared locally), so both are exact. */
		if (strcmp(opname, "=") == 0 && use_or)
			kind = ITG_FK_LOOKUP_IN;
		else if (strcmp(opname, "<>") == 0 && (!is_array || !use_or))
			kind = ITG_FK_LOOKUP_EXCLUDE;
		else
			return ITG_NOT_PUSHED;
		if (kind == ITG_FK_LOOKUP_IN && (have_item(*items, key, ITG_FK_IN) ||
										 have_item(*items, key, ITG_FK_LOOKUP_IN)))
			return ITG_NOT_PUSHED;
		/* Its value is replaced by ids at execution: never share the slot. */
		*exprs = lappend(*exprs, strip_relabel(value));
		*items = lappend(*items, make_item(key, kind, list_length(*exprs) - 1,
										   var->varattno, lookup->lookup_resource));
		return ITG_PUSHED_EXACT;
	}

	if (def->flags & ITG_COL_SHOW_ONLY)
	{
		/* Only "id = value": the show route; never exact for count or LIMIT. */
		if (strcmp(opname, "=") != 0 || is_array || have_item(*items, key, ITG_FK_IN))
			return ITG_NOT_PUSHED;
		*items = lappend(*items, make_item(key, ITG_FK_IN,
										   expr_index(exprs, strip_relabel(value)),
										   var->varattno, NULL));
		return ITG_PUSHED_LOOSE;
	}
	if (strcmp(opname, "=") == 0 && use_or && (def->flags & ITG_COL_FILTER_EQ))
		kind = ITG_FK_IN;
	else if (strcmp(opname, "<>") == 0 && (!is_array || !use_or) &&
			 (def->flags & ITG_COL_FILTER_EXCLUDE))
		kind = ITG_FK_EXCLUDE;
	else if ((def->flags & ITG_COL_FILTER_RANGE) && !is_array &&
			 (strcmp(opname, ">=") == 0 || strcmp(opname, ">") == 0))
		kind = ITG_FK_LOWER;
	else if ((def->flags & ITG_COL_FILTER_RANGE) && !is_array &&
			 (strcmp(opname, "<=") == 0 || strcmp(opname, "<") == 0))
		kind = ITG_FK_UPPER;
	else if ((def->flags & ITG_COL_FILTER_RANGE) && !is_array && strcmp(opname, "=") == 0)
	{
		/* ts = v is the range v..v */
		int			idx = expr_index(exprs, strip_relabel(value));

		if (have_item(*items, key, ITG_FK_LOWER) || have_item(*items, key, ITG_FK_UPPER))
			return ITG_NOT_PUSHED;
		*items = lappend(*items, make_item(key, ITG_FK_LOWER, idx, var->varattno, NULL));
		*items = lappend(*items, make_item(key, ITG_FK_UPPER, idx, var->varattno, NULL));
		return ITG_PUSHED_LOOSE;
	}
	else
		return ITG_NOT_PUSHED;

	/*
	 * The API can AND different keys but not two lists on one key: only the
	 * first IN list or bound per key is sent (the others stay local), while
	 * exclusions on one key simply add up.
	 */
	if (kind != ITG_FK_EXCLUDE &&
		(have_item(*items, key, kind) ||
		 (kind == ITG_FK_IN && have_item(*items, key, ITG_FK_LOOKUP_IN))))
		return ITG_NOT_PUSHED;

	*items = lappend(*items, make_item(key, kind, expr_index(exprs, strip_relabel(value)),
									   var->varattno, NULL));

	/* Ranges are inclusive and whole seconds, so never exactly SQL's. */
	if ((kind == ITG_FK_IN || kind == ITG_FK_EXCLUDE) && (def->flags & ITG_COL_FILTER_EXACT))
		return ITG_PUSHED_EXACT;
	return ITG_PUSHED_LOOSE;
}

/*
 * itg_classify_conditions
 *		Turn the pushable conditions into filter items (see ItgFilterKind)
 *		whose values are expressions in *exprs.  A psa_id filter is dropped
 *		unless psa_integration_type is filtered too (the API requires both).
 *		*all_exact tells whether the API alone answers every condition
 *		exactly as SQL does (then LIMIT and count(*) may rely on it).
 */
List *
itg_classify_conditions(RelOptInfo *baserel, ItgTableMap *cols, List *conds,
						List **exprs, bool *all_exact)
{
	List	   *items = NIL;
	ListCell   *lc;
	bool		have_psa_type = false;
	List	   *result = NIL;
	bool		exact = true;

	foreach(lc, conds)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (classify_one(baserel, cols, ri->clause, &items, exprs) != ITG_PUSHED_EXACT)
			exact = false;
	}

	foreach(lc, items)
	{
		ItgFilterItem item = itg_filter_item(lfirst(lc));
		const ItgTableColumn   *col = &cols->cols[item.attno - 1];

		if (col->def && (col->def->flags & ITG_COL_PSA_TYPE) &&
			item.kind == ITG_FK_IN)
			have_psa_type = true;
	}
	foreach(lc, items)
	{
		List	   *node = lfirst(lc);
		const ItgTableColumn   *col = &cols->cols[itg_filter_item(node).attno - 1];

		if (col->def && (col->def->flags & ITG_COL_PSA_ID) && !have_psa_type)
		{
			exact = false;
			continue;
		}
		result = lappend(result, node);
	}
	if (all_exact)
		*all_exact = exact;
	return result;
}

/* ---------- building the query string ---------- */

/*
 * itg_append_encoded
 *		Percent-encode a query value: everything but RFC 3986 unreserved
 *		characters, so commas, brackets, '&', '+' and '#' survive intact.
 */
void
itg_append_encoded(StringInfo buf, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~')
			appendStringInfoChar(buf, (char) *p);
		else
		{
			appendStringInfoChar(buf, '%');
			appendStringInfoChar(buf, hex[*p >> 4]);
			appendStringInfoChar(buf, hex[*p & 15]);
		}
	}
}

/* A timestamptz as the API's UTC form; round_up for an upper bound. */
static char *
format_utc(TimestampTz ts, bool round_up)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (TIMESTAMP_NOT_FINITE(ts))
		return NULL;
	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		return NULL;
	if (round_up && fsec > 0)
	{
		ts += USECS_PER_SEC - fsec;
		if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
			return NULL;
	}
	if (tm.tm_year < 1 || tm.tm_year > 9999)
		return NULL;
	return psprintf("%04d-%02d-%02dT%02d:%02d:%02dZ",
					tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * itg_value_texts
 *		The evaluated value of one item as a list of C strings (arrays give
 *		one per element; NULL elements are left out and reported).
 */
List *
itg_value_texts(const ItgFilterValue *v, bool *has_null)
{
	List	   *out = NIL;
	Oid			outfunc;
	bool		varlena;

	*has_null = false;
	if (v->isnull)
	{
		*has_null = true;
		return NIL;
	}
	if (OidIsValid(get_element_type(v->type)) && type_is_array(v->type))
	{
		ArrayType  *arr = DatumGetArrayTypeP(v->value);
		Oid			elemtype = ARR_ELEMTYPE(arr);
		int16		elmlen;
		bool		elmbyval;
		char		elmalign;
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		get_typlenbyvalalign(elemtype, &elmlen, &elmbyval, &elmalign);
		deconstruct_array(arr, elemtype, elmlen, elmbyval, elmalign, &elems, &nulls, &n);
		getTypeOutputInfo(elemtype, &outfunc, &varlena);
		for (int i = 0; i < n; i++)
		{
			if (nulls[i])
			{
				*has_null = true;
				continue;
			}
			out = lappend(out, OidOutputFunctionCall(outfunc, elems[i]));
		}
		return out;
	}
	getTypeOutputInfo(v->type, &outfunc, &varlena);
	return list_make1(OidOutputFunctionCall(outfunc, v->value));
}

/* Append "filter[key]=" with the key's brackets left raw, as IT Glue expects. */
static void
append_key(StringInfo buf, const char *prefix, const char *key)
{
	appendStringInfo(buf, "%sfilter%s[%s]=", buf->len > 0 ? "&" : "", prefix, key);
}

/* Backslash-escape commas, the API's list separator. */
static char *
escape_commas(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const char *p = s; *p; p++)
	{
		if (*p == ',')
			appendStringInfoChar(&buf, '\\');
		appendStringInfoChar(&buf, *p);
	}
	return buf.data;
}

static List *
dedupe_strings(List *values)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, values)
	{
		ListCell   *lc2;
		bool		seen = false;

		foreach(lc2, out)
			if (strcmp(lfirst(lc2), lfirst(lc)) == 0)
				seen = true;
		if (!seen)
			out = lappend(out, lfirst(lc));
	}
	return out;
}

/* One filter parameter of a request, before the query string is put together. */
typedef struct FilterParam
{
	char	   *text;			/* "filter[key]=v1,v2" (values encoded) */
	const char *key;			/* for a list that may be split */
	List	   *values;			/* its values, unescaped (the type's output) */
	List	   *escaped;		/* its values as sent: commas escaped */
	AttrNumber	attno;			/* the column it filters */
	bool		list;			/* an IN or NOT IN list (may be left out) */
	bool		splittable;		/* an IN list a scan can check record by record */
	bool		exact;			/* the API matches it exactly */
} FilterParam;

/* "filter[prefix][key]=" then the encoded values, comma-separated. */
static char *
param_text(const char *prefix, const char *key, List *escaped)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfo(&buf, "filter%s[%s]=", prefix, key);
	foreach(lc, escaped)
	{
		if (lc != list_head(escaped))
			appendStringInfoChar(&buf, ',');
		itg_append_encoded(&buf, lfirst(lc));
	}
	return buf.data;
}

static int
cmp_cstring(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* A request whose records are accepted only when column attno is in values. */
static ItgRequestPart *
make_part(const char *filters, AttrNumber attno, List *values)
{
	ItgRequestPart *part = palloc0(sizeof(ItgRequestPart));
	ListCell   *lc;

	part->filters = pstrdup(filters);
	part->split_attno = attno;
	if (attno != InvalidAttrNumber)
	{
		part->values = palloc(sizeof(char *) * list_length(values));
		foreach(lc, values)
			part->values[part->nvalues++] = lfirst(lc);
		qsort(part->values, part->nvalues, sizeof(char *), cmp_cstring);
	}
	return part;
}

/*
 * itg_part_accepts
 *		Did this part of a split request ask for a record whose split column
 *		has this value (its type's output text)?  Parts of one scan ask for
 *		disjoint values, so a record is accepted by one part at most.
 */
bool
itg_part_accepts(const ItgRequestPart *part, const char *value_text)
{
	if (part->split_attno == InvalidAttrNumber)
		return true;
	return bsearch(&value_text, part->values, part->nvalues, sizeof(char *),
				   cmp_cstring) != NULL;
}

/*
 * itg_build_requests
 *		The request(s) for evaluated filter values: a list of ItgRequestPart.
 *
 * Returns more than one part when the filters do not fit one request of
 * ITG_MAX_QUERY_LEN characters: one IN list is then split over the parts,
 * each asking for a disjoint share of its values, and each part accepts only
 * the records whose value is in its own share (itg_part_accepts).  So even
 * when IT Glue ignores or loosens that filter, and every part returns every
 * record, no record comes out of two parts.  Other lists that would make the
 * requests too long are not sent (they are checked locally like every
 * condition).  Status and type names resolved to ids are never split: the
 * scan cannot check those ids on a record.
 *
 * Returns NIL with *no_rows when the conditions can match nothing (a NULL
 * value, an empty IN list), so no request need be sent at all.  *show_id is
 * set when a single id is asked for, so GET /resource/:id can be used.
 */
List *
itg_build_requests(ItgTableMap *cols, List *items, ItgFilterValue *values,
				   bool skip_ranges, bool *no_rows, char **show_id)
{
	FilterParam *params = palloc0(sizeof(FilterParam) * (list_length(items) + 1));
	int			nparams = 0;
	FilterParam *split = NULL;	/* the list split over the parts */
	FilterParam *last = NULL;	/* the list placed last */
	StringInfoData fixed;
	List	   *result = NIL;
	ListCell   *lc;
	/* One range per column at most, so never more ranges than items. */
	int			max_ranges = list_length(items);
	char	  **lower = palloc0(sizeof(char *) * (max_ranges + 1));
	char	  **upper = palloc0(sizeof(char *) * (max_ranges + 1));
	const char **range_keys = palloc0(sizeof(char *) * (max_ranges + 1));
	int			nranges = 0;
	int			total_len = 0;
	char	   *show_only_id = NULL;
	bool		one_each = false;	/* split one value per request */

	*no_rows = false;
	*show_id = NULL;

	foreach(lc, items)
	{
		ItgFilterItem item = itg_filter_item(lfirst(lc));
		const char *key = item.key;
		ItgFilterKind kind = item.kind;
		ItgFilterValue *v = &values[item.expr_index];
		const ItgTableColumn   *col = &cols->cols[item.attno - 1];
		bool		lookup = ITG_FK_IS_LOOKUP(kind);
		bool		has_null;
		List	   *texts;
		List	   *escaped = NIL;
		ListCell   *lc2;
		FilterParam *p;

		/* Names resolved to ids (by the executor) filter like ids. */
		if (kind == ITG_FK_LOOKUP_IN)
			kind = ITG_FK_IN;
		else if (kind == ITG_FK_LOOKUP_EXCLUDE)
			kind = ITG_FK_EXCLUDE;

		if ((kind == ITG_FK_LOWER || kind == ITG_FK_UPPER) && skip_ranges)
			continue;
		if (kind == ITG_FK_LOWER || kind == ITG_FK_UPPER)
		{
			int			r;
			char	   *t;

			if (v->isnull)
			{
				*no_rows = true;	/* ts < NULL is never true */
				return NIL;
			}
			t = format_utc(DatumGetTimestampTz(v->value), kind == ITG_FK_UPPER);
			if (t == NULL)
				continue;		/* infinity or out of range: check locally */
			for (r = 0; r < nranges; r++)
				if (strcmp(range_keys[r], key) == 0)
					break;
			if (r == nranges)
			{
				Assert(nranges < max_ranges);
				range_keys[nranges++] = key;
			}
			if (kind == ITG_FK_LOWER)
				lower[r] = t;
			else
				upper[r] = t;
			continue;
		}

		texts = itg_value_texts(v, &has_null);
		if (kind == ITG_FK_IN)
		{
			/* "= NULL" and "IN (NULL)" match nothing; NULL elements drop out. */
			texts = dedupe_strings(texts);
			if (texts == NIL)
			{
				*no_rows = true;
				return NIL;
			}
			/* A backslash's meaning to the API is undocumented: keep it local. */
			foreach(lc2, texts)
				if (strchr(lfirst(lc2), '\\') != NULL)
					break;
			if (lc2 != NULL)
				continue;
			if (col->def->flags & ITG_COL_SHOW_ONLY)
			{
				/* No id filter exists: the show route, whatever else applies. */
				show_only_id = linitial(texts);
				continue;
			}
		}
		else
		{
			/* x NOT IN (.., NULL) is never true. */
			if (has_null)
			{
				*no_rows = true;
				return NIL;
			}
			if (texts == NIL)
				continue;
			texts = dedupe_strings(texts);
		}
		foreach(lc2, texts)
			escaped = lappend(escaped, escape_commas(lfirst(lc2)));

		p = &params[nparams++];
		p->key = key;
		p->values = texts;
		p->escaped = escaped;
		p->attno = col->attnum;
		p->list = true;
		p->text = param_text(kind == ITG_FK_EXCLUDE ? "[exclude]" : "", key, escaped);
		p->splittable = kind == ITG_FK_IN && !lookup && list_length(texts) > 1;
		p->exact = lookup || (col->def->flags & ITG_COL_FILTER_EXACT) != 0;
		total_len += strlen(p->text) + 1;
		if (kind == ITG_FK_IN && (col->def->flags & ITG_COL_ID) && list_length(texts) == 1)
			*show_id = linitial(texts);
		/* The first exact list of several values goes last (and is split, if need be). */
		if (last == NULL && kind == ITG_FK_IN && p->exact && list_length(texts) > 1)
			last = p;
		/*
		 * An answer may leave this attribute out: one value per request, so
		 * that each row's value is the one its request asked for (absent.c).
		 */
		if (split == NULL && p->splittable && (col->def->flags & ITG_COL_MAYBE_ABSENT))
		{
			split = p;
			one_each = true;
		}
	}
	if (split == NULL && last != NULL && last->splittable)
		split = last;

	for (int r = 0; r < nranges; r++)
	{
		FilterParam *p = &params[nparams++];

		p->text = psprintf("filter[%s]=%s,%s", range_keys[r],
						   lower[r] ? lower[r] : "*", upper[r] ? upper[r] : "*");
		total_len += strlen(p->text) + 1;
	}

	/* A show route serves only a lone id condition without other filters. */
	if (*show_id != NULL && nparams != 1)
		*show_id = NULL;
	if (show_only_id != NULL)
		*show_id = show_only_id;	/* the other conditions are checked locally */

	/*
	 * Too long for one request: split the longest list, and leave out any
	 * other list that would take more than half of each request.
	 */
	if (total_len > ITG_MAX_QUERY_LEN)
	{
		int			fixed_len;

		for (int i = 0; i < nparams && !one_each; i++)
			if (params[i].splittable &&
				(split == NULL || strlen(params[i].text) > strlen(split->text)))
				split = &params[i];
		fixed_len = total_len - (split ? (int) strlen(split->text) + 1 : 0);
		while (fixed_len > ITG_MAX_QUERY_LEN / 2)
		{
			FilterParam *longest = NULL;

			for (int i = 0; i < nparams; i++)
				if (params[i].list && &params[i] != split && params[i].text != NULL &&
					(longest == NULL || strlen(params[i].text) > strlen(longest->text)))
					longest = &params[i];
			if (longest == NULL)
				break;
			fixed_len -= strlen(longest->text) + 1;
			longest->text = NULL;
		}
	}

	initStringInfo(&fixed);
	for (int i = 0; i < nparams; i++)
		if (&params[i] != split && &params[i] != last && params[i].text != NULL)
			appendStringInfo(&fixed, "%s%s", fixed.len > 0 ? "&" : "", params[i].text);
	if (last != NULL && last != split && last->text != NULL)
		appendStringInfo(&fixed, "%s%s", fixed.len > 0 ? "&" : "", last->text);

	if (split == NULL)
		return list_make1(make_part(fixed.data, InvalidAttrNumber, NIL));

	/* Split the list so that each request stays under the length limit. */
	{
		StringInfoData q;
		List	   *share = NIL;
		ListCell   *lv;

		initStringInfo(&q);
		forboth(lc, split->escaped, lv, split->values)
		{
			StringInfoData one;

			initStringInfo(&one);
			itg_append_encoded(&one, lfirst(lc));
			if (share != NIL && (one_each || q.len + one.len + 3 > ITG_MAX_QUERY_LEN))
			{
				result = lappend(result, make_part(q.data, split->attno, share));
				resetStringInfo(&q);
				share = NIL;
			}
			if (share == NIL)
			{
				appendStringInfoString(&q, fixed.data);
				append_key(&q, "", split->key);
			}
			else
				appendStringInfoChar(&q, ',');
			appendStringInfoString(&q, one.data);
			share = lappend(share, lfirst(lv));
		}
		result = lappend(result, make_part(q.data, split->attno, share));
	}

	/* One part needs no check: every record it returns was asked for. */
	if (list_length(result) == 1)
		((ItgRequestPart *) linitial(result))->split_attno = InvalidAttrNumber;
	return result;
}

/*
 * itg_const_values
 *		The values of the Consts among filter expressions, for requests
 *		built at planning time (others stay zero).
 */
ItgFilterValue *
itg_const_values(List *exprs)
{
	ItgFilterValue *values = palloc0(sizeof(ItgFilterValue) * Max(list_length(exprs), 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, exprs)
	{
		Expr	   *e = lfirst(lc);

		if (IsA(e, Const))
		{
			values[i].value = ((Const *) e)->constvalue;
			values[i].isnull = ((Const *) e)->constisnull;
			values[i].type = ((Const *) e)->consttype;
		}
		i++;
	}
	return values;
}

/* How EXPLAIN shows a value known only at execution. */
static char *
explain_placeholder(Expr *e)
{
	if (IsA(e, Param))
		return psprintf("$%d", ((Param *) e)->paramid);
	return pstrdup("(outer row value)");
}

/*
 * itg_explain_request
 *		The first request as EXPLAIN shows it before execution: Consts as
 *		they will be sent, values known only at execution as placeholders,
 *		status and type names as the lookup that turns them into ids.
 */
char *
itg_explain_request(const ItgResource *res, ItgTableMap *cols, List *items,
					List *exprs, int page_size, const char *sort)
{
	ItgFilterValue *values = itg_const_values(exprs);
	List	   *deferred = NIL;
	List	   *items_const = NIL;
	ListCell   *lc;
	bool		no_rows;
	char	   *show_id;
	List	   *reqs;
	StringInfoData buf;

	foreach(lc, items)
	{
		List	   *node = lfirst(lc);
		ItgFilterItem item = itg_filter_item(node);
		Expr	   *e = list_nth(exprs, item.expr_index);

		if (!IsA(e, Const) || ITG_FK_IS_LOOKUP(item.kind))
			deferred = lappend(deferred, node);
		else
			items_const = lappend(items_const, node);
	}
	reqs = itg_build_requests(cols, items_const, values, false, &no_rows, &show_id);
	if (no_rows)
		return pstrdup("none (the conditions cannot match any row)");
	if (show_id != NULL && deferred == NIL)
	{
		initStringInfo(&buf);
		appendStringInfo(&buf, "GET %s/", res->path);
		itg_append_encoded(&buf, show_id);
		return buf.data;
	}

	initStringInfo(&buf);
	if (reqs != NIL)
		appendStringInfoString(&buf, ((ItgRequestPart *) linitial(reqs))->filters);
	foreach(lc, deferred)
	{
		ItgFilterItem item = itg_filter_item(lfirst(lc));
		Expr	   *e = list_nth(exprs, item.expr_index);
		ItgFilterKind kind = item.kind;
		char	   *shown;

		if (ITG_FK_IS_LOOKUP(kind))
		{
			char	   *name;

			if (IsA(e, Const) && !((Const *) e)->constisnull)
			{
				Oid			outfunc;
				bool		varlena;

				getTypeOutputInfo(((Const *) e)->consttype, &outfunc, &varlena);
				name = OidOutputFunctionCall(outfunc, ((Const *) e)->constvalue);
			}
			else
				name = explain_placeholder(e);
			shown = psprintf("(ids of %s named %s)", item.lookup_resource, name);
		}
		else
			shown = explain_placeholder(e);

		appendStringInfo(&buf, "%sfilter%s[%s]=%s%s%s", buf.len > 0 ? "&" : "",
						 (kind == ITG_FK_EXCLUDE || kind == ITG_FK_LOOKUP_EXCLUDE) ?
						 "[exclude]" : "",
						 item.key,
						 kind == ITG_FK_UPPER ? "*," : "",
						 shown,
						 kind == ITG_FK_LOWER ? ",*" : "");
	}
	{
		char	   *q = itg_page_query(res->path, buf.data, 1, page_size, sort);

		if (list_length(reqs) > 1)
			return psprintf("GET %s (first of %d requests)", q, list_length(reqs));
		return psprintf("GET %s", q);
	}
}

/*
 * itg_page_query
 *		path?filters&page[number]=N&page[size]=S&sort=...  (brackets raw).
 */
char *
itg_page_query(const char *path, const char *filters, int64 page_number,
			   int page_size, const char *sort)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s?", path);
	if (filters && filters[0])
		appendStringInfo(&buf, "%s&", filters);
	appendStringInfo(&buf, "page[number]=" INT64_FORMAT "&page[size]=%d",
					 page_number, page_size);
	if (sort)
		appendStringInfo(&buf, "&sort=%s", sort);
	return buf.data;
}
