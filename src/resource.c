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
	{"id", NULL, "bigint", "id", "id",
	ITG_COL_ID | RO | EXACT | ITG_COL_FILTER_EXCLUDE | ITG_COL_SORT_EXACT},
	{"name", "name", "text", "name", "name", EQ},
	{"description", "description", "text", NULL, NULL, ITG_COL_PSA_WRITABLE},
	{"quick_notes", "quick-notes", "text", NULL, NULL,
	ITG_COL_TRUNCATED | ITG_COL_PSA_WRITABLE},
	{"short_name", "short-name", "text", NULL, "short_name", 0},
	{"alert", "alert", "text", NULL, NULL, ITG_COL_PSA_WRITABLE},
	{"organization_type_id", "organization-type-id", "bigint",
	"organization_type_id", NULL, EXACT | ITG_COL_FILTER_EXCLUDE},
	{"organization_type_name", "organization-type-name", "text", NULL,
	"organization_type_name", RO},
	{"organization_status_id", "organization-status-id", "bigint",
	"organization_status_id", NULL, EXACT | ITG_COL_FILTER_EXCLUDE},
	{"organization_status_name", "organization-status-name", "text", NULL,
	"organization_status_name", RO},
	{"parent_id", "parent-id", "bigint", NULL, NULL, RO},
	{"ancestor_ids", "ancestor-ids", "bigint[]", NULL, NULL, RO},
	{"primary_contact_id", "primary-contact-id", "bigint", NULL, NULL, RO | ABSENT},
	{"primary_location_id", "primary-location-id", "bigint", NULL, NULL, RO | ABSENT},
	{"psa_id", "psa-id", "text", "psa_id", NULL,
	RO | ABSENT | ITG_COL_FILTER_EQ | ITG_COL_PSA_ID},
	{"psa_integration_type", "psa-integration-type", "text",
	"psa_integration_type", NULL, RO | ABSENT | EXACT | ITG_COL_PSA_TYPE},
	{"my_glue_account_id", "my-glue-account-id", "bigint", "my_glue_account_id",
	"my_glue_account_id", RO | ABSENT | EXACT},
	{"is_primary", "primary", "boolean", NULL, NULL, RO},
	{"logo", "logo", "text", NULL, NULL, RO},
	{"created_at", "created-at", "timestamptz", "created_at", "created_at",
	RO | ITG_COL_FILTER_RANGE | ITG_COL_SORT_EXACT},
	{"updated_at", "updated-at", "timestamptz", "updated_at", "updated_at",
	RO | ITG_COL_FILTER_RANGE | ITG_COL_SORT_EXACT},
};

/*
 * The two lookup resources share one shape.  Their index documents only
 * filter[name] (exact): filter[id] would be ignored, so one id goes to the
 * show route and an id list is checked locally.
 */
static const ItgColumnDef lookup_columns[] = {
	{"id", NULL, "bigint", "id", "id",
	ITG_COL_ID | RO | ITG_COL_FILTER_EQ | ITG_COL_SHOW_ONLY | ITG_COL_SORT_EXACT},
	{"name", "name", "text", "name", "name", EXACT},
	{"synced", "synced", "boolean", NULL, NULL, RO | ABSENT},
	{"created_at", "created-at", "timestamptz", NULL, "created_at",
	RO | ITG_COL_SORT_EXACT},
	{"updated_at", "updated-at", "timestamptz", NULL, "updated_at",
	RO | ITG_COL_SORT_EXACT},
};

static const ItgColumnDef configuration_columns[] = {
	{"id", NULL, "bigint", "id", "id", ITG_COL_ID | RO | EXACT | ITG_COL_SORT_EXACT},
	{"organization_id", "organization-id", "bigint", "organization_id", NULL, EXACT},
	{"organization_name", "organization-name", "text", NULL, NULL, RO},
	{"name", "name", "text", "name", "name", EQ},
	{"hostname", "hostname", "text", NULL, NULL, 0},
	{"primary_ip", "primary-ip", "text", NULL, NULL, 0},
	{"serial_number", "serial-number", "text", NULL, NULL, 0},
	{"configuration_type_id", "configuration-type-id", "bigint", NULL, NULL, 0},
	{"configuration_type_name", "configuration-type-name", "text", NULL, NULL, RO},
	{"configuration_status_id", "configuration-status-id", "bigint", NULL, NULL, 0},
	{"configuration_status_name", "configuration-status-name", "text", NULL, NULL, RO},
	{"archived", "archived", "boolean", NULL, NULL, 0},
	{"created_at", "created-at", "timestamptz", NULL, "created_at", RO | ITG_COL_SORT_EXACT},
	{"updated_at", "updated-at", "timestamptz", NULL, "updated_at", RO | ITG_COL_SORT_EXACT},
};

