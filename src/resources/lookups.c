/*-------------------------------------------------------------------------
 *
 * lookups.c
 *		The lookup resources: small lists of names that other resources
 *		refer to by id.
 *
 *-------------------------------------------------------------------------
 */
#include "resdef.h"

/*
 * The organization lookups share one shape.  Their index documents only
 * filter[name] (exact): filter[id] would be ignored, so one id goes to the
 * show route and an id list is checked locally.
 */
static const ItgColumnDef lookup_columns[] = {
	COL("id", NULL, "bigint", "id", "id",
	ITG_COL_ID | RO | ITG_COL_FILTER_EQ | ITG_COL_SHOW_ONLY | ITG_COL_SORT_EXACT),
	COL("name", "name", "text", "name", "name", EXACT),
	COL("synced", "synced", "boolean", NULL, NULL, RO | ABSENT),
	COL("created_at", "created-at", "timestamptz", NULL, "created_at",
	RO | ITG_COL_SORT_EXACT),
	COL("updated_at", "updated-at", "timestamptz", NULL, "updated_at",
	RO | ITG_COL_SORT_EXACT),
};

const ItgResource itg_resource_organization_types = {
	.name = "organization_types", .path = "/organization_types",
	.json_type = "organization-types", .singular = "organization type",
	COLUMNS(lookup_columns),
	.writable = true, .default_rows = 20,
	.default_sort = "id",
};

const ItgResource itg_resource_organization_statuses = {
	.name = "organization_statuses", .path = "/organization_statuses",
	.json_type = "organization-statuses", .singular = "organization status",
	COLUMNS(lookup_columns),
	.writable = true, .default_rows = 20,
	.default_sort = "id",
};
