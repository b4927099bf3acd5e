/*-------------------------------------------------------------------------
 *
 * option.c
 *		Option validator and the merged options a scan or write uses.
 *
 * Design rules:
 *	- Every option is checked at CREATE/ALTER time, so a typo fails early
 *	  with a hint instead of at the first query.
 *	- The API key lives on user mappings only, like postgres_fdw's password.
 *	- A server cannot become a way to send requests (and the key) anywhere:
 *	  plain http is for loopback only, and a host outside *.itglue.com needs
 *	  a superuser.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/reloptions.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "commands/defrem.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "it_glue_fdw.h"

PG_FUNCTION_INFO_V1(it_glue_fdw_validator);

/* Where an option may appear (a set of these bits). */
#define ITG_ON_SERVER		0x01
#define ITG_ON_TABLE		0x02
#define ITG_ON_MAPPING		0x04
#define ITG_ON_COLUMN		0x08

/* What an option's value is, which says how it is checked and applied. */
typedef enum ItgOptionKind
{
	ITG_OPT_INT,				/* a whole number in [min, max] */
	ITG_OPT_BOOL,
	ITG_OPT_URL,				/* the API's base URL */
	ITG_OPT_REGION,				/* us, eu, au: sets the base URL */
	ITG_OPT_CA_FILE,			/* superuser only, an absolute path */
	ITG_OPT_API_KEY,			/* one line, never echoed */
	ITG_OPT_RESOURCE,			/* a resource of resource.c */
	ITG_OPT_ATTRIBUTE			/* a column's JSON:API attribute */
} ItgOptionKind;

#define ITG_NO_FIELD	((size_t) -1)

/*
 * Every option, once: where it may appear, its kind and range, its default
 * (as option text; NULL: none) and the ItgOptions field it sets.  The
 * validator, the defaults and the merged options all come from here; the
 * order is the order hints list them in.
 */
typedef struct ItgOptionDef
{
	const char *name;
	int			where;
	ItgOptionKind kind;
	int			min;			/* ITG_OPT_INT only */
	int			max;
	const char *default_value;
	size_t		field;			/* offsetof(ItgOptions, ...), or ITG_NO_FIELD */
} ItgOptionDef;

#define ITG_SERVER_OR_TABLE (ITG_ON_SERVER | ITG_ON_TABLE)

static const ItgOptionDef option_defs[] = {
	{"url", ITG_ON_SERVER, ITG_OPT_URL, 0, 0, "https://api.itglue.com",
	offsetof(ItgOptions, base_url)},
	{"region", ITG_ON_SERVER, ITG_OPT_REGION, 0, 0, NULL, offsetof(ItgOptions, base_url)},
	{"ca_file", ITG_ON_SERVER, ITG_OPT_CA_FILE, 0, 0, NULL, offsetof(ItgOptions, ca_file)},
	{"page_size", ITG_SERVER_OR_TABLE, ITG_OPT_INT, 1, 1000, "1000",
	offsetof(ItgOptions, page_size)},
	{"timeout_ms", ITG_ON_SERVER, ITG_OPT_INT, 1, 3600 * 1000, "30000",
	offsetof(ItgOptions, timeout_ms)},
	{"connect_timeout_ms", ITG_ON_SERVER, ITG_OPT_INT, 1, 600 * 1000, "10000",
	offsetof(ItgOptions, connect_timeout_ms)},
	{"max_retries", ITG_ON_SERVER, ITG_OPT_INT, 0, 100, "5",
	offsetof(ItgOptions, max_retries)},
	{"max_concurrency", ITG_ON_SERVER, ITG_OPT_INT, 1, 64, "4",
	offsetof(ItgOptions, max_concurrency)},
	/* IT Glue's window: 3000 requests per 5 minutes per account. */
	{"requests_per_minute", ITG_ON_SERVER, ITG_OPT_INT, 1, 1000000, NULL,
	offsetof(ItgOptions, pace.per_minute)},
	{"rate_window_requests", ITG_ON_SERVER, ITG_OPT_INT, 2, 10000000, "3000",
	offsetof(ItgOptions, pace.window_requests)},
	{"rate_window_seconds", ITG_ON_SERVER, ITG_OPT_INT, 1, ITG_WINDOW_MAX_SECONDS, "300",
	offsetof(ItgOptions, pace.window_seconds)},
	{"max_response_mb", ITG_ON_SERVER, ITG_OPT_INT, 1, 1024, "64",
	offsetof(ItgOptions, max_response_mb)},
	{"max_pages", ITG_SERVER_OR_TABLE, ITG_OPT_INT, 1, INT_MAX, "100000",
	offsetof(ItgOptions, max_pages)},
	{"updatable", ITG_SERVER_OR_TABLE, ITG_OPT_BOOL, 0, 0, "true",
	offsetof(ItgOptions, updatable)},
	{"allow_delete", ITG_SERVER_OR_TABLE, ITG_OPT_BOOL, 0, 0, "false",
	offsetof(ItgOptions, allow_delete)},
	{"use_remote_estimate", ITG_SERVER_OR_TABLE, ITG_OPT_BOOL, 0, 0, "false",
	offsetof(ItgOptions, use_remote_estimate)},
	{"refetch_truncated", ITG_SERVER_OR_TABLE, ITG_OPT_BOOL, 0, 0, "true",
	offsetof(ItgOptions, refetch_truncated)},
	{"api_key", ITG_ON_MAPPING, ITG_OPT_API_KEY, 0, 0, NULL, offsetof(ItgOptions, api_key)},
	{"resource", ITG_ON_TABLE, ITG_OPT_RESOURCE, 0, 0, "organizations",
	offsetof(ItgOptions, resource)},
	{"attribute", ITG_ON_COLUMN, ITG_OPT_ATTRIBUTE, 0, 0, NULL, ITG_NO_FIELD},
};