static const ItgColumnDef contact_columns[] = {
	{"id", NULL, "bigint", "id", "id", ITG_COL_ID | RO | EXACT | ITG_COL_SORT_EXACT},
	{"organization_id", "organization-id", "bigint", "organization_id", NULL, EXACT},
	{"name", "name", "text", NULL, NULL, RO},
	{"first_name", "first-name", "text", NULL, NULL, 0},
	{"last_name", "last-name", "text", NULL, NULL, 0},
	{"title", "title", "text", NULL, NULL, 0},
	{"important", "important", "boolean", NULL, NULL, 0},
	{"notes", "notes", "text", NULL, NULL, 0},
	{"contact_emails", "contact-emails", "jsonb", NULL, NULL, 0},
	{"created_at", "created-at", "timestamptz", NULL, "created_at", RO | ITG_COL_SORT_EXACT},
	{"updated_at", "updated-at", "timestamptz", NULL, "updated_at", RO | ITG_COL_SORT_EXACT},
};

static const ItgColumnDef location_columns[] = {
	{"id", NULL, "bigint", "id", "id", ITG_COL_ID | RO | EXACT | ITG_COL_SORT_EXACT},
	{"organization_id", "organization-id", "bigint", "organization_id", NULL, EXACT},
	{"name", "name", "text", "name", "name", EQ},
	{"is_primary", "primary", "boolean", NULL, NULL, 0},
	{"city", "city", "text", NULL, NULL, 0},
	{"postal_code", "postal-code", "text", NULL, NULL, 0},
	{"phone", "phone", "text", NULL, NULL, 0},
	{"created_at", "created-at", "timestamptz", NULL, "created_at", RO | ITG_COL_SORT_EXACT},
	{"updated_at", "updated-at", "timestamptz", NULL, "updated_at", RO | ITG_COL_SORT_EXACT},
};

#define NCOLS(a) ((int) lengthof(a))

static const ItgResource resources[] = {
	{"organizations", "/organizations", "organizations", "organization",
	organization_columns, NCOLS(organization_columns), true, true, 5000, false, "id"},
	{"organization_types", "/organization_types", "organization-types", "organization type",
	lookup_columns, NCOLS(lookup_columns), true, false, 20, false, "id"},
	{"organization_statuses", "/organization_statuses", "organization-statuses",
	"organization status",
	lookup_columns, NCOLS(lookup_columns), true, false, 20, false, "id"},
	{"configurations", "/configurations", "configurations", "configuration",
	configuration_columns, NCOLS(configuration_columns), false, false, 20000, true, "id"},
	{"contacts", "/contacts", "contacts", "contact",
	contact_columns, NCOLS(contact_columns), false, false, 20000, true, "id"},
	{"locations", "/locations", "locations", "location",
	location_columns, NCOLS(location_columns), false, false, 10000, true, "id"},
};

/*
 * Why a read-only attribute cannot be written, where the answer is more than
 * "IT Glue fills it in": the hint of the error that refuses the write.
 */
static const struct
{
	const char *resource;
	const char *attribute;
	const char *hint;
}			write_hints[] = {
	{"organizations", "psa-id",
	gettext_noop("IT Glue sets the PSA id and type when its PSA integration links the organization to a company in the PSA; make the link in the PSA integration settings of IT Glue.")},
	{"organizations", "psa-integration-type",
	gettext_noop("IT Glue sets the PSA id and type when its PSA integration links the organization to a company in the PSA; make the link in the PSA integration settings of IT Glue.")},
	{"organizations", "primary-contact-id",
	gettext_noop("IT Glue sets the primary contact and location itself, or takes them from the PSA integration; the API does not accept them.")},
	{"organizations", "primary-location-id",
	gettext_noop("IT Glue sets the primary contact and location itself, or takes them from the PSA integration; the API does not accept them.")},
	{"organizations", "my-glue-account-id",
	gettext_noop("IT Glue sets it when the organization is linked to a MyGlue account.")},
	{"organizations", "parent-id",
	gettext_noop("The IT Glue API cannot assign a parent organization; set the parent in IT Glue itself.")},
};

/* itg_resource_write_hint: the hint for a refused write, or NULL. */
const char *
itg_resource_write_hint(const ItgResource *res, const char *attribute)
{
	if (attribute == NULL)
		return NULL;
	for (int i = 0; i < (int) lengthof(write_hints); i++)
		if (strcmp(write_hints[i].resource, res->name) == 0 &&
			strcmp(write_hints[i].attribute, attribute) == 0)
			return write_hints[i].hint;
	return NULL;
}

/* Name columns the API can filter through the lookup resources' ids. */
static const ItgLookupDef lookup_columns_table[] = {
	{"organizations", "organization-status-name", "organization_statuses",
	"organization_status_id"},
	{"organizations", "organization-type-name", "organization_types",
	"organization_type_id"},
};

/* itg_resource_lookup_column: how a name column filters by id, or NULL. */
const ItgLookupDef *
itg_resource_lookup_column(const ItgResource *res, const char *attribute)
{
	if (res == NULL || attribute == NULL)
		return NULL;
	for (int i = 0; i < NCOLS(lookup_columns_table); i++)
		if (strcmp(lookup_columns_table[i].resource, res->name) == 0 &&
			strcmp(lookup_columns_table[i].name_attribute, attribute) == 0)
			return &lookup_columns_table[i];
	return NULL;
}

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
