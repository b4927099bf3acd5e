/*-------------------------------------------------------------------------
 *
 * resource.c
 *		The table that describes each IT Glue resource: its path, JSON:API
 *		type, and for every column the attribute, SQL type, and what the
 *		API can filter, sort and write.
 *
 * Design rule: planning, conversion, writes and IMPORT FOREIGN SCHEMA all
 * read this table, so supporting a new resource means adding an entry in
 * src/resources/ and a line here, not code in five places.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "it_glue_fdw.h"

/*
 * The registry: every resource the FDW knows, in the order IMPORT creates
 * them.  Each family of resources is described in its own file under
 * src/resources/.
 */

static const ItgResource *const resources[] = {
	&itg_resource_organizations,
	&itg_resource_organization_types,
	&itg_resource_organization_statuses,
	&itg_resource_configurations,
	&itg_resource_contacts,
	&itg_resource_locations,
};

#define NRESOURCES ((int) lengthof(resources))

/* itg_resource_lookup: the description of a resource, or NULL. */
const ItgResource *
itg_resource_lookup(const char *name)
{
	for (int i = 0; i < NRESOURCES; i++)
		if (strcmp(resources[i]->name, name) == 0)
			return resources[i];
	return NULL;
}

/* itg_resource_count / itg_resource_by_index: iterate, for IMPORT. */
int
itg_resource_count(void)
{
	return NRESOURCES;
}

const ItgResource *
itg_resource_by_index(int i)
{
	Assert(i >= 0 && i < NRESOURCES);
	return resources[i];
}

/*
 * itg_resource_column_by_attribute
 *		The description of the column reading an attribute (NULL: the id).
 */
const ItgColumnDef *
itg_resource_column_by_attribute(const ItgResource *res, const char *attribute)
{
	for (int i = 0; i < res->ncolumns; i++)
	{
		const ItgColumnDef *c = &res->columns[i];

		if (attribute == NULL ? c->attribute == NULL :
			(c->attribute != NULL && strcmp(c->attribute, attribute) == 0))
			return c;
	}
	return NULL;
}

/* itg_resource_names: "organizations, organization_types, ..." for hints. */
char *
itg_resource_names(void)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < NRESOURCES; i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", resources[i]->name);
	return buf.data;
}
