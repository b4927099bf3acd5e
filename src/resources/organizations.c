/*-------------------------------------------------------------------------
 *
 * organizations.c
 *		Organizations: the client companies an MSP documents.
 *
 *-------------------------------------------------------------------------
 */
#include "resdef.h"

/* IT Glue's lists cut quick notes at this many characters. */
#define QUICK_NOTES_LIST_CUT 250

/* Name columns the API filters through the id of a lookup resource. */
static const ItgLookupDef by_organization_status = {"organization_statuses",
"organization_status_id"};
static const ItgLookupDef by_organization_type = {"organization_types",
"organization_type_id"};

/* Why a read-only attribute cannot be written, where there is more to say. */
#define PSA_LINK_HINT gettext_noop("IT Glue sets the PSA id and type when its PSA integration links the organization to a company in the PSA; make the link in the PSA integration settings of IT Glue.")
#define PRIMARY_HINT gettext_noop("IT Glue sets the primary contact and location itself, or takes them from the PSA integration; the API does not accept them.")

/*
 * organizations.  Writable columns are exactly the attributes the API
 * documentation lists for POST and PATCH (name, alert, description,
 * quick_notes, short_name, organization_type_id, organization_status_id);
 * parent_id is listed there too, but the same page says the API cannot
 * assign a parent, so it stays read-only.  Filter meanings follow the API documentation: ids and
 * enum-like values are exact; name and psa_id matching may be partial or
 * case-insensitive in the real service, so they are pre-filters only.
 * Sorting by text is never pushed (the API's collation is unknown).
 */
static const ItgColumnDef organization_columns[] = {
	COL("id", NULL, "bigint", "id", "id",
	ITG_COL_ID | RO | EXACT | ITG_COL_FILTER_EXCLUDE | ITG_COL_SORT_EXACT),
	COL("name", "name", "text", "name", "name", EQ),
	COL("description", "description", "text", NULL, NULL, ITG_COL_PSA_WRITABLE),
	COL("quick_notes", "quick-notes", "text", NULL, NULL, ITG_COL_PSA_WRITABLE,
	.list_cut_chars = QUICK_NOTES_LIST_CUT),
	COL("short_name", "short-name", "text", NULL, "short_name", 0),
	COL("alert", "alert", "text", NULL, NULL, ITG_COL_PSA_WRITABLE),
	COL("organization_type_id", "organization-type-id", "bigint",
	"organization_type_id", NULL, EXACT | ITG_COL_FILTER_EXCLUDE),
	COL("organization_type_name", "organization-type-name", "text", NULL,
	"organization_type_name", RO, .lookup = &by_organization_type),
	COL("organization_status_id", "organization-status-id", "bigint",
	"organization_status_id", NULL, EXACT | ITG_COL_FILTER_EXCLUDE),
	COL("organization_status_name", "organization-status-name", "text", NULL,
	"organization_status_name", RO, .lookup = &by_organization_status),
	COL("parent_id", "parent-id", "bigint", NULL, NULL, RO,
	.write_hint = gettext_noop("The IT Glue API cannot assign a parent organization; set the parent in IT Glue itself.")),
	COL("ancestor_ids", "ancestor-ids", "bigint[]", NULL, NULL, RO),
	COL("primary_contact_id", "primary-contact-id", "bigint", NULL, NULL, RO | ABSENT,
	.write_hint = PRIMARY_HINT),
	COL("primary_location_id", "primary-location-id", "bigint", NULL, NULL, RO | ABSENT,
	.write_hint = PRIMARY_HINT),
	COL("psa_id", "psa-id", "text", "psa_id", NULL,
	RO | ABSENT | ITG_COL_FILTER_EQ | ITG_COL_PSA_ID, .write_hint = PSA_LINK_HINT),
	COL("psa_integration_type", "psa-integration-type", "text",
	"psa_integration_type", NULL, RO | ABSENT | EXACT | ITG_COL_PSA_TYPE,
	.write_hint = PSA_LINK_HINT),
	COL("my_glue_account_id", "my-glue-account-id", "bigint", "my_glue_account_id",
	"my_glue_account_id", RO | ABSENT | EXACT,
	.write_hint = gettext_noop("IT Glue sets it when the organization is linked to a MyGlue account.")),
	COL("is_primary", "primary", "boolean", NULL, NULL, RO),
	COL("logo", "logo", "text", NULL, NULL, RO),
	COL("created_at", "created-at", "timestamptz", "created_at", "created_at",
	RO | ITG_COL_FILTER_RANGE | ITG_COL_SORT_EXACT),
	COL("updated_at", "updated-at", "timestamptz", "updated_at", "updated_at",
	RO | ITG_COL_FILTER_RANGE | ITG_COL_SORT_EXACT),
};

const ItgResource itg_resource_organizations = {
	.name = "organizations", .path = "/organizations",
	.json_type = "organizations", .singular = "organization",
	COLUMNS(organization_columns),
	.writable = true, .bulk_delete = true, .default_rows = 5000,
	.default_sort = "id",
};
