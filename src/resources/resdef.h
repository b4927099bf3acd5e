/*-------------------------------------------------------------------------
 *
 * resdef.h
 *		Shorthands for the files in src/resources/, each of which describes
 *		one family of IT Glue resources (see resource.c for the registry).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ITG_RESDEF_H
#define ITG_RESDEF_H

#include "postgres.h"

#include "../it_glue_fdw.h"

#define RO ITG_COL_READONLY
#define EQ (ITG_COL_FILTER_EQ)
#define EXACT (ITG_COL_FILTER_EQ | ITG_COL_FILTER_EXACT)
#define ABSENT ITG_COL_MAYBE_ABSENT

/* A column: its name, attribute, SQL type, filter key, sort key and flags,
 * then any of the optional fields by name (.lookup, .list_cut_chars, ...). */
#define COL(name_, attribute_, type_, filter_key_, sort_key_, flags_, ...) \
	{.name = (name_), .attribute = (attribute_), .sql_type = (type_), \
	 .filter_key = (filter_key_), .sort_key = (sort_key_), .flags = (flags_), \
	 __VA_ARGS__}

/* The column list of a resource entry. */
#define COLUMNS(a) .columns = (a), .ncolumns = (int) lengthof(a)

#endif							/* ITG_RESDEF_H */
