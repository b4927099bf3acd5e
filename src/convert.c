/*-------------------------------------------------------------------------
 *
 * convert.c
 *		The foreign table's columns, and JSON:API values turned into Datums.
 *
 * Design rules:
 *	- Only the columns a query uses are converted (the rest stay NULL).
 *	- Every value goes through its type's input function, so PostgreSQL's
 *	  own rules decide what is valid; an error names the column, the table
 *	  and the IT Glue record through an error-context callback.
 *	- JSON null and a missing attribute are SQL NULL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/tupdesc.h"
#include "catalog/pg_type.h"
#include "parser/parse_coerce.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "mb/pg_wchar.h"

#include "it_glue_fdw.h"

/* Conversion state for one column in use. */
typedef struct ItgColumnInput
{
	ItgTableColumn *col;
	int			slot;			/* index into the parser's attribute list */
	FmgrInfo	input;
	Oid			ioparam;
	Oid			elem_type;		/* array element type, or InvalidOid */
	int16		elem_len;
	bool		elem_byval;
	char		elem_align;
	FmgrInfo	elem_input;
	Oid			elem_ioparam;
	TYPCATEGORY category;
} ItgColumnInput;

struct ItgConverter
{
	Relation	rel;
	ItgTableMap    *columns;
	int			nconv;
	ItgColumnInput *conv;
	ItgColumnInput *id_conv;		/* the id column, if in use */
	const char **attr_names;	/* what the parser extracts, in slot order */
	int			nattr_names;
	int		   *truncated_slots;	/* slots lists may cut short */
	int		   *truncated_at;	/* ...at this many characters */
	int			ntruncated;
	int			updated_at_slot;	/* "updated-at", when lists may cut, or -1 */
	/* for the error context */
	const ItgRecord *current_record;
	ItgColumnInput *current_column;
};

/*
 * itg_table_columns
 *		Map every column of the foreign table to the id, the whole
 *		attributes object, or one attribute.
 */
ItgTableMap *
itg_table_columns(Relation rel, const ItgResource *res)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	ItgTableMap    *cols = palloc0(sizeof(ItgTableMap));

	cols->resource = res;
	cols->natts = tupdesc->natts;
	cols->cols = palloc0(sizeof(ItgTableColumn) * Max(tupdesc->natts, 1));
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		ItgTableColumn *c = &cols->cols[i];

		c->attnum = i + 1;
		if (att->attisdropped)
		{
			c->kind = ITG_COLKIND_DROPPED;
			continue;
		}
		c->name = pstrdup(NameStr(att->attname));
		c->type_oid = att->atttypid;
		c->typmod = att->atttypmod;
		c->attribute = itg_column_attribute(RelationGetRelid(rel), c->attnum, c->name);
		if (strcmp(c->attribute, "id") == 0)
		{
			c->kind = ITG_COLKIND_ID;
			c->attribute = NULL;
			c->def = itg_resource_column_by_attribute(res, NULL);
		}
		else if (strcmp(c->attribute, "attributes") == 0 &&
				 (c->type_oid == JSONBOID || c->type_oid == JSONOID))
		{
			c->kind = ITG_COLKIND_ALL;
			c->attribute = NULL;
		}
		else
		{
			c->kind = ITG_COLKIND_ATTRIBUTE;
			c->def = itg_resource_column_by_attribute(res, c->attribute);
		}
	}
	return cols;
}

static int
res_ncolumns(ItgTableMap *cols)
{
	return cols->resource ? cols->resource->ncolumns : 0;
}

/* Error context: which column, table and record failed to convert. */
static void
conversion_error_callback(void *arg)
{
	ItgConverter *conv = (ItgConverter *) arg;

	if (conv->current_column == NULL)
		return;
	errcontext("column \"%s\" of foreign table \"%s\", IT Glue record id %s",
			   conv->current_column->col->name,
			   RelationGetRelationName(conv->rel),
			   conv->current_record && conv->current_record->id ?
			   itg_safe_cstring(conv->current_record->id) : "(unknown)");
}

/* The parser slot of an attribute: the one it has, else a new one. */
static int
slot_for(ItgConverter *conv, const char *name)
{
	for (int s = 0; s < conv->nattr_names; s++)
		if (strcmp(conv->attr_names[s], name) == 0)
			return s;
	conv->attr_names[conv->nattr_names] = name;
	return conv->nattr_names++;
}

