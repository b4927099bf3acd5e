/*-------------------------------------------------------------------------
 *
 * absent.c
 *		Attributes IT Glue may leave out of its answers, and the values a
 *		request's own filters tell about them.
 *
 * IT Glue's documented organization responses do not contain psa-id,
 * psa-integration-type, primary-contact-id, primary-location-id or
 * my-glue-account-id, although several of them are documented filters.  An
 * attribute missing from a record is not JSON null: when the request that
 * returned the record filtered that attribute on exactly one value, every
 * record it returned has that value (IT Glue answered the filter), so the
 * row gets it and the local re-check of the condition passes.  Without such
 * a filter the value cannot be known, and the column is NULL.
 *
 * Design rules:
 *	- Only columns flagged ITG_COL_MAYBE_ABSENT are filled, only where the
 *	  record lacks the attribute: a value IT Glue does send always wins.
 *	- The value is read back from the request text itself, so whatever
 *	  built the request (a constant, a parameter, a join's outer row, one
 *	  part of a split list) is covered alike.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "utils/rel.h"

#include "it_glue_fdw.h"

typedef struct ItgKnownValue
{
	int			slot;			/* converter slot of the attribute */
	char	   *text;			/* the value the filter asked for */
} ItgKnownValue;

struct ItgKnownValues
{
	int			n;
	ItgKnownValue *values;
};

/*
 * single_filter_value
 *		The value of "filter[key]=..." in a request's filter text when it is
 *		exactly one value (no separating comma), decoded; else NULL.
 */
static char *
single_filter_value(const char *filters, const char *key)
{
	char	   *needle = psprintf("filter[%s]=", key);
	size_t		nlen = strlen(needle);
	const char *p = filters;
	StringInfoData out;

	for (;;)
	{
		p = strstr(p, needle);
		if (p == NULL)
			return NULL;
		if (p == filters || p[-1] == '&')
			break;
		p += nlen;
	}
	p += nlen;
	initStringInfo(&out);
	for (; *p && *p != '&'; p++)
	{
		if (*p == ',')
			return NULL;		/* a list: which value a record has is unknown */
		if (p[0] == '%' && isxdigit((unsigned char) p[1]) && isxdigit((unsigned char) p[2]))
		{
			char		hex[3] = {p[1], p[2], '\0'};

			appendStringInfoChar(&out, (char) strtol(hex, NULL, 16));
			p += 2;
		}
		else
			appendStringInfoChar(&out, *p);
	}
	/* Commas inside a value travel as "\,". */
	{
		char	   *src = out.data;
		char	   *dst = out.data;

		for (; *src; src++)
		{
			if (src[0] == '\\' && src[1] == ',')
				continue;
			*dst++ = *src;
		}
		*dst = '\0';
	}
	return out.len > 0 ? out.data : NULL;
}

/*
 * itg_known_values
 *		What the filters of one request (its filter text, without paging)
 *		tell about the possibly absent attributes the scan reads.
 */
ItgKnownValues *
itg_known_values(ItgTableMap *cols, ItgConverter *conv, const char *filters)
{
	ItgKnownValues *known = palloc0(sizeof(ItgKnownValues));

	known->values = palloc(sizeof(ItgKnownValue) * Max(cols->natts, 1));
	for (int i = 0; i < cols->natts; i++)
	{
		const ItgTableColumn   *col = &cols->cols[i];
		int			slot;
		char	   *value;

		if (col->kind != ITG_COLKIND_ATTRIBUTE || col->def == NULL ||
			!(col->def->flags & ITG_COL_MAYBE_ABSENT) || col->def->filter_key == NULL)
			continue;
		slot = itg_converter_slot_of(conv, col->attnum);
		if (slot < 0 || filters == NULL)
			continue;
		value = single_filter_value(filters, col->def->filter_key);
		if (value == NULL)
			continue;
		known->values[known->n].slot = slot;
		known->values[known->n].text = value;
		known->n++;
	}
	return known;
}

/*
 * itg_fill_known_values
 *		Give the records of a page that lack a possibly absent attribute the
 *		value their request's filter asked for.
 */
void
itg_fill_known_values(const ItgKnownValues *known, ItgPage *page)
{
	if (known == NULL || known->n == 0)
		return;
	for (int r = 0; r < page->nrecords; r++)
		for (int k = 0; k < known->n; k++)
		{
			ItgValue   *v = &page->records[r].values[known->values[k].slot];

			if (v->kind == ITG_JSON_ABSENT)
			{
				v->kind = ITG_JSON_STRING;
				v->text = known->values[k].text;
				v->len = strlen(v->text);
			}
		}
}

/*
 * itg_notice_absent
 *		Say once per scan (NOTICE) when a column the query reads stays NULL
 *		because IT Glue's answer left its attribute out and no filter of the
 *		request fixed it: the NULL is then "unknown", not IT Glue's value.
 *		Returns true once it has said so.
 */
bool
itg_notice_absent(ItgTableMap *cols, ItgConverter *conv, const ItgPage *page,
				  Relation rel)
{
	for (int i = 0; i < cols->natts; i++)
	{
		const ItgTableColumn   *col = &cols->cols[i];
		int			slot;

		if (col->kind != ITG_COLKIND_ATTRIBUTE || col->def == NULL ||
			!(col->def->flags & ITG_COL_MAYBE_ABSENT))
			continue;
		slot = itg_converter_slot_of(conv, col->attnum);
		if (slot < 0)
			continue;
		for (int r = 0; r < page->nrecords; r++)
			if (page->records[r].values[slot].kind == ITG_JSON_ABSENT)
			{
				ereport(NOTICE,
						(errmsg("IT Glue's answer does not contain attribute \"%s\": column \"%s\" of foreign table \"%s\" is NULL where no filter fixed its value",
								col->attribute, col->name, RelationGetRelationName(rel)),
						 errdetail("IT Glue's documented responses do not include this attribute."),
						 col->def->filter_key ?
						 errhint("An equality on it that the API filters (for psa_id, together with psa_integration_type) gives the rows their value.") : 0));
				return true;
			}
	}
	return false;
}