/* The bit of a catalog (object kind) that options are given on. */
static int
catalog_bit(Oid context)
{
	switch (context)
	{
		case ForeignServerRelationId:
			return ITG_ON_SERVER;
		case UserMappingRelationId:
			return ITG_ON_MAPPING;
		case ForeignTableRelationId:
			return ITG_ON_TABLE;
		case AttributeRelationId:
			return ITG_ON_COLUMN;
		default:
			return 0;			/* the wrapper takes none */
	}
}

static const char *
catalog_name(Oid context)
{
	switch (context)
	{
		case ForeignServerRelationId:
			return "server";
		case UserMappingRelationId:
			return "user mapping";
		case ForeignTableRelationId:
			return "foreign table";
		case AttributeRelationId:
			return "column";
		default:
			return "foreign-data wrapper";
	}
}

/* The options valid for one catalog, "a, b, c", for hints. */
static char *
valid_option_list(Oid context)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < (int) lengthof(option_defs); i++)
		if (option_defs[i].where & catalog_bit(context))
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
							 option_defs[i].name);
	return buf.data;
}

static const ItgOptionDef *
find_option(const char *name)
{
	for (int i = 0; i < (int) lengthof(option_defs); i++)
		if (strcmp(option_defs[i].name, name) == 0)
			return &option_defs[i];
	return NULL;
}

/* Parse an integer option value strictly, with its allowed range. */
static int
parse_int_option(const ItgOptionDef *spec, DefElem *def)
{
	const char *value = defGetString(def);
	char	   *end;
	long		v;

	errno = 0;
	v = strtol(value, &end, 10);
	while (*end == ' ')
		end++;
	if (errno != 0 || end == value || *end != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", def->defname, value),
				 errhint("Use a whole number from %d to %d.", spec->min, spec->max)));
	if (v < spec->min || v > spec->max)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("value %ld for option \"%s\" is out of range", v, def->defname),
				 errhint("Use a whole number from %d to %d.", spec->min, spec->max)));
	return (int) v;
}

/* The regional base URL for a region option value. */
static const char *
region_url(const char *region)
{
	if (strcmp(region, "us") == 0)
		return "https://api.itglue.com";
	if (strcmp(region, "eu") == 0)
		return "https://api.eu.itglue.com";
	if (strcmp(region, "au") == 0)
		return "https://api.au.itglue.com";
	return NULL;
}

/* Is host a loopback name or address (where plain http is acceptable)? */
static bool
host_is_loopback(const char *host)
{
	if (pg_strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0)
		return true;
	if (strncmp(host, "127.", 4) == 0)
	{
		for (const char *p = host + 4; *p; p++)
			if (!isdigit((unsigned char) *p) && *p != '.')
				return false;
		return true;
	}
	return false;
}

/* Is host itglue.com or one of its subdomains? */
static bool
host_is_itglue(const char *host)
{
	size_t		n = strlen(host);
	const char *suffix = ".itglue.com";
	size_t		sn = strlen(suffix);

	if (pg_strcasecmp(host, "itglue.com") == 0)
		return true;
	return n > sn && pg_strcasecmp(host + n - sn, suffix) == 0;
}

/*
 * validate_url
 *		Check a url option: scheme, host, and who may point a server where.
 */
