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

-- it_glue_fdw_mirror: keep a local table in step with an it_glue_fdw
-- foreign table.  The target needs a primary key on id and an updated_at
-- column, like the source's; the columns both have are copied.  The first
-- run (an empty target) copies everything; later runs fetch only what
-- changed since the newest updated_at the target holds (a filter on
-- updated_at, which the foreign table sends as filter[updated_at]), upsert
-- it by id, and look for deletions only when IT Glue's count (one request)
-- differs from the target's: then one pass over the ids.  Returns the rows
-- inserted, updated and deleted, and the requests the run sent (counted for
-- the source's API host and key, so requests other sessions send with the
-- same key at the same time are included when the window is shared).
CREATE FUNCTION it_glue_fdw_mirror(source regclass, target regclass,
	OUT inserted bigint, OUT updated bigint, OUT deleted bigint, OUT requests bigint)
RETURNS record
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
	server_oid oid;
	cols text;
	sets text;
	since timestamptz;
	remote_count bigint;
	local_count bigint;
	before bigint;
	-- The extension's schema (it is relocatable): its usage function.
	usage_sql text := format('SELECT coalesce(list_requests + show_requests + write_requests, 0) FROM %s.it_glue_fdw_usage($1)',
							 (SELECT e.extnamespace::regnamespace FROM pg_extension e
							   WHERE e.extname = 'it_glue_fdw'));
BEGIN
	IF source IS NULL OR target IS NULL THEN
		RAISE EXCEPTION 'source and target must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT ft.ftserver INTO server_oid FROM pg_foreign_table ft
	 JOIN pg_foreign_server s ON s.oid = ft.ftserver
	 JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
	 JOIN pg_proc p ON p.oid = w.fdwhandler
	 JOIN pg_extension e ON e.extname = 'it_glue_fdw' AND e.extnamespace = p.pronamespace
	 WHERE ft.ftrelid = source AND p.proname = 'it_glue_fdw_handler';
	IF server_oid IS NULL THEN
		RAISE EXCEPTION '"%" is not an it_glue_fdw foreign table', source
			USING ERRCODE = 'wrong_object_type';
	END IF;
	SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum),
		   string_agg(format('%1$I = EXCLUDED.%1$I', a.attname), ', ' ORDER BY a.attnum)
			   FILTER (WHERE a.attname <> 'id')
	  INTO cols, sets
	  FROM pg_attribute a
	 WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
	   AND EXISTS (SELECT 1 FROM pg_attribute b WHERE b.attrelid = source
				   AND b.attname = a.attname AND b.attnum > 0 AND NOT b.attisdropped);
	IF cols IS NULL OR position('updated_at' IN cols) = 0 OR sets IS NULL THEN
		RAISE EXCEPTION 'target "%" must share id, updated_at and other columns with "%"', target, source
			USING ERRCODE = 'invalid_table_definition';
	END IF;

	EXECUTE usage_sql INTO before USING server_oid;
	EXECUTE format('SELECT max(updated_at) FROM %s', target) INTO since;

	-- Changed and new records (all of them on the first run), upserted by
	-- id; a row whose values did not change is not rewritten.
	EXECUTE format('WITH up AS (INSERT INTO %1$s AS t (%2$s) SELECT %2$s FROM %3$s s %4$s '
				   'ON CONFLICT (id) DO UPDATE SET %5$s WHERE t IS DISTINCT FROM EXCLUDED '
				   'RETURNING xmax = 0 AS ins) '
				   'SELECT count(*) FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) FROM up',
				   target, cols, source,
				   CASE WHEN since IS NULL THEN '' ELSE 'WHERE s.updated_at >= $1' END, sets)
	  INTO inserted, updated USING since;

	-- Deletions: only when IT Glue counts other than the target does.
	deleted := 0;
	IF since IS NOT NULL THEN
		EXECUTE format('SELECT count(*) FROM %s', source) INTO remote_count;
		EXECUTE format('SELECT count(*) FROM %s', target) INTO local_count;
		IF remote_count <> local_count THEN
			EXECUTE format('CREATE TEMP TABLE it_glue_fdw_mirror_ids ON COMMIT DROP AS SELECT id FROM %s', source);
			EXECUTE format('DELETE FROM %s t WHERE NOT EXISTS (SELECT 1 FROM pg_temp.it_glue_fdw_mirror_ids i WHERE i.id = t.id)', target);
			GET DIAGNOSTICS deleted = ROW_COUNT;
			DROP TABLE pg_temp.it_glue_fdw_mirror_ids;
		END IF;
	END IF;

	EXECUTE usage_sql INTO requests USING server_oid;
	requests := coalesce(requests, 0) - coalesce(before, 0);
END
$fn$;

COMMENT ON FUNCTION it_glue_fdw_mirror(regclass, regclass) IS
'Keep a local table (primary key id, updated_at) in step with an it_glue_fdw foreign table: changes since the newest updated_at, deletions when the counts differ';
