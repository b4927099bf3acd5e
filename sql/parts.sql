--
-- parts: a long list split over several requests returns every row once,
-- whatever IT Glue does with the split filter.  Each part asks for its own
-- share of the values and keeps only the records whose value is in that
-- share, so the parts are disjoint even when the API ignores the filter
-- (every part then returns every record) or matches it loosely.
--
SELECT sim_reset();
\set o itglue.organizations

-- Summaries of the request log: a split id list as "first..last", and for
-- any list, how many values a request carried.
CREATE FUNCTION sim_requests_short() RETURNS SETOF text LANGUAGE sql AS $$
	SELECT regexp_replace(r, '(filter\[[a-z_]+\])=([0-9]+),[0-9,]*,([0-9]+)&', '\1=\2..\3&', 'g')
	  FROM sim_requests() r
$$;
CREATE FUNCTION sim_requests_counted(key text) RETURNS SETOF text LANGUAGE sql AS $$
	SELECT regexp_replace(r, 'filter\[' || key || '\]=[^&]*',
						  'filter[' || key || ']=(' ||
						  (length(substring(r from 'filter\[' || key || '\]=([^&]*)')) -
						   length(replace(substring(r from 'filter\[' || key || '\]=([^&]*)'), ',', '')) + 1)
						  || ' values)')
	  FROM sim_requests_raw() r
$$;

-- ===================================================================
-- 2,000 ids, the API ignoring filter[id]: five parts, each reading every
-- page, and still each row once
-- ===================================================================
SELECT sim_config('{"ignore_filters": ["filter[id]"]}');
SELECT count(*), count(DISTINCT id), min(id), max(id) FROM :o
 WHERE id = ANY (ARRAY(SELECT g FROM generate_series(1, 2000) g));
SELECT * FROM sim_requests_short();

-- The same ids in another order make other shares: still each row once.
SELECT count(*), count(DISTINCT id), min(id), max(id) FROM :o
 WHERE id = ANY (ARRAY(SELECT g FROM generate_series(2000, 1, -1) g));
SELECT * FROM sim_requests_short();

-- count(*) over several parts counts what the parts keep (meta.total-count
-- of one part is not the answer).
SELECT array_agg(g ORDER BY g)::text AS ids FROM generate_series(1, 2000) g \gset
SELECT count(*) FROM :o WHERE id = ANY (:'ids'::bigint[]);
SELECT * FROM sim_requests_short();

-- LIMIT with parts: the first part's rows, one short page.
SELECT id FROM :o WHERE id = ANY (:'ids'::bigint[]) LIMIT 3;
SELECT * FROM sim_requests_short();

-- ===================================================================
-- A list on another exact column: the type ids, filter ignored
-- ===================================================================
SELECT sim_config('{"ignore_filters": ["filter[organization_type_id]"]}');
SELECT count(*), count(DISTINCT id) FROM :o
 WHERE organization_type_id = ANY (ARRAY(SELECT g FROM generate_series(1, 600) g));
SELECT * FROM sim_requests_short();

-- ===================================================================
-- Name lists: split too, with the API matching names partially and
-- case-insensitively (a part returns names of other parts), or not at all
-- ===================================================================
CREATE TEMP TABLE some_names AS
SELECT name FROM :o WHERE id BETWEEN 41 AND 400 AND name !~ '[\\&]'
UNION ALL VALUES ('Acme'), ('acme corp'), ('Kub');
SELECT count(*) FROM some_names;
SELECT sim_requests();
SELECT sim_config('{"ignore_filters": [], "name_match": "partial_ci"}');
SELECT count(*), count(DISTINCT id), sum(id) FROM :o
 WHERE name = ANY (ARRAY(SELECT name FROM some_names));
SELECT * FROM sim_requests_counted('name');
SELECT id, name FROM :o
 WHERE name = ANY (ARRAY(SELECT name FROM some_names)) AND id < 41 ORDER BY id;
SELECT count(*) FROM sim_requests();
SELECT sim_config('{"ignore_filters": ["filter[name]"], "name_match": "exact"}');
SELECT count(*), count(DISTINCT id), sum(id) FROM :o
 WHERE name = ANY (ARRAY(SELECT name FROM some_names));
SELECT * FROM sim_requests_counted('name');

-- Two long lists at once: the longer (the names, percent-encoded) is split,
-- the other is left out of the requests (too long to repeat in each) and
-- checked locally.
SELECT sim_config('{"ignore_filters": ["filter[id]", "filter[name]"]}');
SELECT count(*), count(DISTINCT id), sum(id) FROM :o
 WHERE name = ANY (ARRAY(SELECT name FROM some_names))
   AND id = ANY (ARRAY(SELECT g FROM generate_series(1, 2000) g));
SELECT * FROM sim_requests_counted('name');

-- ===================================================================
-- Parameterized scans: each outer row's request(s) give its rows once
-- ===================================================================
-- A join on names, the API matching them partially: one request per outer
-- row, the outer row's own matches only.
SELECT sim_config('{"ignore_filters": [], "name_match": "partial_ci"}');
-- (PostgreSQL 17 and later write the join's equality the other way round.)
SELECT replace(line, 'Filter: (name = "*VALUES*".column2)', 'Filter: ("*VALUES*".column2 = name)')
       AS "QUERY PLAN"
  FROM explain('COSTS OFF', format($q$
SELECT v.k, o.id FROM (VALUES (1, 'Acme'), (2, 'acme corp'), (3, 'Acme')) v(k, name)
  JOIN %s o ON o.name = v.name$q$, :'o')) line;
SELECT v.k, o.id, o.name FROM (VALUES (1, 'Acme'), (2, 'acme corp'), (3, 'Acme')) v(k, name)
  JOIN :o o ON o.name = v.name ORDER BY v.k;
SELECT * FROM sim_requests();

-- A split list per outer row, the API ignoring it, new values at each
-- rescan: each outer row gets its own rows once.
SELECT sim_config('{"ignore_filters": ["filter[id]"], "name_match": "exact"}');
EXPLAIN (COSTS OFF)
SELECT v.k, o.id
  FROM (VALUES (1, ARRAY[1, 2]::bigint[]), (2, ARRAY[3])) v(k, ids),
       LATERAL (SELECT id FROM :o WHERE id = ANY (v.ids)) o;

SELECT v.k, count(*), count(DISTINCT o.id), min(o.id), max(o.id)
  FROM (VALUES (1, ARRAY(SELECT g::bigint FROM generate_series(1, 1200) g)),
               (2, ARRAY(SELECT g::bigint FROM generate_series(1001, 2000) g))) v(k, ids),
       LATERAL (SELECT id FROM :o WHERE id = ANY (v.ids)) o
 GROUP BY v.k ORDER BY v.k;
SELECT * FROM sim_requests_short();

-- Under a nondeterministic collation "=" is not byte equality: such name
-- conditions stay local (sending them, or checking a part's share byte by
-- byte, would lose rows).
SELECT sim_config('{"ignore_filters": []}');
CREATE COLLATION ci_names (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
EXPLAIN (VERBOSE, COSTS OFF)
SELECT id FROM :o WHERE name COLLATE ci_names IN ('acme corp', 'KUB');
SELECT id, name FROM :o WHERE name COLLATE ci_names IN ('acme corp', 'KUB') ORDER BY id;
SELECT * FROM sim_requests();
DROP COLLATION ci_names;

DROP FUNCTION sim_requests_short();
DROP FUNCTION sim_requests_counted(text);