/*
 * itg_converter_create
 *		Prepare input functions for the columns in attrs_used (attribute
 *		numbers offset by FirstLowInvalidHeapAttributeNumber; a whole-row
 *		reference means all of them).
 */
ItgConverter *
itg_converter_create(Relation rel, ItgTableMap *cols, Bitmapset *attrs_used)
{
	ItgConverter *conv = palloc0(sizeof(ItgConverter));
	bool		whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber,
										  attrs_used);
	bool		uses_all = false;

	conv->rel = rel;
	conv->columns = cols;
	conv->conv = palloc0(sizeof(ItgColumnInput) * Max(cols->natts, 1));
	/* Room for every column, the resource's truncated attributes, updated-at. */
	conv->attr_names = palloc0(sizeof(char *) * (cols->natts + res_ncolumns(cols) + 2));
	conv->updated_at_slot = -1;
	conv->truncated_slots = palloc0(sizeof(int) * (res_ncolumns(cols) + 1));
	conv->truncated_at = palloc0(sizeof(int) * (res_ncolumns(cols) + 1));

	for (int i = 0; i < cols->natts; i++)
	{
		ItgTableColumn *c = &cols->cols[i];
		ItgColumnInput *cc;
		Oid			infunc;

		if (c->kind == ITG_COLKIND_DROPPED)
			continue;
		if (!whole_row &&
			!bms_is_member(c->attnum - FirstLowInvalidHeapAttributeNumber, attrs_used))
			continue;

		cc = &conv->conv[conv->nconv++];
		cc->col = c;
		cc->slot = -1;
		getTypeInputInfo(c->type_oid, &infunc, &cc->ioparam);
		fmgr_info(infunc, &cc->input);
		cc->category = TypeCategory(c->type_oid);
		cc->elem_type = get_element_type(c->type_oid);
		if (OidIsValid(cc->elem_type) && cc->category == TYPCATEGORY_ARRAY)
		{
			Oid			elem_infunc;

			get_typlenbyvalalign(cc->elem_type, &cc->elem_len, &cc->elem_byval,
								 &cc->elem_align);
			getTypeInputInfo(cc->elem_type, &elem_infunc, &cc->elem_ioparam);
			fmgr_info(elem_infunc, &cc->elem_input);
		}
		else
			cc->elem_type = InvalidOid;

		if (c->kind == ITG_COLKIND_ID)
			conv->id_conv = cc;
		else
		{
			const char *name = c->kind == ITG_COLKIND_ALL ? ITG_ATTR_ALL : c->attribute;

			/* Columns reading the same attribute share its slot. */
			cc->slot = slot_for(conv, name);
			if (c->kind == ITG_COLKIND_ALL)
				uses_all = true;
			else if (c->def && c->def->list_cut_chars > 0)
			{
				bool		have = false;

				for (int t = 0; t < conv->ntruncated; t++)
					if (conv->truncated_slots[t] == cc->slot)
						have = true;
				if (!have)
				{
					conv->truncated_at[conv->ntruncated] = c->def->list_cut_chars;
					conv->truncated_slots[conv->ntruncated++] = cc->slot;
				}
			}
		}
	}

	/*
	 * The whole attributes object holds the truncated values too: extract
	 * them as hidden slots, so the scan can tell when one was cut.
	 */
	if (uses_all && cols->resource != NULL)
	{
		for (int i = 0; i < cols->resource->ncolumns; i++)
		{
			const ItgColumnDef *d = &cols->resource->columns[i];
			bool		have = false;

			if (d->list_cut_chars == 0)
				continue;
			for (int t = 0; t < conv->ntruncated; t++)
				if (strcmp(conv->attr_names[conv->truncated_slots[t]], d->attribute) == 0)
					have = true;
			if (have)
				continue;
			conv->truncated_at[conv->ntruncated] = d->list_cut_chars;
			conv->truncated_slots[conv->ntruncated++] = conv->nattr_names;
			conv->attr_names[conv->nattr_names++] = d->attribute;
		}
	}

	/*
	 * A record whose values lists may cut is completed from the record
	 * cache when its updated-at is the cached one: extract it (hidden).
	 */
	if (conv->ntruncated > 0)
		conv->updated_at_slot = slot_for(conv, ITG_ATTR_UPDATED_AT);
	return conv;
}

