/*-------------------------------------------------------------------------
 *
 * analyze.c
 *		ANALYZE: read every record through the listing and keep a reservoir
 *		sample, as postgres_fdw does.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/vacuum.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "it_glue_fdw.h"

/*
 * itg_acquire_sample_rows
 *		Read the whole table through a scan and keep a reservoir sample.
 */
static int
itg_acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows,
						int targrows, double *totalrows, double *totaldeadrows)
{
	ItgOptions *opts = itg_get_options(RelationGetRelid(relation), GetUserId(), true);
	ItgTableMap    *cols = itg_table_columns(relation, opts->resource);
	TupleDesc	tupdesc = RelationGetDescr(relation);
	Bitmapset  *all = bms_make_singleton(0 - FirstLowInvalidHeapAttributeNumber);
	ItgConverter *conv = itg_converter_create(relation, cols, all);
	int			nattrs;
	const char *const *names = itg_converter_attr_names(conv, &nattrs);
	Datum	   *values = palloc(sizeof(Datum) * Max(tupdesc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(tupdesc->natts, 1));
	MemoryContext page_cxt = AllocSetContextCreate(CurrentMemoryContext,
												   "it_glue_fdw analyze page",
												   ALLOCSET_DEFAULT_SIZES);
	ReservoirStateData rstate;
	int			numrows = 0;
	double		seen = 0;
	double		rowstoskip = -1;
	int64		page_number = 1;

	reservoir_init_selection_state(&rstate, targrows);
	for (;;)
	{
		ItgPage		page;
		MemoryContext old;

		MemoryContextReset(page_cxt);
		old = MemoryContextSwitchTo(page_cxt);
		itg_get_page(opts, itg_page_query(opts->resource->path, "", page_number,
										  opts->page_size, opts->resource->default_sort),
					 names, nattrs, "could not analyze IT Glue table", NULL, &page);
		MemoryContextSwitchTo(old);

		for (int i = 0; i < page.nrecords; i++)
		{
			MemoryContextSwitchTo(page_cxt);
			itg_converter_fill(conv, &page.records[i], values, nulls);
			MemoryContextSwitchTo(old);
			if (numrows < targrows)
				rows[numrows++] = heap_form_tuple(tupdesc, values, nulls);
			else
			{
				/* Algorithm Z, as in postgres_fdw: skip, then replace one. */
				if (rowstoskip < 0)
					rowstoskip = reservoir_get_next_S(&rstate, seen, targrows);
				if (rowstoskip <= 0)
				{
					int			k = (int) (targrows * sampler_random_fract(&rstate.randstate));

					heap_freetuple(rows[k]);
					rows[k] = heap_form_tuple(tupdesc, values, nulls);
				}
				rowstoskip -= 1;
			}
			seen += 1;
		}
		if (!itg_listing_has_more(opts, opts->resource->name, &page, page_number,
								  opts->page_size))
			break;
		page_number++;
		itg_analyze_delay_point();
	}
	MemoryContextDelete(page_cxt);
	*totalrows = seen;
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": read %.0f rows from IT Glue, %d rows in sample",
					RelationGetRelationName(relation), seen, numrows)));
	return numrows;
}

bool
itgAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
					   BlockNumber *totalpages)
{
	*func = itg_acquire_sample_rows;
	*totalpages = 1;
	(void) relation;
	return true;
}
