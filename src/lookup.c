/*-------------------------------------------------------------------------
 *
 * lookup.c
 *		Organization status and type names turned into ids through the
 *		lookup resources, so that "organization_status_name = 'Active'" can
 *		be sent as filter[organization_status_id]=1.
 *
 * Design rules:
 *	- Names are compared here, byte for byte, whatever the API's name
 *	  filter does: a name resolves to exactly the ids SQL's "=" would match.
 *	- Each name is looked up once per statement (the cache lives in the
 *	  query's memory), however often the scan is rescanned.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/memutils.h"

#include "it_glue_fdw.h"

/* Lookup tables are small: one page of the largest size usually holds them. */
#define ITG_LOOKUP_PAGE_SIZE 1000

typedef struct ItgLookupEntry
{
	const char *resource;
	char	   *name;
	List	   *ids;			/* matching ids, as strings */
} ItgLookupEntry;

/*
 * fetch_names
 *		One (paged) request for several names: filter[name]=a,b (commas in
 *		names escaped).  Each entry gets the ids whose name is exactly its
 *		name, whatever the API's own matching did.
 */
static void
fetch_names(const ItgOptions *opts, const ItgResource *res, List *entries,
			ItgHttpStats *stats)
{
	int64		page_number = 1;
	const char *const attrs[] = {"name"};
	StringInfoData filter;
	ListCell   *lc;
	char	   *what = psprintf("could not look up IT Glue %s", res->name);

	initStringInfo(&filter);
	appendStringInfoString(&filter, "filter[name]=");
	foreach(lc, entries)
	{
		ItgLookupEntry *e = lfirst(lc);
		StringInfoData esc;

		initStringInfo(&esc);
		for (const char *p = e->name; *p; p++)
		{
			if (*p == ',')
				appendStringInfoChar(&esc, '\\');
			appendStringInfoChar(&esc, *p);
		}
		if (lc != list_head(entries))
			appendStringInfoChar(&filter, ',');
		itg_append_encoded(&filter, esc.data);
	}

	for (;;)
	{
		ItgPage		page;

		itg_get_page(opts, itg_page_query(res->path, filter.data, page_number,
										  ITG_LOOKUP_PAGE_SIZE,
										  res->default_sort),
					 attrs, 1, what, stats, &page);
		for (int i = 0; i < page.nrecords; i++)
		{
			const ItgValue *v = &page.records[i].values[0];

			if (v->kind != ITG_JSON_STRING)
				continue;
			foreach(lc, entries)
			{
				ItgLookupEntry *e = lfirst(lc);

				if (strcmp(v->text, e->name) == 0)
					e->ids = lappend(e->ids, pstrdup(page.records[i].id));
			}
		}
		if (!itg_listing_has_more(opts, res->name, &page, page_number,
								  ITG_LOOKUP_PAGE_SIZE))
			break;
		page_number++;
	}
}

static ItgLookupEntry *
cached(List *cache, const ItgResource *res, const char *name)
{
	ListCell   *lc;

	foreach(lc, cache)
	{
		ItgLookupEntry *e = lfirst(lc);

		if (e->resource == res->name && strcmp(e->name, name) == 0)
			return e;
	}
	return NULL;
}

/*
 * itg_resolve_lookups
 *		Replace the value of every name-lookup item by a bigint[] of the
 *		matching ids.  cache (a List of entries) lives in cache_cxt.
 */
void
itg_resolve_lookups(const ItgOptions *opts, List *items, ItgFilterValue *values,
					List **cache, MemoryContext cache_cxt, ItgHttpStats *stats)
{
	ListCell   *lc;

	foreach(lc, items)
	{
		ItgFilterItem item = itg_filter_item(lfirst(lc));
		ItgFilterValue *v = &values[item.expr_index];
		const ItgResource *res;
		bool		has_null;
		List	   *names;
		List	   *ids = NIL;
		ListCell   *lc2;
		Datum	   *elems;
		int			n = 0;

		if (!ITG_FK_IS_LOOKUP(item.kind))
			continue;
		res = itg_resource_lookup(item.lookup_resource);
		Assert(res != NULL);

		names = itg_value_texts(v, &has_null);

		/* Look the names not seen yet up in one request. */
		{
			MemoryContext old = MemoryContextSwitchTo(cache_cxt);
			List	   *missing = NIL;

			foreach(lc2, names)
			{
				if (cached(*cache, res, lfirst(lc2)) != NULL)
					continue;
				{
					ItgLookupEntry *e = palloc0(sizeof(ItgLookupEntry));

					e->resource = res->name;
					e->name = pstrdup(lfirst(lc2));
					*cache = lappend(*cache, e);
					missing = lappend(missing, e);
				}
			}
			if (missing != NIL)
				fetch_names(opts, res, missing, stats);
			MemoryContextSwitchTo(old);
		}
		foreach(lc2, names)
			ids = list_concat(ids, cached(*cache, res, lfirst(lc2))->ids);

		/*
		 * NULL names: "= NULL" matches nothing and is dropped, while
		 * "NOT IN (..., NULL)" matches nothing at all; keep a NULL element
		 * so that deparse.c reaches the same verdict as for ids.
		 */
		elems = palloc(sizeof(Datum) * (list_length(ids) + 1));
		foreach(lc2, ids)
			elems[n++] = Int64GetDatum(strtoll(lfirst(lc2), NULL, 10));
		if (has_null || v->isnull)
		{
			bool	   *nulls = palloc0(sizeof(bool) * (n + 1));
			int			dims[1] = {n + 1};
			int			lbs[1] = {1};

			nulls[n] = true;
			elems[n] = (Datum) 0;
			v->value = PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs,
														  INT8OID, 8, FLOAT8PASSBYVAL,
														  TYPALIGN_DOUBLE));
		}
		else
			v->value = PointerGetDatum(construct_array(elems, n, INT8OID, 8,
													   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		v->isnull = false;
		v->type = INT8ARRAYOID;
	}
}
