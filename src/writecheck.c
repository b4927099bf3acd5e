/*-------------------------------------------------------------------------
 *
 * writecheck.c
 *		After a POST or PATCH, check that IT Glue stored every value that was
 *		sent: the record in its answer must hold each of them.
 *
 * Design rules:
 *	- One check guards every undocumented behaviour at once: an attribute
 *	  IT Glue ignores, one it keeps only under conditions, one it rewrites.
 *	  A value missing from the answer did not demonstrably stick either.
 *	- Values are compared as the column's type sees them ("1" and 1 are the
 *	  same bigint), so only a real difference is an error.
 *	- The write did happen: modify.c adds to the error the records the
 *	  statement had already written, this one included, as it does for any
 *	  part-way failure.
 *	- The answer is the record modify.c already checked (one record, of the
 *	  table's type and the id written); this only compares values.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "it_glue_fdw.h"

/* Longest value quoted in an error, in bytes. */
#define ITG_SHOWN_VALUE_BYTES 80

/* A value for an error message: quoted and shortened, or NULL. */
static char *
shown_value(const char *text, bool isnull)
{
	int			len;

	if (isnull)
		return pstrdup("NULL");
	len = pg_mbcliplen(text, strlen(text), ITG_SHOWN_VALUE_BYTES);
	if (text[len] == '\0')
		return psprintf("\"%s\"", text);
	/* Shortened: the length tells apart values that start alike. */
	return psprintf(_("\"%.*s...\" (%d characters)"), len, text,
					pg_mbstrlen_with_len(text, strlen(text)));
}

/* Does the answer's value equal the sent one, for the column's type? */
static bool
same_value(const ItgTableColumn *col, const char *sent_text, const ItgValue *got)
{
	Datum		got_datum;
	Oid			outfunc;
	bool		varlena;

	if (strcmp(sent_text, got->text) == 0)
		return true;
	/* "1" and 1, "t" and true: compare through the type's own input. */
	got_datum = itg_convert_text(got->text, col->type_oid, col->typmod);
	getTypeOutputInfo(col->type_oid, &outfunc, &varlena);
	return strcmp(sent_text, OidOutputFunctionCall(outfunc, got_datum)) == 0;
}

/*
 * itg_answer_cut_sent_value
 *		Does the answer hold, for a column whose values lists cut, exactly the
 *		first list_cut_chars characters of a longer value that was
 *		sent?  Then the answer may have been cut like a list, and only the
 *		whole record can tell whether the value stuck.
 */
bool
itg_answer_cut_sent_value(ItgTableMap *cols, ItgConverter *conv, const ItgRecord *rec,
						  const AttrNumber *attnos, const Datum *values,
						  const bool *nulls, int n)
{
	for (int i = 0; i < n; i++)
	{
		const ItgTableColumn   *col = &cols->cols[attnos[i] - 1];
		int			slot = itg_converter_slot_of(conv, attnos[i]);
		const ItgValue *got;
		Oid			outfunc;
		bool		varlena;
		char	   *sent_text;

		if (nulls[i] || slot < 0 || col->def == NULL || col->def->list_cut_chars == 0)
			continue;
		got = &rec->values[slot];
		if (got->kind != ITG_JSON_STRING ||
			pg_mbstrlen_with_len(got->text, (int) got->len) != col->def->list_cut_chars)
			continue;
		getTypeOutputInfo(col->type_oid, &outfunc, &varlena);
		sent_text = OidOutputFunctionCall(outfunc, values[i]);
		if (strlen(sent_text) > got->len && strncmp(sent_text, got->text, got->len) == 0)
			return true;
	}
	return false;
}

/*
 * itg_verify_stored
 *		Compare the values sent for the columns "attnos" (values/nulls in the
 *		same order) with "rec", the record IT Glue answered the write with
 *		(read through the converter "conv"); raise an error listing every
 *		value IT Glue did not store.  The caller adds which records the
 *		statement had already written.
 */
void
itg_verify_stored(Relation rel, ItgTableMap *cols, ItgConverter *conv,
				  const ItgRecord *rec, const AttrNumber *attnos,
				  const Datum *values, const bool *nulls, int n)
{
	StringInfoData detail;
	const char *first_bad = NULL;

	initStringInfo(&detail);
	for (int i = 0; i < n; i++)
	{
		const ItgTableColumn   *col = &cols->cols[attnos[i] - 1];
		int			slot = itg_converter_slot_of(conv, attnos[i]);
		ItgValue	absent = {ITG_JSON_ABSENT, NULL, 0};
		const ItgValue *got = slot >= 0 ? &rec->values[slot] : &absent;
		char	   *sent_text = NULL;
		bool		stuck;

		if (col->kind != ITG_COLKIND_ATTRIBUTE)
			continue;
		if (!nulls[i])
		{
			Oid			outfunc;
			bool		varlena;

			getTypeOutputInfo(col->type_oid, &outfunc, &varlena);
			sent_text = OidOutputFunctionCall(outfunc, values[i]);
		}
		if (got->kind == ITG_JSON_ABSENT)
			stuck = false;
		else if (nulls[i] || got->kind == ITG_JSON_NULL)
			stuck = nulls[i] && got->kind == ITG_JSON_NULL;
		else
			stuck = same_value(col, sent_text, got);
		if (stuck)
			continue;

		if (first_bad == NULL)
			first_bad = col->name;
		if (detail.len > 0)
			appendStringInfoChar(&detail, '\n');
		if (got->kind == ITG_JSON_ABSENT)
			appendStringInfo(&detail, _("Column \"%s\" was sent as %s; IT Glue's answer does not contain attribute \"%s\"."),
							 col->name, shown_value(sent_text, nulls[i]), col->attribute);
		else
			appendStringInfo(&detail, _("Column \"%s\" was sent as %s; IT Glue's answer holds %s."),
							 col->name, shown_value(sent_text, nulls[i]),
							 shown_value(got->text, got->kind == ITG_JSON_NULL));
	}
	if (first_bad == NULL)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("IT Glue did not store the value written to column \"%s\" of foreign table \"%s\" (%s %s)",
					first_bad, RelationGetRelationName(rel),
					cols->resource->singular, rec->id),
			 errdetail_internal("%s", detail.data),
			 errhint("IT Glue ignored or changed the value. Check what the IT Glue API accepts for this attribute.")));
}