static void
validate_url(const char *url)
{
	const char *rest;
	bool		https;
	char	   *host;
	size_t		hostlen;

	if (pg_strncasecmp(url, "https://", 8) == 0)
	{
		https = true;
		rest = url + 8;
	}
	else if (pg_strncasecmp(url, "http://", 7) == 0)
	{
		https = false;
		rest = url + 7;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"url\": \"%s\"", url),
				 errdetail("The URL must start with https://."),
				 errhint("Use option \"region\" ('us', 'eu' or 'au') for the IT Glue regional APIs.")));

	/* Host ends at the port, path, query or end; brackets hold IPv6. */
	if (*rest == '[')
		hostlen = strcspn(rest, "]") + 1;
	else
		hostlen = strcspn(rest, ":/?#");
	if (hostlen == 0 || strchr(rest, '@') != NULL || strpbrk(rest, " \t\r\n") != NULL ||
		strpbrk(rest, "?#") != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"url\": \"%s\"", url),
				 errdetail("The URL must be a scheme and host, optionally with a port and path, without credentials, query or fragment.")));
	host = pnstrdup(rest, hostlen);

	if (!https && !host_is_loopback(host))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("plain http is allowed only for loopback hosts, not \"%s\"", host),
				 errhint("Use an https:// URL.")));

	if (!host_is_itglue(host) && !superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to set option \"url\" to host \"%s\"", host),
				 errdetail("Only a superuser may point a server at a host outside itglue.com.")));
}

/*
 * check_option
 *		Check one option's value, by its kind (the name is known to be valid
 *		where it is given).
 */
static void
check_option(const ItgOptionDef *opt, DefElem *def)
{
	switch (opt->kind)
	{
		case ITG_OPT_INT:
			(void) parse_int_option(opt, def);
			break;
		case ITG_OPT_BOOL:
			(void) defGetBoolean(def);
			break;
		case ITG_OPT_URL:
			validate_url(defGetString(def));
			break;
		case ITG_OPT_REGION:
			if (region_url(defGetString(def)) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"region\": \"%s\"", defGetString(def)),
						 errhint("Valid regions are: us, eu, au.")));
			break;
		case ITG_OPT_CA_FILE:
			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied to set option \"ca_file\""),
						 errdetail("Only a superuser may choose which certificate authorities the server trusts.")));
			if (defGetString(def)[0] != '/')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"ca_file\" must be an absolute path")));
			break;
		case ITG_OPT_API_KEY:
			{
				const char *key = defGetString(def);

				/* A header value cannot hold line breaks; reject, never echo. */
				if (key[0] == '\0' || strpbrk(key, "\r\n") != NULL)
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"api_key\""),
							 errdetail("The key must be non-empty and on one line.")));
			}
			break;
		case ITG_OPT_RESOURCE:
			if (itg_resource_lookup(defGetString(def)) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown IT Glue resource \"%s\"", defGetString(def)),
						 errhint("Known resources are: %s.", itg_resource_names())));
			break;
		case ITG_OPT_ATTRIBUTE:
			if (defGetString(def)[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"attribute\" must not be empty")));
			break;
	}
}

/*
 * it_glue_fdw_validator
 *		Validate the options of a wrapper, server, user mapping, foreign
 *		table or column.
 */
Datum
it_glue_fdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *lc;
	bool		has_url = false;
	bool		has_region = false;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const ItgOptionDef *opt;
		ListCell   *lc2;

		/* Each option once (ALTER merges, but CREATE may repeat). */
		for_each_cell(lc2, options, lnext(options, lc))
		{
			if (strcmp(((DefElem *) lfirst(lc2))->defname, def->defname) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_SYNTAX_ERROR),
						 errmsg("conflicting or redundant options"),
						 errdetail("Option \"%s\" is given more than once.", def->defname)));
		}

		opt = find_option(def->defname);
		if (opt == NULL || !(opt->where & catalog_bit(catalog)))
		{
			if (opt != NULL && opt->kind == ITG_OPT_API_KEY)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("option \"api_key\" is allowed only on a user mapping"),
						 errhint("Use CREATE USER MAPPING ... SERVER ... OPTIONS (api_key '...') so that the key stays private to its user.")));
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 opt != NULL ?
					 errmsg("option \"%s\" is not valid on a %s", def->defname,
							catalog_name(catalog)) :
					 errmsg("invalid option \"%s\"", def->defname),
					 valid_option_list(catalog)[0] != '\0' ?
					 errhint("Valid options on a %s are: %s.", catalog_name(catalog),
							 valid_option_list(catalog)) :
					 errhint("There are no valid options on a %s.", catalog_name(catalog))));
		}
		has_url |= opt->kind == ITG_OPT_URL;
		has_region |= opt->kind == ITG_OPT_REGION;
		check_option(opt, def);
	}

	if (has_url && has_region)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"url\" and \"region\" cannot be used together"),
				 errhint("Set either \"region\" ('us', 'eu' or 'au') or \"url\", not both.")));

	PG_RETURN_VOID();
}

