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
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "it_glue_fdw.h"

PG_FUNCTION_INFO_V1(it_glue_fdw_validator);

/* Which catalog (object kind) may carry each option. */
typedef struct ItgOptionDef
{
	const char *name;
	Oid			context;
} ItgOptionDef;

static const ItgOptionDef valid_options[] = {
	{"url", ForeignServerRelationId},
	{"region", ForeignServerRelationId},
	{"ca_file", ForeignServerRelationId},
	{"page_size", ForeignServerRelationId},
	{"page_size", ForeignTableRelationId},
	{"timeout_ms", ForeignServerRelationId},
	{"connect_timeout_ms", ForeignServerRelationId},
	{"max_retries", ForeignServerRelationId},
	{"max_concurrency", ForeignServerRelationId},
	{"requests_per_minute", ForeignServerRelationId},
	{"max_response_mb", ForeignServerRelationId},
	{"max_pages", ForeignServerRelationId},
	{"max_pages", ForeignTableRelationId},
	{"updatable", ForeignServerRelationId},
	{"updatable", ForeignTableRelationId},
	{"allow_delete", ForeignServerRelationId},
	{"allow_delete", ForeignTableRelationId},
	{"use_remote_estimate", ForeignServerRelationId},
	{"use_remote_estimate", ForeignTableRelationId},
	{"refetch_truncated", ForeignServerRelationId},
	{"refetch_truncated", ForeignTableRelationId},
	{"api_key", UserMappingRelationId},
	{"resource", ForeignTableRelationId},
	{"attribute", AttributeRelationId},
};

/* Integer options: name, minimum, maximum. */
typedef struct ItgIntOption
{
	const char *name;
	int			min;
	int			max;
} ItgIntOption;

static const ItgIntOption int_options[] = {
	{"page_size", 1, 1000},
	{"timeout_ms", 1, 3600 * 1000},
	{"connect_timeout_ms", 1, 600 * 1000},
	{"max_retries", 0, 100},
	{"max_concurrency", 1, 64},
	{"requests_per_minute", 1, 1000000},
	{"max_response_mb", 1, 1024},
	{"max_pages", 1, INT_MAX},
};

#define ITG_DEFAULT_URL "https://api.itglue.com"

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
	for (int i = 0; i < (int) lengthof(valid_options); i++)
		if (valid_options[i].context == context)
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
							 valid_options[i].name);
	return buf.data;
}

static bool
option_known_anywhere(const char *name)
{
	for (int i = 0; i < (int) lengthof(valid_options); i++)
		if (strcmp(valid_options[i].name, name) == 0)
			return true;
	return false;
}

static bool
option_valid_in(const char *name, Oid context)
{
	for (int i = 0; i < (int) lengthof(valid_options); i++)
		if (valid_options[i].context == context &&
			strcmp(valid_options[i].name, name) == 0)
			return true;
	return false;
}

/* Parse an integer option value strictly, with its allowed range. */
static int
parse_int_option(DefElem *def)
{
	const char *value = defGetString(def);
	const ItgIntOption *spec = NULL;
	char	   *end;
	long		v;

	for (int i = 0; i < (int) lengthof(int_options); i++)
		if (strcmp(int_options[i].name, def->defname) == 0)
			spec = &int_options[i];
	Assert(spec != NULL);

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

static bool
is_int_option(const char *name)
{
	for (int i = 0; i < (int) lengthof(int_options); i++)
		if (strcmp(int_options[i].name, name) == 0)
			return true;
	return false;
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

		if (!option_valid_in(def->defname, catalog))
		{
			if (strcmp(def->defname, "api_key") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
						 errmsg("option \"api_key\" is allowed only on a user mapping"),
						 errhint("Use CREATE USER MAPPING ... SERVER ... OPTIONS (api_key '...') so that the key stays private to its user.")));
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 option_known_anywhere(def->defname) ?
					 errmsg("option \"%s\" is not valid on a %s", def->defname,
							catalog_name(catalog)) :
					 errmsg("invalid option \"%s\"", def->defname),
					 valid_option_list(catalog)[0] != '\0' ?
					 errhint("Valid options on a %s are: %s.", catalog_name(catalog),
							 valid_option_list(catalog)) :
					 errhint("There are no valid options on a %s.", catalog_name(catalog))));
		}

		if (is_int_option(def->defname))
			(void) parse_int_option(def);
		else if (strcmp(def->defname, "updatable") == 0 ||
				 strcmp(def->defname, "allow_delete") == 0 ||
				 strcmp(def->defname, "use_remote_estimate") == 0 ||
				 strcmp(def->defname, "refetch_truncated") == 0)
			(void) defGetBoolean(def);
		else if (strcmp(def->defname, "url") == 0)
		{
			has_url = true;
			validate_url(defGetString(def));
		}
		else if (strcmp(def->defname, "region") == 0)
		{
			has_region = true;
			if (region_url(defGetString(def)) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"region\": \"%s\"", defGetString(def)),
						 errhint("Valid regions are: us, eu, au.")));
		}
		else if (strcmp(def->defname, "ca_file") == 0)
		{
			if (!superuser())
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied to set option \"ca_file\""),
						 errdetail("Only a superuser may choose which certificate authorities the server trusts.")));
			if (defGetString(def)[0] != '/')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"ca_file\" must be an absolute path")));
		}
		else if (strcmp(def->defname, "api_key") == 0)
		{
			const char *key = defGetString(def);

			/* A header value cannot hold line breaks; reject, never echo. */
			if (key[0] == '\0' || strpbrk(key, "\r\n") != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("invalid value for option \"api_key\""),
						 errdetail("The key must be non-empty and on one line.")));
		}
		else if (strcmp(def->defname, "resource") == 0)
		{
			if (itg_resource_lookup(defGetString(def)) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown IT Glue resource \"%s\"", defGetString(def)),
						 errhint("Known resources are: %s.", itg_resource_names())));
		}
		else if (strcmp(def->defname, "attribute") == 0)
		{
			if (defGetString(def)[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("option \"attribute\" must not be empty")));
		}
	}

	if (has_url && has_region)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"url\" and \"region\" cannot be used together"),
				 errhint("Set either \"region\" ('us', 'eu' or 'au') or \"url\", not both.")));

	PG_RETURN_VOID();
}

