/* it_glue_fdw--0.1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION it_glue_fdw" to load this file. \quit

CREATE FUNCTION it_glue_fdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION it_glue_fdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER it_glue_fdw
  HANDLER it_glue_fdw_handler
  VALIDATOR it_glue_fdw_validator;

COMMENT ON FOREIGN DATA WRAPPER it_glue_fdw IS 'IT Glue API foreign-data wrapper';