/* itg_converter_updated_at_slot: the parser slot of updated-at, or -1. */
int
itg_converter_updated_at_slot(ItgConverter *conv)
{
	return conv->updated_at_slot;
}

/* itg_converter_slot_of: the parser slot of a column in use, or -1. */
int
itg_converter_slot_of(ItgConverter *conv, AttrNumber attnum)
{
	for (int i = 0; i < conv->nconv; i++)
		if (conv->conv[i].col->attnum == attnum)
			return conv->conv[i].slot;
	return -1;
}

/*
 * itg_converter_may_be_cut: can a list response cut this column's value (a
 * truncated attribute, or the whole attributes object that holds one)?
 */
bool
itg_converter_may_be_cut(ItgConverter *conv, AttrNumber attnum)
{
	for (int i = 0; i < conv->nconv; i++)
		if (conv->conv[i].col->attnum == attnum)
			return conv->conv[i].col->kind == ITG_COLKIND_ALL ||
				(conv->conv[i].col->def != NULL &&
				 conv->conv[i].col->def->list_cut_chars > 0);
	return false;
}

/*
 * itg_converter_record_cut: might a list have cut one of this record's
 * values (a truncated attribute at least as long as the cut)?
 */
bool
itg_converter_record_cut(ItgConverter *conv, const ItgRecord *rec)
{
	for (int t = 0; t < conv->ntruncated; t++)
	{
		const ItgValue *v = &rec->values[conv->truncated_slots[t]];
		int			cut = conv->truncated_at[t];

		if (v->kind == ITG_JSON_STRING && v->len >= (size_t) cut &&
			pg_mbstrlen_with_len(v->text, (int) v->len) >= cut)
			return true;
	}
	return false;
}

/* itg_converter_truncated_slots: parser slots holding values lists cut. */
const int *
itg_converter_truncated_slots(ItgConverter *conv, int *nslots)
{
	*nslots = conv->ntruncated;
	return conv->truncated_slots;
}

/* itg_converter_attr_names: the attribute list to hand to the parser. */
const char *const *
itg_converter_attr_names(ItgConverter *conv, int *nattrs)
{
	*nattrs = conv->nattr_names;
	return conv->attr_names;
}

/* Quote a decoded string as JSON text, for json and jsonb columns. */
static char *
json_quote(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	escape_json(&buf, s);
	return buf.data;
}

/*
 * json_array_to_datum
 *		Build a PostgreSQL array from JSON array text: each element's text
 *		(strings unquoted) through the element type's input function.
 */
static Datum
json_array_to_datum(ItgColumnInput *cc, const char *json_text)
{
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
														CStringGetDatum(json_text)));
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;
	int			cap = 8;
	Datum	   *elems = palloc(sizeof(Datum) * cap);
	bool	   *enulls = palloc(sizeof(bool) * cap);
	int			dims[1];
	int			lbs[1] = {1};
	int			depth = 0;

	if (!JB_ROOT_IS_ARRAY(jb) || JB_ROOT_IS_SCALAR(jb))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("expected a JSON array, got %s", itg_safe_cstring(json_text))));

	it = JsonbIteratorInit(&jb->root);
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		char	   *text;

		if (tok == WJB_BEGIN_ARRAY || tok == WJB_BEGIN_OBJECT)
			depth++;
		else if (tok == WJB_END_ARRAY || tok == WJB_END_OBJECT)
			depth--;
		if (tok != WJB_ELEM || depth != 1)
		{
			if ((tok == WJB_BEGIN_ARRAY || tok == WJB_BEGIN_OBJECT) && depth > 1)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("nested JSON arrays or objects cannot be converted to %s",
								format_type_be(cc->col->type_oid))));
			continue;
		}
		if (n == cap)
		{
			cap *= 2;
			elems = repalloc(elems, sizeof(Datum) * cap);
			enulls = repalloc(enulls, sizeof(bool) * cap);
		}
		switch (v.type)
		{
			case jbvNull:
				enulls[n] = true;
				elems[n++] = (Datum) 0;
				continue;
			case jbvString:
				text = pnstrdup(v.val.string.val, v.val.string.len);
				break;
			case jbvNumeric:
				text = DatumGetCString(DirectFunctionCall1(numeric_out,
														   NumericGetDatum(v.val.numeric)));
				break;
			case jbvBool:
				text = v.val.boolean ? "true" : "false";
				break;
			default:
				text = NULL;	/* cannot happen at depth 1 scalars */
				break;
		}
		enulls[n] = false;
		elems[n++] = InputFunctionCall(&cc->elem_input, text, cc->elem_ioparam,
									   cc->col->typmod);
	}
	dims[0] = n;
	return PointerGetDatum(construct_md_array(elems, enulls, 1, dims, lbs,
											  cc->elem_type, cc->elem_len,
											  cc->elem_byval, cc->elem_align));
}

