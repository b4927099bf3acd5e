/*-------------------------------------------------------------------------
 *
 * import.c
 *		IMPORT FOREIGN SCHEMA itglue: one foreign table per resource in the
 *		resource table, with its documented columns.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "foreign/foreign.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"

#include "it_glue_fdw.h"

/* The remote "schema" users import from. */
#define ITG_REMOTE_SCHEMA "itglue"

/* Is name listed in a LIMIT TO / EXCEPT list? */
static bool
in_table_list(List *tables, const char *name)
{
	ListCell   *lc;

	foreach(lc, tables)
		if (strcmp(((RangeVar *) lfirst(lc))->relname, name) == 0)
			return true;
	return false;
}

/* Would the default mapping (underscores to dashes) give this attribute? */
static bool
default_attribute(const char *column, const char *attribute)
{
	for (; *column && *attribute; column++, attribute++)
		if (*attribute != (*column == '_' ? '-' : *column))
			return false;
	return *column == '\0' && *attribute == '\0';
}

/* CREATE FOREIGN TABLE for one resource. */
static char *
create_table_sql(const ItgResource *res, ImportForeignSchemaStmt *stmt)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s.%s (\n",
					 quote_identifier(stmt->local_schema), quote_identifier(res->name));
	for (int i = 0; i < res->ncolumns; i++)
	{
		const ItgColumnDef *c = &res->columns[i];

		appendStringInfo(&buf, "%s  %s %s", i > 0 ? ",\n" : "",
						 quote_identifier(c->name), c->sql_type);
		if (c->attribute != NULL && !default_attribute(c->name, c->attribute))
			appendStringInfo(&buf, " OPTIONS (attribute %s)", quote_literal_cstr(c->attribute));
	}

	/*
	 * Where the columns do not cover every attribute, the whole object too.
	 * (Elsewhere it would only repeat the row, at the cost of converting it
	 * twice; a table made by hand can still have it.)
	 */
	if (res->import_attributes)
		appendStringInfoString(&buf, ",\n  attributes jsonb");
	appendStringInfoChar(&buf, '\n');
	appendStringInfo(&buf, ") SERVER %s OPTIONS (resource %s)",
					 quote_identifier(stmt->server_name), quote_literal_cstr(res->name));
	return buf.data;
}

/*
 * itgImportForeignSchema
 *		Build the CREATE FOREIGN TABLE commands, honouring LIMIT TO / EXCEPT.
 */
List *
itgImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	List	   *commands = NIL;
	ListCell   *lc;

	(void) serverOid;
	if (strcmp(stmt->remote_schema, ITG_REMOTE_SCHEMA) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("IT Glue has no schema \"%s\"", stmt->remote_schema),
				 errhint("Use IMPORT FOREIGN SCHEMA %s.", ITG_REMOTE_SCHEMA)));

	/* A misspelt name in LIMIT TO or EXCEPT would otherwise pass silently. */
	if (stmt->list_type != FDW_IMPORT_SCHEMA_ALL)
		foreach(lc, stmt->table_list)
		{
			const char *name = ((RangeVar *) lfirst(lc))->relname;

			if (itg_resource_lookup(name) == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
						 errmsg("IT Glue has no resource \"%s\"", name),
						 errhint("Known resources are: %s.", itg_resource_names())));
		}

	for (int i = 0; i < itg_resource_count(); i++)
	{
		const ItgResource *res = itg_resource_by_index(i);

		if (stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO &&
			!in_table_list(stmt->table_list, res->name))
			continue;
		if (stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT &&
			in_table_list(stmt->table_list, res->name))
			continue;
		commands = lappend(commands, create_table_sql(res, stmt));
	}
	return commands;
}
