/*
 * dump_resources.c
 *		Print the FDW's resource table (src/resource.c) as JSON, so that
 *		test/spec/check_fdw_spec.py can compare every filter, sort key and
 *		writable column the FDW uses with the documented API.
 *
 * Built together with src/resource.c and the files of src/resources against the
 * server headers only; the few backend functions they link to are stubbed
 * below (the dump never calls them).
 */
#include "../../src/it_glue_fdw.h"

#include <stdio.h>

/* port.h maps these to libpgport, which this tool does not link. */
#undef printf
#undef fprintf

void
initStringInfo(StringInfo str)
{
	(void) str;
	abort();
}

void
appendStringInfo(StringInfo str, const char *fmt,...)
{
	(void) str;
	(void) fmt;
	abort();
}

#ifdef USE_ASSERT_CHECKING
void
ExceptionalCondition(const char *conditionName, const char *fileName, int lineNumber)
{
	fprintf(stderr, "assertion failed: %s (%s:%d)\n", conditionName, fileName, lineNumber);
	abort();
}
#endif

static void
print_string(const char *s)
{
	if (s == NULL)
	{
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++)
	{
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

#define FLAG(f) { #f, f }
static const struct
{
	const char *name;
	uint32		bit;
}			flag_names[] = {
	FLAG(ITG_COL_READONLY), FLAG(ITG_COL_FILTER_EQ), FLAG(ITG_COL_FILTER_EXACT),
	FLAG(ITG_COL_FILTER_EXCLUDE), FLAG(ITG_COL_FILTER_RANGE), FLAG(ITG_COL_PSA_ID),
	FLAG(ITG_COL_PSA_TYPE), FLAG(ITG_COL_SORT_EXACT),
	FLAG(ITG_COL_ID), FLAG(ITG_COL_PSA_WRITABLE), FLAG(ITG_COL_SHOW_ONLY),
	FLAG(ITG_COL_MAYBE_ABSENT),
};

/* ", "name": "value"" (the first member of an object without the comma). */
static void
member(bool first, const char *name, const char *value)
{
	printf("%s\"%s\": ", first ? "" : ", ", name);
	print_string(value);
}

int
main(void)
{
	printf("{\"resources\": [");
	for (int i = 0; i < itg_resource_count(); i++)
	{
		const ItgResource *r = itg_resource_by_index(i);

		printf("%s\n {", i ? "," : "");
		member(true, "name", r->name);
		member(false, "path", r->path);
		member(false, "json_type", r->json_type);
		member(false, "default_sort", r->default_sort);
		printf(", \"writable\": %s, \"bulk_delete\": %s, \"columns\": [",
			   r->writable ? "true" : "false", r->bulk_delete ? "true" : "false");
		for (int c = 0; c < r->ncolumns; c++)
		{
			const ItgColumnDef *d = &r->columns[c];
			bool		first = true;

			printf("%s\n  {", c ? "," : "");
			member(true, "name", d->name);
			member(false, "attribute", d->attribute);
			member(false, "filter_key", d->filter_key);
			member(false, "sort_key", d->sort_key);
			printf(", \"list_cut_chars\": %d", d->list_cut_chars);
			printf(", \"flags\": [");
			for (int f = 0; f < (int) lengthof(flag_names); f++)
				if (d->flags & flag_names[f].bit)
				{
					printf("%s\"%s\"", first ? "" : ", ", flag_names[f].name);
					first = false;
				}
			printf("]}");
		}
		printf("]}");
	}
	printf("],\n\"lookups\": [");
	{
		bool		first_lookup = true;

		/* Name columns filtered through a lookup resource's ids. */
		for (int i = 0; i < itg_resource_count(); i++)
		{
			const ItgResource *r = itg_resource_by_index(i);

			for (int c = 0; c < r->ncolumns; c++)
			{
				const ItgLookupDef *l = r->columns[c].lookup;

				if (l == NULL)
					continue;
				printf("%s\n {", first_lookup ? "" : ",");
				first_lookup = false;
				member(true, "resource", r->name);
				member(false, "name_attribute", r->columns[c].attribute);
				member(false, "lookup_resource", l->lookup_resource);
				member(false, "id_filter_key", l->id_filter_key);
				printf("}");
			}
		}
	}
	printf("]}\n");
	return 0;
}