/* Two digits at s, or -1. */
static int
two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/*
 * parse_itglue_timestamp
 *		The RFC 3339 UTC form IT Glue sends, "2016-09-14T17:02:44.000Z" (the
 *		milliseconds optional), without the general date parser.  False for
 *		anything else, which then goes through timestamptz_in.
 */
static bool
parse_itglue_timestamp(const char *s, size_t len, TimestampTz *result)
{
	struct pg_tm tm;
	fsec_t		fsec = 0;
	int			tz = 0;
	int			y1,
				y2;

	if (!(len == 20 || len == 24) || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':' || s[len - 1] != 'Z')
		return false;
	y1 = two_digits(s);
	y2 = two_digits(s + 2);
	tm.tm_mon = two_digits(s + 5);
	tm.tm_mday = two_digits(s + 8);
	tm.tm_hour = two_digits(s + 11);
	tm.tm_min = two_digits(s + 14);
	tm.tm_sec = two_digits(s + 17);
	if (y1 < 0 || y2 < 0 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
		tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
		tm.tm_sec < 0 || tm.tm_sec > 59)
		return false;
	tm.tm_year = y1 * 100 + y2;
	if (tm.tm_year < 1 ||
		tm.tm_mday > day_tab[isleap(tm.tm_year)][tm.tm_mon - 1])
		return false;
	if (len == 24)
	{
		int			ms;

		if (s[19] != '.' || s[20] < '0' || s[20] > '9' || two_digits(s + 21) < 0)
			return false;
		ms = (s[20] - '0') * 100 + two_digits(s + 21);
		fsec = ms * 1000;
	}
	tm.tm_isdst = 0;
	return tm2timestamp(&tm, fsec, &tz, result) == 0;
}

/*
 * convert_value
 *		One attribute value to the column's type.  Sets *isnull for JSON null
 *		and absent attributes.
 */
static Datum
convert_value(ItgColumnInput *cc, const ItgValue *v, bool *isnull)
{
	const char *text;

	*isnull = false;
	switch (v->kind)
	{
		case ITG_JSON_ABSENT:
		case ITG_JSON_NULL:
			*isnull = true;
			return (Datum) 0;
		default:
			break;
	}

	/* json/jsonb take the value as JSON; strings must be quoted again. */
	if (cc->col->type_oid == JSONBOID || cc->col->type_oid == JSONOID)
	{
		text = v->kind == ITG_JSON_STRING ? json_quote(v->text) : v->text;
		return InputFunctionCall(&cc->input, (char *) text, cc->ioparam,
								 cc->col->typmod);
	}

	if (OidIsValid(cc->elem_type))
	{
		/* Most organizations have no ancestors: skip the JSON parser. */
		if ((v->kind == ITG_JSON_ARRAY || v->kind == ITG_JSON_STRING) &&
			strcmp(v->text, "[]") == 0)
			return PointerGetDatum(construct_empty_array(cc->elem_type));
		/* IT Glue sometimes sends an array as a string: "[1,6]". */
		if (v->kind == ITG_JSON_ARRAY ||
			(v->kind == ITG_JSON_STRING && v->text[0] == '['))
			return json_array_to_datum(cc, v->text);
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("expected a JSON array for type %s",
						format_type_be(cc->col->type_oid))));
	}

	/*
	 * A JSON object or array fits text columns (as JSON text) but no scalar
	 * type; a boolean is not a number.  Let the input functions reject the
	 * rest, with PostgreSQL's own messages.
	 */
	if ((v->kind == ITG_JSON_OBJECT || v->kind == ITG_JSON_ARRAY) &&
		cc->category != TYPCATEGORY_STRING)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("cannot convert a JSON %s to %s",
						v->kind == ITG_JSON_OBJECT ? "object" : "array",
						format_type_be(cc->col->type_oid))));
	if (v->kind == ITG_JSON_BOOL && cc->category == TYPCATEGORY_NUMERIC)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("cannot convert a JSON boolean to %s",
						format_type_be(cc->col->type_oid))));
	if ((v->kind == ITG_JSON_INT || v->kind == ITG_JSON_DOUBLE) &&
		(cc->category == TYPCATEGORY_BOOLEAN || cc->category == TYPCATEGORY_DATETIME))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("cannot convert a JSON number to %s",
						format_type_be(cc->col->type_oid))));

	/* IT Glue's own timestamp form is read directly; others go the long way. */
	if (cc->col->type_oid == TIMESTAMPTZOID && v->kind == ITG_JSON_STRING)
	{
		TimestampTz ts;

		if (parse_itglue_timestamp(v->text, v->len, &ts))
			return TimestampTzGetDatum(ts);
	}

	/* Plain text needs no parsing: skip the input function's call. */
	if (cc->col->type_oid == TEXTOID && v->kind == ITG_JSON_STRING)
		return PointerGetDatum(cstring_to_text_with_len(v->text, (int) v->len));

	return InputFunctionCall(&cc->input, (char *) v->text, cc->ioparam,
							 cc->col->typmod);
}

