/*-------------------------------------------------------------------------
 *
 * locations.c
 *		Locations: the sites of each organization.
 *
 *-------------------------------------------------------------------------
 */
#include "resdef.h"

static const ItgColumnDef location_columns[] = {
	COL("id", NULL, "bigint", "id", "id", ITG_COL_ID | RO | EXACT | ITG_COL_SORT_EXACT),
	COL("organization_id", "organization-id", "bigint", "organization_id", NULL, EXACT),
	COL("name", "name", "text", "name", "name", EQ),
	COL("is_primary", "primary", "boolean", NULL, NULL, 0),
	COL("city", "city", "text", NULL, NULL, 0),
	COL("postal_code", "postal-code", "text", NULL, NULL, 0),
	COL("phone", "phone", "text", NULL, NULL, 0),
	COL("created_at", "created-at", "timestamptz", NULL, "created_at", RO | ITG_COL_SORT_EXACT),
	COL("updated_at", "updated-at", "timestamptz", NULL, "updated_at", RO | ITG_COL_SORT_EXACT),
};

const ItgResource itg_resource_locations = {
	.name = "locations", .path = "/locations",
	.json_type = "locations", .singular = "location",
	COLUMNS(location_columns),
	.default_rows = 10000, .import_attributes = true,
	.default_sort = "id",
};
