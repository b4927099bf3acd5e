/* it_glue_fdw--0.1.0--0.2.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION it_glue_fdw UPDATE TO '0.2.0'" to load this file. \quit

-- it_glue_fdw_create_views: one plain view per it_glue_fdw foreign table of
-- foreign_schema, in view_schema, with the same names, columns and comments.
-- Tools that list only tables and views (SQLAlchemy's get_table_names(),
-- JDBC's getTables(..., {"TABLE","VIEW"}), many BI connectors) see the
-- views.  From PostgreSQL 15 on the views are security_invoker, so each
-- user's query runs with that user's privileges and user mapping (API key).
-- Running it again replaces the views (new columns and comments included).
-- Returns the views, by name.
CREATE FUNCTION it_glue_fdw_create_views(foreign_schema name, view_schema name)
RETURNS SETOF regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	foreign_nsp oid;
	invoker boolean := current_setting('server_version_num')::int >= 150000;
	ft record;
	col record;
	columns text;
	view regclass;
BEGIN
	IF foreign_schema IS NULL OR view_schema IS NULL THEN
		RAISE EXCEPTION 'schema name must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT oid INTO foreign_nsp FROM pg_namespace WHERE nspname = foreign_schema;
	IF foreign_nsp IS NULL THEN
		RAISE EXCEPTION 'schema "%" does not exist', foreign_schema
			USING ERRCODE = 'invalid_schema_name';
	END IF;
	IF foreign_schema = view_schema THEN
		RAISE EXCEPTION 'views cannot be created in the schema of their foreign tables'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'Each view has the name of its foreign table.',
				  HINT = 'Name another schema for the views.';
	END IF;
	IF NOT invoker THEN
		RAISE WARNING 'the views run as their owner before PostgreSQL 15'
			USING DETAIL = 'Every user of a view reads IT Glue with the owner''s user mapping.',
				  HINT = 'Grant SELECT on the views only to users who may use that API key.';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_namespace WHERE nspname = view_schema) THEN
		EXECUTE format('CREATE SCHEMA %I', view_schema);
	END IF;

	FOR ft IN
		SELECT c.oid, c.relname
		  FROM pg_class c
		  JOIN pg_foreign_table f ON f.ftrelid = c.oid
		  JOIN pg_foreign_server s ON s.oid = f.ftserver
		  JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
		 WHERE c.relnamespace = foreign_nsp
		   AND w.fdwhandler IN (SELECT d.objid
									FROM pg_depend d
									JOIN pg_extension e ON e.oid = d.refobjid
								   WHERE e.extname = 'it_glue_fdw'
									 AND d.refclassid = 'pg_extension'::regclass
									 AND d.classid = 'pg_proc'::regclass
									 AND d.deptype = 'e')
		 ORDER BY c.relname
	LOOP
		SELECT string_agg(format('%I', attname), ', ' ORDER BY attnum)
		  INTO columns
		  FROM pg_attribute
		 WHERE attrelid = ft.oid AND attnum > 0 AND NOT attisdropped;
		EXECUTE format('CREATE OR REPLACE VIEW %I.%I%s AS SELECT %s FROM %I.%I',
					   view_schema, ft.relname,
					   CASE WHEN invoker THEN ' WITH (security_invoker = true)' ELSE '' END,
					   coalesce(columns, ''), foreign_schema, ft.relname);
		view := format('%I.%I', view_schema, ft.relname)::regclass;
		-- A NULL comment removes one the view may have kept from before.
		EXECUTE format('COMMENT ON VIEW %s IS %L', view, obj_description(ft.oid, 'pg_class'));
		FOR col IN
			SELECT attname, col_description(ft.oid, attnum) AS comment
			  FROM pg_attribute
			 WHERE attrelid = ft.oid AND attnum > 0 AND NOT attisdropped
			 ORDER BY attnum
		LOOP
			EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', view, col.attname, col.comment);
		END LOOP;
		RETURN NEXT view;
	END LOOP;
END
$fn$;

COMMENT ON FUNCTION it_glue_fdw_create_views(name, name) IS
  'create one view per IT Glue foreign table of a schema, for tools that list only tables and views';

-- it_glue_fdw_usage: per server (for the servers you have a user mapping
-- for), what the requests of its API host and key did and how much of IT
-- Glue's window they use: across all sessions when the window is shared.
CREATE FUNCTION it_glue_fdw_usage(server oid,
	OUT window_seconds integer, OUT window_limit integer,
	OUT window_allowance integer, OUT window_used bigint,
	OUT window_remaining bigint, OUT list_requests bigint,
	OUT show_requests bigint, OUT write_requests bigint,
	OUT rate_limited bigint, OUT retries bigint, OUT bytes bigint,
	OUT shared boolean)
RETURNS record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT VOLATILE;

CREATE VIEW it_glue_fdw_usage AS
SELECT s.srvname AS server, u.*
FROM pg_catalog.pg_foreign_server s
JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
CROSS JOIN LATERAL it_glue_fdw_usage(s.oid) u
WHERE w.fdwhandler = 'it_glue_fdw_handler'::regproc
  AND u.window_seconds IS NOT NULL;

COMMENT ON VIEW it_glue_fdw_usage IS
'IT Glue requests per server (its API host and key): lists, record re-reads, writes, 429s, retries, bytes, and the rate window''s use';