/*
 * fill_columns
 *		Convert the columns ccs[0..n-1] of one record into values/nulls, with
 *		an error context naming the column, the table and the record.
 */
static void
fill_columns(ItgConverter *conv, const ItgRecord *rec, ItgColumnInput *ccs, int n,
			 Datum *values, bool *nulls)
{
	ErrorContextCallback errcb;

	conv->current_record = rec;
	errcb.callback = conversion_error_callback;
	errcb.arg = conv;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	for (int i = 0; i < n; i++)
	{
		ItgColumnInput *cc = &ccs[i];
		int			idx = cc->col->attnum - 1;

		conv->current_column = cc;
		if (cc->col->kind == ITG_COLKIND_ID)
		{
			ItgValue	idv;

			idv.kind = ITG_JSON_STRING;
			idv.text = rec->id;
			idv.len = strlen(rec->id);
			values[idx] = convert_value(cc, &idv, &nulls[idx]);
		}
		else
			values[idx] = convert_value(cc, &rec->values[cc->slot], &nulls[idx]);
	}

	conv->current_column = NULL;
	error_context_stack = errcb.previous;
}

/*
 * itg_converter_value_text
 *		One column of a record, converted to the column's type and printed by
 *		the type's output function (its canonical text: "7" for an id sent
 *		as "007"), or NULL when the value is NULL.  The column must be in use.
 */
char *
itg_converter_value_text(ItgConverter *conv, const ItgRecord *rec, AttrNumber attnum)
{
	Datum	   *values = palloc(sizeof(Datum) * Max(conv->columns->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(conv->columns->natts, 1));
	Oid			outfunc;
	bool		varlena;
	char	   *text = NULL;
	int			i;

	for (i = 0; i < conv->nconv; i++)
		if (conv->conv[i].col->attnum == attnum)
			break;
	if (i == conv->nconv)
		elog(ERROR, "column %d is not converted by this scan", attnum);
	fill_columns(conv, rec, &conv->conv[i], 1, values, nulls);
	if (!nulls[attnum - 1])
	{
		getTypeOutputInfo(conv->conv[i].col->type_oid, &outfunc, &varlena);
		text = OidOutputFunctionCall(outfunc, values[attnum - 1]);
	}
	pfree(values);
	pfree(nulls);
	return text;
}

/*
 * itg_converter_fill
 *		Fill values/nulls (sized to the tuple descriptor) from one record.
 *		Columns not in use are NULL.
 */
void
itg_converter_fill(ItgConverter *conv, const ItgRecord *rec,
				   Datum *values, bool *nulls)
{
	memset(nulls, true, sizeof(bool) * conv->columns->natts);
	fill_columns(conv, rec, conv->conv, conv->nconv, values, nulls);
}

/* itg_convert_text: one text value through a type's input function. */
Datum
itg_convert_text(const char *text, Oid type_oid, int32 typmod)
{
	Oid			infunc;
	Oid			ioparam;

	getTypeInputInfo(type_oid, &infunc, &ioparam);
	return OidInputFunctionCall(infunc, (char *) text, ioparam, typmod);
}
