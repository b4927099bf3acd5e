/*-------------------------------------------------------------------------
 *
 * resource.c
 *		The table that describes each IT Glue resource: its path, JSON:API
 *		type, and for every column the attribute, SQL type, and what the
 *		API can filter, sort and write.
 *
 * Design rule: planning, conversion, writes and IMPORT FOREIGN SCHEMA all
 * read this table, so supporting a new resource means adding an entry here,
 * not code in five places.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"

#include "it_glue_fdw.h"

#define RO ITG_COL_READONLY
#define EQ (ITG_COL_FILTER_EQ)
#define EXACT (ITG_COL_FILTER_EQ | ITG_COL_FILTER_EXACT)
#define ABSENT ITG_COL_MAYBE_ABSENT

/* A column: its name, attribute, SQL type, filter key, sort key and flags,
 * then any of the optional fields by name (.lookup, .list_cut_chars, ...). */
#define COL(name_, attribute_, type_, filter_key_, sort_key_, flags_, ...) \
	{.name = (name_), .attribute = (attribute_), .sql_type = (type_), \
	 .filter_key = (filter_key_), .sort_key = (sort_key_), .flags = (flags_), \
	 __VA_ARGS__}

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

/*
 * The two lookup resources share one shape.  Their index documents only
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

#define NCOLS(a) ((int) lengthof(a))

static const ItgResource resources[] = {
	{
		.name = "organizations", .path = "/organizations",
		.json_type = "organizations", .singular = "organization",
		.columns = organization_columns, .ncolumns = NCOLS(organization_columns),
		.writable = true, .bulk_delete = true, .default_rows = 5000,
		.default_sort = "id",
	},
	{
		.name = "organization_types", .path = "/organization_types",
		.json_type = "organization-types", .singular = "organization type",
		.columns = lookup_columns, .ncolumns = NCOLS(lookup_columns),
		.writable = true, .default_rows = 20,
		.default_sort = "id",
	},
	{
		.name = "organization_statuses", .path = "/organization_statuses",
		.json_type = "organization-statuses", .singular = "organization status",
		.columns = lookup_columns, .ncolumns = NCOLS(lookup_columns),
		.writable = true, .default_rows = 20,
		.default_sort = "id",
	},
	{
		.name = "configurations", .path = "/configurations",
		.json_type = "configurations", .singular = "configuration",
		.columns = configuration_columns, .ncolumns = NCOLS(configuration_columns),
		.default_rows = 20000, .import_attributes = true,
		.default_sort = "id",
	},
	{
		.name = "contacts", .path = "/contacts",
		.json_type = "contacts", .singular = "contact",
		.columns = contact_columns, .ncolumns = NCOLS(contact_columns),
		.default_rows = 20000, .import_attributes = true,
		.default_sort = "id",
	},
	{
		.name = "locations", .path = "/locations",
		.json_type = "locations", .singular = "location",
		.columns = location_columns, .ncolumns = NCOLS(location_columns),
		.default_rows = 10000, .import_attributes = true,
		.default_sort = "id",
	},
};

/* itg_resource_lookup: the description of a resource, or NULL. */
const ItgResource *
itg_resource_lookup(const char *name)
{
	for (int i = 0; i < NCOLS(resources); i++)
		if (strcmp(resources[i].name, name) == 0)
			return &resources[i];
	return NULL;
}

/* itg_resource_count / itg_resource_by_index: iterate, for IMPORT. */
int
itg_resource_count(void)
{
	return NCOLS(resources);
}

const ItgResource *
itg_resource_by_index(int i)
{
	Assert(i >= 0 && i < NCOLS(resources));
	return &resources[i];
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
	for (int i = 0; i < NCOLS(resources); i++)
		appendStringInfo(&buf, "%s%s", i > 0 ? ", " : "", resources[i].name);
	return buf.data;
}
