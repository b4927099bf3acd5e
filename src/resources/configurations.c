/*-------------------------------------------------------------------------
 *
 * configurations.c
 *		Configurations: the devices and services documented per organization.
 *
 *-------------------------------------------------------------------------
 */
#include "resdef.h"

static const ItgColumnDef configuration_columns[] = {
	COL("id", NULL, "bigint", "id", "id", ITG_COL_ID | RO | EXACT | ITG_COL_SORT_EXACT),
	COL("organization_id", "organization-id", "bigint", "organization_id", NULL, EXACT),
	COL("organization_name", "organization-name", "text", NULL, NULL, RO),
	COL("name", "name", "text", "name", "name", EQ),
	COL("hostname", "hostname", "text", NULL, NULL, 0),
	COL("primary_ip", "primary-ip", "text", NULL, NULL, 0),
	COL("serial_number", "serial-number", "text", NULL, NULL, 0),
	COL("configuration_type_id", "configuration-type-id", "bigint", NULL, NULL, 0),
	COL("configuration_type_name", "configuration-type-name", "text", NULL, NULL, RO),
	COL("configuration_status_id", "configuration-status-id", "bigint", NULL, NULL, 0),
	COL("configuration_status_name", "configuration-status-name", "text", NULL, NULL, RO),
	COL("archived", "archived", "boolean", NULL, NULL, 0),
	COL("created_at", "created-at", "timestamptz", NULL, "created_at", RO | ITG_COL_SORT_EXACT),
	COL("updated_at", "updated-at", "timestamptz", NULL, "updated_at", RO | ITG_COL_SORT_EXACT),
};

const ItgResource itg_resource_configurations = {
	.name = "configurations", .path = "/configurations",
	.json_type = "configurations", .singular = "configuration",
	COLUMNS(configuration_columns),
	.default_rows = 20000, .import_attributes = true,
	.default_sort = "id",
};