/* Apply one server or table option to the merged struct. */
static void
apply_option(ItgOptions *opts, DefElem *def)
{
	const char *name = def->defname;

	if (strcmp(name, "url") == 0)
		opts->base_url = pstrdup(defGetString(def));
	else if (strcmp(name, "region") == 0)
		opts->base_url = pstrdup(region_url(defGetString(def)));
	else if (strcmp(name, "ca_file") == 0)
		opts->ca_file = pstrdup(defGetString(def));
	else if (strcmp(name, "page_size") == 0)
		opts->page_size = parse_int_option(def);
	else if (strcmp(name, "timeout_ms") == 0)
		opts->timeout_ms = parse_int_option(def);
	else if (strcmp(name, "connect_timeout_ms") == 0)
		opts->connect_timeout_ms = parse_int_option(def);
	else if (strcmp(name, "max_retries") == 0)
		opts->max_retries = parse_int_option(def);
	else if (strcmp(name, "max_concurrency") == 0)
		opts->max_concurrency = parse_int_option(def);
	else if (strcmp(name, "requests_per_minute") == 0)
		opts->requests_per_minute = parse_int_option(def);
	else if (strcmp(name, "max_response_mb") == 0)
		opts->max_response_mb = parse_int_option(def);
	else if (strcmp(name, "max_pages") == 0)
		opts->max_pages = parse_int_option(def);
	else if (strcmp(name, "updatable") == 0)
		opts->updatable = defGetBoolean(def);
	else if (strcmp(name, "allow_delete") == 0)
		opts->allow_delete = defGetBoolean(def);
	else if (strcmp(name, "use_remote_estimate") == 0)
		opts->use_remote_estimate = defGetBoolean(def);
	else if (strcmp(name, "refetch_truncated") == 0)
		opts->refetch_truncated = defGetBoolean(def);
	else if (strcmp(name, "resource") == 0)
		opts->resource = itg_resource_lookup(defGetString(def));
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
	ListCell   *lc;

	opts->serverid = serverid;
	opts->userid = userid;
	opts->server_name = pstrdup(server->servername);
	opts->base_url = ITG_DEFAULT_URL;
	opts->page_size = 1000;
	opts->timeout_ms = 30000;
	opts->connect_timeout_ms = 10000;
	opts->max_retries = 5;
	opts->max_concurrency = 4;
	opts->requests_per_minute = 600;
	opts->max_response_mb = 64;
	opts->max_pages = 100000;
	opts->updatable = true;
	opts->allow_delete = false;
	opts->use_remote_estimate = false;
	opts->refetch_truncated = true;
	opts->resource = itg_resource_lookup("organizations");

	foreach(lc, server->options)
		apply_option(opts, (DefElem *) lfirst(lc));

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

		foreach(lc, um->options)
		{
			DefElem    *def = (DefElem *) lfirst(lc);

			if (strcmp(def->defname, "api_key") == 0)
				opts->api_key = pstrdup(defGetString(def));
		}
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
	ListCell   *lc;

	foreach(lc, table->options)
		apply_option(opts, (DefElem *) lfirst(lc));
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
