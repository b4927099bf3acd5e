--
-- import: IMPORT FOREIGN SCHEMA creates one table per resource.
--
CREATE SCHEMA imp_all;
IMPORT FOREIGN SCHEMA itglue FROM SERVER sim INTO imp_all;
SELECT c.relname, ft.ftoptions
  FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid
 WHERE c.relnamespace = 'imp_all'::regnamespace ORDER BY c.relname;
\d imp_all.organizations
\d imp_all.organization_statuses

-- ===================================================================
-- LIMIT TO and EXCEPT
-- ===================================================================
CREATE SCHEMA imp_some;
IMPORT FOREIGN SCHEMA itglue LIMIT TO (organizations, organization_types)
  FROM SERVER sim INTO imp_some;
SELECT relname FROM pg_class WHERE relnamespace = 'imp_some'::regnamespace ORDER BY 1;
CREATE SCHEMA imp_except;
IMPORT FOREIGN SCHEMA itglue EXCEPT (organizations, contacts)
  FROM SERVER sim INTO imp_except;
SELECT relname FROM pg_class WHERE relnamespace = 'imp_except'::regnamespace ORDER BY 1;

-- ===================================================================
-- Mistakes
-- ===================================================================
IMPORT FOREIGN SCHEMA public FROM SERVER sim INTO imp_some;
IMPORT FOREIGN SCHEMA itglue LIMIT TO (organisations) FROM SERVER sim INTO imp_some;
IMPORT FOREIGN SCHEMA itglue LIMIT TO (organizations) FROM SERVER sim INTO imp_some;

-- Importing sends no request.
SELECT * FROM sim_requests();
SET client_min_messages = warning;
DROP SCHEMA imp_all, imp_some, imp_except CASCADE;
RESET client_min_messages;