/*
 * apply_value
 *		Set the field of opt from a (valid) option value, by its kind.
 */
static void
apply_value(ItgOptions *opts, const ItgOptionDef *opt, DefElem *def)
{
	void	   *field = (char *) opts + opt->field;

	if (opt->field == ITG_NO_FIELD)
		return;
	switch (opt->kind)
	{
		case ITG_OPT_INT:
			*(int *) field = parse_int_option(opt, def);
			break;
		case ITG_OPT_BOOL:
			*(bool *) field = defGetBoolean(def);
			break;
		case ITG_OPT_URL:
		case ITG_OPT_CA_FILE:
		case ITG_OPT_API_KEY:
			*(char **) field = pstrdup(defGetString(def));
			break;
		case ITG_OPT_REGION:
			*(char **) field = pstrdup(region_url(defGetString(def)));
			break;
		case ITG_OPT_RESOURCE:
			*(const ItgResource **) field = itg_resource_lookup(defGetString(def));
			break;
		case ITG_OPT_ATTRIBUTE:
			break;
	}
}

/* Apply the options of one catalog object to the merged struct. */
static void
apply_options(ItgOptions *opts, List *options)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		const ItgOptionDef *opt = find_option(def->defname);

		if (opt != NULL)
			apply_value(opts, opt, def);
	}
}

/* Every option's default, set the way a given value would be. */
static void
apply_defaults(ItgOptions *opts)
{
	for (int i = 0; i < (int) lengthof(option_defs); i++)
		if (option_defs[i].default_value != NULL)
			apply_value(opts, &option_defs[i],
						makeDefElem(pstrdup(option_defs[i].name),
									(Node *) makeString(pstrdup(option_defs[i].default_value)),
									-1));
}

/*
 * itg_get_server_options
 *		Defaults, then server options, then the user mapping's key.
 */
ItgOptions *
itg_get_server_options(Oid serverid, Oid userid, bool need_key)
{
	ItgOptions *opts = palloc0(sizeof(ItgOptions));
	ForeignServer *server = GetForeignServer(serverid);

	opts->serverid = serverid;
	opts->userid = userid;
	opts->server_name = pstrdup(server->servername);
	apply_defaults(opts);
	apply_options(opts, server->options);

	/* Strip a trailing slash so paths can be appended as "/resource". */
	{
		size_t		n = strlen(opts->base_url);

		if (n > 0 && opts->base_url[n - 1] == '/')
			opts->base_url = pnstrdup(opts->base_url, n - 1);
	}

	if (need_key)
	{
		UserMapping *um;

		/* Say how to fix a missing mapping, not just that it is missing. */
		if (!SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
								   ObjectIdGetDatum(serverid)) &&
			!SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
								   ObjectIdGetDatum(serverid)))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("user \"%s\" has no user mapping for IT Glue server \"%s\"",
							GetUserNameFromId(userid, false), server->servername),
					 errhint("Create one with the IT Glue API key: CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (api_key '...').",
							 quote_identifier(server->servername))));
		um = GetUserMapping(userid, serverid);
		apply_options(opts, um->options);
		if (opts->api_key == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
					 errmsg("user mapping for server \"%s\" has no api_key",
							server->servername),
					 errhint("Use ALTER USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (ADD api_key '...').",
							 quote_identifier(server->servername))));
	}
	return opts;
}

/*
 * itg_get_options
 *		Options for a foreign table: server-level ones overridden by the
 *		table's, with the key of the user the query runs as.
 */
ItgOptions *
itg_get_options(Oid foreigntableid, Oid userid, bool need_key)
{
	ForeignTable *table = GetForeignTable(foreigntableid);
	ItgOptions *opts = itg_get_server_options(table->serverid, userid, need_key);

	apply_options(opts, table->options);
	return opts;
}

/*
 * itg_column_attribute
 *		The attribute a column reads: its "attribute" option, or its name
 *		with underscores turned into dashes.
 */
char *
itg_column_attribute(Oid relid, AttrNumber attnum, const char *attname)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *lc;
	char	   *attr;

	foreach(lc, options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "attribute") == 0)
			return pstrdup(defGetString(def));
	}
	attr = pstrdup(attname);
	for (char *p = attr; *p; p++)
		if (*p == '_')
			*p = '-';
	return attr;
}
