--
-- numbers: integers beyond 64 bits, -0, decimals and exponents keep their
-- exact JSON text wherever the column type can hold them (text, numeric,
-- jsonb), whichever reader takes the page: the fast scanner, or json-c
-- (which alone would clamp such integers and print -0 as 0).  Only an
-- integer column refuses them, naming the column and the record (22003);
-- an id beyond 64 bits is an error naming the record.
--
SELECT sim_reset();

CREATE FOREIGN TABLE nums (
	id			bigint,
	name		text,
	big_text	text OPTIONS (attribute 'big'),
	big_num		numeric OPTIONS (attribute 'big'),
	big_json	jsonb OPTIONS (attribute 'big'),
	big_int		bigint OPTIONS (attribute 'big'),
	neg_text	text OPTIONS (attribute 'neg'),
	neg_num		numeric OPTIONS (attribute 'neg'),
	dec_text	text OPTIONS (attribute 'dec'),
	dec_num		numeric OPTIONS (attribute 'dec'),
	dec_json	json OPTIONS (attribute 'dec'),
	exp_text	text OPTIONS (attribute 'exp'),
	exp_num		numeric OPTIONS (attribute 'exp'),
	list		text OPTIONS (attribute 'list'),
	obj			jsonb OPTIONS (attribute 'obj'),
	small		bigint,
	attributes	jsonb
) SERVER sim OPTIONS (resource 'organizations');

-- One page, served as it is for the next request to /organizations.
CREATE FUNCTION serve_page(body text) RETURNS void LANGUAGE sql AS $$
	SELECT sim_fault(json_build_object('path', '/organizations', 'times', 1,
		'action', json_build_object('status', 200, 'body', body,
									'content_type', 'application/vnd.api+json'))::text)
$$;
CREATE TABLE page_body (body text);
INSERT INTO page_body VALUES ($${"data":[
 {"id":"1","type":"organizations","attributes":{"name":"Big One",
  "big":123456789012345678901234567890,"neg":-18446744073709551616,"dec":-0,
  "exp":1e400,"list":[99999999999999999999,-0,1.0E+2,5E-0],
  "obj":{"n":-99999999999999999999999,"z":-0},
  "unread":999999999999999999999999999999999999,"small":7}},
 {"id":"2","type":"organizations","attributes":{"name":"Big Two",
  "big":-9223372036854775809,"neg":18446744073709551615,"dec":1.0E+2,
  "exp":-1.50e-400,"list":[],"obj":{},"unread":-0,"small":9223372036854775807}}
],"meta":{"current-page":1,"next-page":null,"prev-page":null,"total-pages":1,"total-count":2}}$$);

-- Columns the query does not read: nothing to refuse.
SELECT serve_page(body) FROM page_body;
SELECT id, name, small FROM nums ORDER BY id;

-- text, numeric, json and jsonb columns get every number exactly (jsonb
-- and numeric by value: -0 is 0 there).
SELECT serve_page(body) FROM page_body;
SELECT id, big_text, big_num, big_json, neg_text, neg_num FROM nums ORDER BY id;
SELECT serve_page(body) FROM page_body;
SELECT id, dec_text, dec_num, dec_json, exp_text, exp_num = 1e400 AS exp_is_1e400, list FROM nums ORDER BY id;

-- The same through json-c: an object in a column, and the whole attributes
-- object, are read by json-c (the scanner does not take them).
SELECT serve_page(body) FROM page_body;
SELECT id, big_text, neg_text, dec_text, exp_text, list, obj FROM nums ORDER BY id;
SELECT serve_page(body) FROM page_body;
SELECT id, attributes - 'name' - 'exp' AS attributes, attributes->'exp' = '1e400' AS exp_is_1e400
  FROM nums ORDER BY id;

-- An integer column cannot hold them: an error naming column and record.
SELECT serve_page(body) FROM page_body;
SELECT id, big_int FROM nums ORDER BY id;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_call('DELETE', '/_sim/faults');

-- An id beyond 64 bits is an error naming the record, even when the query
-- does not read the id.
SELECT serve_page('{"data":[{"id":"3","attributes":{"name":"ok"}},'
				  '{"id":123456789012345678901234,"attributes":{"name":"too big"}}]}');
SELECT name FROM nums;
\echo :LAST_ERROR_SQLSTATE
SELECT serve_page('{"data":[{"id":"-99999999999999999999","attributes":{"name":"too small"}}]}');
SELECT name FROM nums;
\echo :LAST_ERROR_SQLSTATE
SELECT sim_call('DELETE', '/_sim/faults');

DROP FOREIGN TABLE nums;
DROP FUNCTION serve_page(text);
DROP TABLE page_body;
SELECT sim_requests();
