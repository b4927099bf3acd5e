/*-------------------------------------------------------------------------
 *
 * jsonscan.h
 *		Fast, incremental scan of a JSON:API page straight into column
 *		values, without building a JSON tree.  Private to jsonapi.c.
 *
 * The scanner reads the body as it grows, one resource object at a time,
 * and copies out only the id and the requested attributes.  It accepts only
 * the plain shapes list and show responses have (scalar and plain array
 * values, no escapes in member names, ...); on anything else it gives up
 * ("bails") and jsonapi.c parses the whole body with json-c instead, so every
 * error message and every unusual document is handled by one, well-tested
 * path.
 * What the scanner does accept, it must turn into exactly the page json-c
 * would give (the fuzz target and the unit tests compare the two).
 *
 * Plain C, no PostgreSQL and no json-c: memory is malloc'd (the scanner runs
 * inside libcurl's write callback) and handed over by itg_scan_page.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ITGLUE_JSONSCAN_H
#define ITGLUE_JSONSCAN_H

#include "jsonapi.h"

typedef enum ItgScannerStatus
{
	ITG_SCANNER_MORE,				/* nothing wrong so far; more bytes needed */
	ITG_SCANNER_DONE,				/* a complete document was read */
	ITG_SCANNER_BAIL				/* not a shape the scanner takes: use json-c */
} ItgScannerStatus;

typedef struct ItgScan ItgScan;

/*
 * itg_scan_new
 *		A scanner for these requested attributes (the names must stay valid
 *		while it is used).  NULL when the scan cannot apply (a whole
 *		attributes object is requested) or when out of memory.
 */
extern ItgScan *itg_scan_new(const char *const *attr_names, int nattrs,
							 bool single_object);
extern void itg_scan_reset(ItgScan *scan);
extern void itg_scan_free(ItgScan *scan);

/* Whether this scanner was made for these arguments. */
extern bool itg_scan_matches(const ItgScan *scan, const char *const *attr_names,
							 int nattrs, bool single_object);

/*
 * itg_scan_advance
 *		Read on in body[0..len), which holds everything received so far (the
 *		same bytes as at the previous call, plus more); complete says that the
 *		body has ended.  Once BAIL or DONE is returned, the scan stays there.
 */
extern ItgScannerStatus itg_scan_advance(ItgScan *scan, const char *body, size_t len,
									  bool complete);

/*
 * itg_scan_page
 *		After DONE: copy the page out through the caller's allocator.  False
 *		with errbuf set only when out of memory.
 */
extern bool itg_scan_page(ItgScan *scan, ItgAllocFn alloc, void *alloc_ctx,
						  ItgPage *page, char *errbuf, size_t errlen);

/* An integer's JSON text as a number; -1 when not an integer or beyond 64 bits. */
extern int64_t itg_json_int64(const char *text, size_t len);

#endif							/* ITGLUE_JSONSCAN_H */
