--
-- views: it_glue_fdw_create_views() makes the foreign tables visible to
-- tools that list only tables and views.
--
-- What such a tool sees of schema itglue before: no table, no view
-- (SQLAlchemy's get_table_names() asks for relkind r/p, get_view_names()
-- for v/m; pgJDBC's TABLE and VIEW types are the same relkinds).
SELECT relname, relkind FROM pg_class
 WHERE relnamespace IN ('itglue'::regnamespace)
   AND relkind IN ('r', 'p', 'v', 'm') ORDER BY relname;
SELECT count(*) AS foreign_tables FROM pg_class
 WHERE relnamespace = 'itglue'::regnamespace AND relkind = 'f';

-- Comments on a foreign table and its columns carry over to the views.
COMMENT ON FOREIGN TABLE itglue.organizations IS 'IT Glue organizations (customers)';
COMMENT ON COLUMN itglue.organizations.name IS 'Organization name';
COMMENT ON COLUMN itglue.organizations.quick_notes IS 'Free-text notes';

-- A foreign table of another wrapper in the same schema gets no view.
CREATE FOREIGN DATA WRAPPER other_fdw;
CREATE SERVER other_srv FOREIGN DATA WRAPPER other_fdw;
CREATE FOREIGN TABLE itglue.not_ours (a int) SERVER other_srv;

SELECT * FROM it_glue_fdw_create_views('itglue', 'itglue_views');

-- One view per foreign table, same names, security_invoker.
SELECT c.relname, c.relkind, c.reloptions
  FROM pg_class c WHERE c.relnamespace = 'itglue_views'::regnamespace ORDER BY c.relname;
SELECT (SELECT count(*) FROM pg_class WHERE relnamespace = 'itglue_views'::regnamespace)
     = (SELECT count(*) FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
         WHERE c.relnamespace = 'itglue'::regnamespace AND c.relname <> 'not_ours')
       AS one_view_per_table;
-- Same columns, in the same order, of the same types: no view differs.
SELECT v.relname
  FROM pg_class v
  JOIN pg_class f ON f.relname = v.relname AND f.relnamespace = 'itglue'::regnamespace
 WHERE v.relnamespace = 'itglue_views'::regnamespace
   AND (SELECT array_agg(attname || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum)
          FROM pg_attribute WHERE attrelid = v.oid AND attnum > 0 AND NOT attisdropped)
       IS DISTINCT FROM
       (SELECT array_agg(attname || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum)
          FROM pg_attribute WHERE attrelid = f.oid AND attnum > 0 AND NOT attisdropped);
SELECT (SELECT count(*) FROM pg_attribute a JOIN pg_class v ON v.oid = a.attrelid
         WHERE v.relnamespace = 'itglue_views'::regnamespace AND a.attnum > 0)
     = (SELECT count(*) FROM pg_attribute a JOIN pg_class f ON f.oid = a.attrelid
         WHERE f.relnamespace = 'itglue'::regnamespace AND f.relkind = 'f'
           AND f.relname <> 'not_ours' AND a.attnum > 0 AND NOT a.attisdropped)
       AS as_many_columns;
-- The comments.
SELECT obj_description('itglue_views.organizations'::regclass, 'pg_class') AS view_comment;
SELECT attname, col_description(attrelid, attnum)
  FROM pg_attribute WHERE attrelid = 'itglue_views.organizations'::regclass
   AND col_description(attrelid, attnum) IS NOT NULL ORDER BY attnum;

-- A query on a view is a query on the foreign table: conditions still go
-- to IT Glue.
SELECT sim_clear();
SELECT id, name FROM itglue_views.organizations WHERE id = 7;
SELECT * FROM sim_requests();
-- Writes go through too (the views are simple, so automatically updatable).
SELECT is_updatable, is_insertable_into FROM information_schema.views
 WHERE table_schema = 'itglue_views' AND table_name = 'organizations';

-- ===================================================================
-- Each user reads with their own user mapping (security_invoker).
-- ===================================================================
CREATE ROLE itg_viewer;
GRANT USAGE ON SCHEMA itglue, itglue_views TO itg_viewer;
GRANT SELECT ON itglue.organizations, itglue_views.organizations TO itg_viewer;
GRANT USAGE ON FOREIGN SERVER sim TO itg_viewer;
SET ROLE itg_viewer;
-- No mapping of their own: the view owner's key is not borrowed
-- (undefined_object; the message's wording changed in PostgreSQL 16).
\set VERBOSITY sqlstate
SELECT id FROM itglue_views.organizations WHERE id = 7;
\set VERBOSITY default
RESET ROLE;
CREATE USER MAPPING FOR itg_viewer SERVER sim OPTIONS (api_key 'ITG.viewers-own-key');
SET ROLE itg_viewer;
-- Their own (here: refused) key is sent.
\set VERBOSITY terse
SELECT id FROM itglue_views.organizations WHERE id = 7;
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
ALTER USER MAPPING FOR itg_viewer SERVER sim OPTIONS (SET api_key 'ITG.test-key');
SET ROLE itg_viewer;
SELECT id, name FROM itglue_views.organizations WHERE id = 7;
-- Privileges on the foreign table are checked for the user too.
RESET ROLE;
REVOKE SELECT ON itglue.organizations FROM itg_viewer;
SET ROLE itg_viewer;
SELECT id FROM itglue_views.organizations WHERE id = 7;
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;
SELECT sim_clear();

-- ===================================================================
-- Again: the views are replaced, following the foreign tables.
-- ===================================================================
COMMENT ON FOREIGN TABLE itglue.organizations IS NULL;
COMMENT ON COLUMN itglue.organizations.quick_notes IS 'Notes, always complete';
ALTER FOREIGN TABLE itglue.organization_types ADD COLUMN extra text;
ALTER FOREIGN TABLE itglue.organization_types DROP COLUMN extra;
ALTER FOREIGN TABLE itglue.organization_types ADD COLUMN extra2 text;
SELECT count(*) FROM it_glue_fdw_create_views('itglue', 'itglue_views');
SELECT obj_description('itglue_views.organizations'::regclass, 'pg_class') AS view_comment;
SELECT attname, col_description(attrelid, attnum)
  FROM pg_attribute WHERE attrelid = 'itglue_views.organizations'::regclass
   AND col_description(attrelid, attnum) IS NOT NULL ORDER BY attnum;
SELECT attname FROM pg_attribute
 WHERE attrelid = 'itglue_views.organization_types'::regclass AND attnum > 0 ORDER BY attnum;
-- A view holds on to its columns: dropping one takes the view with it...
ALTER FOREIGN TABLE itglue.organization_types DROP COLUMN extra2;
ALTER FOREIGN TABLE itglue.organization_types DROP COLUMN extra2 CASCADE;
SELECT count(*) FROM pg_class WHERE relnamespace = 'itglue_views'::regnamespace;
-- ...and running the function again brings it back.
SELECT count(*) FROM it_glue_fdw_create_views('itglue', 'itglue_views');
SELECT attname FROM pg_attribute
 WHERE attrelid = 'itglue_views.organization_types'::regclass AND attnum > 0 ORDER BY attnum;
COMMENT ON COLUMN itglue.organizations.name IS NULL;
COMMENT ON COLUMN itglue.organizations.quick_notes IS NULL;

-- ===================================================================
-- Mistakes
-- ===================================================================
SELECT * FROM it_glue_fdw_create_views('itglue', 'itglue');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM it_glue_fdw_create_views('no_such_schema', 'itglue_views');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM it_glue_fdw_create_views(NULL, 'itglue_views');
\echo :LAST_ERROR_SQLSTATE
-- A table already holding a view's name is not replaced.
CREATE SCHEMA clash;
CREATE TABLE clash.organizations (id int);
\set VERBOSITY terse
SELECT * FROM it_glue_fdw_create_views('itglue', 'clash');
\set VERBOSITY default
\echo :LAST_ERROR_SQLSTATE
SELECT relname, relkind FROM pg_class WHERE relnamespace = 'clash'::regnamespace ORDER BY 1;
-- A schema of no IT Glue tables gives no views.
SELECT * FROM it_glue_fdw_create_views('public', 'public_views');
SELECT count(*) FROM pg_class WHERE relnamespace = 'public_views'::regnamespace;

SET client_min_messages = warning;
DROP SCHEMA clash, public_views, itglue_views CASCADE;
DROP FOREIGN TABLE itglue.not_ours;
DROP SERVER other_srv;
DROP FOREIGN DATA WRAPPER other_fdw;
DROP USER MAPPING FOR itg_viewer SERVER sim;
REVOKE ALL ON SCHEMA itglue FROM itg_viewer;
REVOKE ALL ON FOREIGN SERVER sim FROM itg_viewer;
DROP ROLE itg_viewer;
RESET client_min_messages;

-- ===================================================================
-- 0.1.0 updates to 0.2.0 with the same objects as a fresh 0.2.0.
-- ===================================================================
SELECT current_database() AS regress_db \gset
CREATE DATABASE itg_update;
\c itg_update
-- The extension's members (PostgreSQL 17 and later also record a view's
-- row type as one: left out, so that every version lists the same).
CREATE FUNCTION ext_members() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT pg_describe_object(classid, objid, objsubid)
	  FROM pg_depend WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
	   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'it_glue_fdw')
	   AND NOT (classid = 'pg_type'::regclass AND objid IN
				(SELECT oid FROM pg_type WHERE typrelid <> 0
				 UNION SELECT typarray FROM pg_type WHERE typrelid <> 0))
$$;
CREATE EXTENSION it_glue_fdw VERSION '0.1.0';
ALTER EXTENSION it_glue_fdw UPDATE TO '0.2.0';
CREATE TABLE updated AS SELECT ext_members() AS object;
DROP EXTENSION it_glue_fdw;
CREATE EXTENSION it_glue_fdw;
SELECT extversion FROM pg_extension WHERE extname = 'it_glue_fdw';
SELECT object, object IN (SELECT object FROM updated) AS also_after_update
  FROM ext_members() object
 ORDER BY object;
SELECT count(*) AS only_after_update FROM updated WHERE object NOT IN
  (SELECT ext_members());
\c :regress_db
DROP DATABASE itg_update;
