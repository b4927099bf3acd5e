--
-- types: every supported type, NULLs, and values that do not convert.
--
SELECT sim_reset();
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';

CREATE FOREIGN TABLE org_typed (
  id bigint,
  id_text text OPTIONS (attribute 'id'),
  type_int integer OPTIONS (attribute 'organization-type-id'),
  type_small smallint OPTIONS (attribute 'organization-type-id'),
  type_numeric numeric(10,2) OPTIONS (attribute 'organization-type-id'),
  type_float double precision OPTIONS (attribute 'organization-type-id'),
  type_text text OPTIONS (attribute 'organization-type-id'),
  name_text text OPTIONS (attribute 'name'),
  name_varchar varchar(40) OPTIONS (attribute 'name'),
  name_json json OPTIONS (attribute 'name'),
  primary_bool boolean OPTIONS (attribute 'primary'),
  primary_text text OPTIONS (attribute 'primary'),
  created_date date OPTIONS (attribute 'created-at'),
  created_ts timestamp OPTIONS (attribute 'created-at'),
  created_tstz timestamptz OPTIONS (attribute 'created-at'),
  parent_bigint bigint OPTIONS (attribute 'parent-id'),
  parent_text text OPTIONS (attribute 'parent-id'),
  ancestors_bigint bigint[] OPTIONS (attribute 'ancestor-ids'),
  ancestors_text text[] OPTIONS (attribute 'ancestor-ids'),
  ancestors_jsonb jsonb OPTIONS (attribute 'ancestor-ids'),
  description text,
  alert text,
  missing_int integer OPTIONS (attribute 'not-in-the-api')
) SERVER sim;

-- ===================================================================
-- Values as IT Glue sends them (parent-id and ancestor-ids are JSON
-- strings, as in the API documentation's example)
-- ===================================================================
SELECT * FROM org_typed WHERE id IN (1, 20, 24) ORDER BY id;
SELECT pg_typeof(type_numeric), pg_typeof(created_ts), pg_typeof(ancestors_bigint)
  FROM org_typed WHERE id = 20;

-- NULL and missing attributes are SQL NULL.
SELECT id, description IS NULL AS no_desc, alert IS NULL AS no_alert,
       missing_int IS NULL AS missing, parent_bigint IS NULL AS root
  FROM org_typed WHERE id = 24;
SELECT count(*) AS rows, count(missing_int) AS missing_values FROM org_typed;

-- Whole-row references convert every column.
SELECT t.id, (t).name_varchar, (t).ancestors_bigint FROM org_typed t WHERE id = 20;

-- The same columns when the API sends numbers and real arrays instead.
SELECT sim_config('{"int_parent_id": true}');
SELECT id, parent_bigint, parent_text, ancestors_bigint, ancestors_text, ancestors_jsonb
  FROM org_typed WHERE id IN (18, 20) ORDER BY id;
SELECT sim_config('{"int_parent_id": false}');

-- Arrays of objects (contacts' e-mail addresses) as jsonb and text.
CREATE FOREIGN TABLE contact_typed (
  id bigint,
  emails jsonb OPTIONS (attribute 'contact-emails'),
  emails_text text OPTIONS (attribute 'contact-emails'),
  important boolean
) SERVER sim OPTIONS (resource 'contacts');
SELECT id, jsonb_array_length(emails) AS n, emails->0->>'value' IS NOT NULL AS has_value,
       emails_text LIKE '[{%' AS text_is_json, important IS NOT NULL AS has_flag
  FROM contact_typed ORDER BY id LIMIT 3;

-- ===================================================================
-- Values that do not convert: the error names the column, the table
-- and the IT Glue record.
-- ===================================================================
CREATE FOREIGN TABLE org_bad (
  id bigint,
  psa_int integer OPTIONS (attribute 'psa-id'),
  name_short varchar(10) OPTIONS (attribute 'name'),
  name_int integer OPTIONS (attribute 'name'),
  primary_int integer OPTIONS (attribute 'primary'),
  type_date date OPTIONS (attribute 'organization-type-id'),
  type_bool boolean OPTIONS (attribute 'organization-type-id'),
  type_arr integer[] OPTIONS (attribute 'organization-type-id'),
  name_ts timestamptz OPTIONS (attribute 'name')
) SERVER sim;
SELECT id, psa_int FROM org_bad WHERE id IN (2, 3) ORDER BY id;
SELECT id, psa_int FROM org_bad WHERE id = 35;
SELECT id, name_short FROM org_bad WHERE id = 2;
SELECT id, name_int FROM org_bad WHERE id = 2;
SELECT id, primary_int FROM org_bad WHERE id = 1;
SELECT id, type_date FROM org_bad WHERE id = 1;
SELECT id, type_bool FROM org_bad WHERE id = 1;
SELECT id, type_arr FROM org_bad WHERE id = 1;
SELECT id, name_ts FROM org_bad WHERE id = 1;
CREATE FOREIGN TABLE contact_bad (id bigint, emails integer OPTIONS (attribute 'contact-emails'))
  SERVER sim OPTIONS (resource 'contacts');
SELECT emails FROM contact_bad LIMIT 1;

-- Columns the query does not use are not converted at all.
SELECT id FROM org_bad WHERE id = 35;
SELECT count(*) FROM org_bad;

-- A record whose id is not an integer.
SELECT sim_fault('{"path": "/organizations/7", "action": {"kind": "non_integer_id"}}');
SELECT id FROM org_bad WHERE id = 7;
SELECT sim_config('{}');

DROP FOREIGN TABLE org_typed, contact_typed, org_bad, contact_bad;
SELECT count(*) > 0 AS sent_requests FROM sim_requests();
