/*-------------------------------------------------------------------------
 *
 * contacts.c
 *		Contacts: the people of each organization.
 *
 *-------------------------------------------------------------------------
 */
#include "resdef.h"

static const ItgColumnDef contact_columns[] = {
	COL("id", NULL, "bigint", "id", "id", ITG_COL_ID | RO | EXACT | ITG_COL_SORT_EXACT),
	COL("organization_id", "organization-id", "bigint", "organization_id", NULL, EXACT),
	COL("name", "name", "text", NULL, NULL, RO),
	COL("first_name", "first-name", "text", NULL, NULL, 0),
	COL("last_name", "last-name", "text", NULL, NULL, 0),
	COL("title", "title", "text", NULL, NULL, 0),
	COL("important", "important", "boolean", NULL, NULL, 0),
	COL("notes", "notes", "text", NULL, NULL, 0),
	COL("contact_emails", "contact-emails", "jsonb", NULL, NULL, 0),
	COL("created_at", "created-at", "timestamptz", NULL, "created_at", RO | ITG_COL_SORT_EXACT),
	COL("updated_at", "updated-at", "timestamptz", NULL, "updated_at", RO | ITG_COL_SORT_EXACT),
};

const ItgResource itg_resource_contacts = {
	.name = "contacts", .path = "/contacts",
	.json_type = "contacts", .singular = "contact",
	COLUMNS(contact_columns),
	.default_rows = 20000, .import_attributes = true,
	.default_sort = "id",
};
