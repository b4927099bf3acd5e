/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every PostgreSQL version shim it_glue_fdw needs, in one place.
 *
 * The extension builds on PostgreSQL 13 to 18 (15, 17 and 18 are tested:
 * test/matrix.sh).  Code elsewhere calls the names defined here and never
 * tests PG_VERSION_NUM itself.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ITGLUE_COMPAT_H
#define ITGLUE_COMPAT_H

#include "postgres.h"

#include "storage/latch.h"
#if PG_VERSION_NUM >= 160000
#include "optimizer/inherit.h"		/* get_rel_all_updated_cols() */
#endif
#include "utils/resowner.h"

/*
 * PG18 split commands/explain.h: ExplainState is in explain_state.h and the
 * ExplainProperty*() functions in explain_format.h.
 */
#include "commands/explain.h"
#if PG_VERSION_NUM >= 180000
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif

/*
 * vacuum_delay_point() learned in PG18 whether it runs for ANALYZE (the
 * only caller here: sampling rows of a foreign table).
 */
#if PG_VERSION_NUM >= 180000
#define itg_analyze_delay_point() vacuum_delay_point(true)
#else
#define itg_analyze_delay_point() vacuum_delay_point()
#endif

/*
 * CreateWaitEventSet() took a MemoryContext until PG16; PG17 tracks the set
 * with a ResourceOwner instead, so an error cannot leak its epoll fd.
 */
#if PG_VERSION_NUM >= 170000
#define itg_create_wait_event_set(nevents) \
	CreateWaitEventSet(CurrentResourceOwner, (nevents))
#else
#define itg_create_wait_event_set(nevents) \
	CreateWaitEventSet(CurrentMemoryContext, (nevents))
#endif

/*
 * create_foreignscan_path() gained a fdw_restrictinfo argument in PG17 and
 * create_foreign_upper_path() likewise; PG18 added disabled_nodes (the
 * number of disabled plan nodes below; none here) after rows.
 */
#if PG_VERSION_NUM >= 180000
#define itg_create_foreignscan_path(root, rel, target, rows, startup, total, \
									pathkeys, required_outer, fdw_outerpath, \
									fdw_private) \
	create_foreignscan_path((root), (rel), (target), (rows), 0, (startup), \
							(total), (pathkeys), (required_outer), \
							(fdw_outerpath), NIL, (fdw_private))
#define itg_create_foreign_upper_path(root, rel, target, rows, startup, total, \
									  pathkeys, fdw_outerpath, fdw_private) \
	create_foreign_upper_path((root), (rel), (target), (rows), 0, (startup), \
							  (total), (pathkeys), (fdw_outerpath), NIL, \
							  (fdw_private))
#elif PG_VERSION_NUM >= 170000
#define itg_create_foreignscan_path(root, rel, target, rows, startup, total, \
									pathkeys, required_outer, fdw_outerpath, \
									fdw_private) \
	create_foreignscan_path((root), (rel), (target), (rows), (startup), \
							(total), (pathkeys), (required_outer), \
							(fdw_outerpath), NIL, (fdw_private))
#define itg_create_foreign_upper_path(root, rel, target, rows, startup, total, \
									  pathkeys, fdw_outerpath, fdw_private) \
	create_foreign_upper_path((root), (rel), (target), (rows), (startup), \
							  (total), (pathkeys), (fdw_outerpath), NIL, \
							  (fdw_private))
#else
#define itg_create_foreignscan_path(root, rel, target, rows, startup, total, \
									pathkeys, required_outer, fdw_outerpath, \
									fdw_private) \
	create_foreignscan_path((root), (rel), (target), (rows), (startup), \
							(total), (pathkeys), (required_outer), \
							(fdw_outerpath), (fdw_private))
#define itg_create_foreign_upper_path(root, rel, target, rows, startup, total, \
									  pathkeys, fdw_outerpath, fdw_private) \
	create_foreign_upper_path((root), (rel), (target), (rows), (startup), \
							  (total), (pathkeys), (fdw_outerpath), \
							  (fdw_private))
#endif

/*
 * PG14 replaced the AddForeignUpdateTargets(parsetree, ...) signature with
 * (root, rtindex, ...) and added add_row_identity_var().
 */
#if PG_VERSION_NUM >= 140000
#define ITG_HAS_ROW_IDENTITY_VARS 1
#endif

/*
 * The user whose user mapping a scan uses: PG16 records it in the plan
 * (ForeignScan.checkAsUser) and on the RelOptInfo; before that it came from
 * the range table entry.
 */
#if PG_VERSION_NUM >= 160000
#define itg_rel_userid(root, baserel) \
	(OidIsValid((baserel)->userid) ? (baserel)->userid : GetUserId())
#define itg_scan_userid(fsplan, estate) \
	(OidIsValid((fsplan)->checkAsUser) ? (fsplan)->checkAsUser : GetUserId())
#else
#define itg_rel_userid(root, baserel) \
	(OidIsValid(planner_rt_fetch((baserel)->relid, (root))->checkAsUser) ? \
	 planner_rt_fetch((baserel)->relid, (root))->checkAsUser : GetUserId())
/* An upper-relation scan (count(*)) has scanrelid 0: use its base rel. */
#define itg_scan_rtindex(fsplan) \
	((fsplan)->scan.scanrelid > 0 ? (fsplan)->scan.scanrelid : \
	 (Index) bms_next_member((fsplan)->fs_relids, -1))
#define itg_scan_userid(fsplan, estate) \
	(OidIsValid(exec_rt_fetch(itg_scan_rtindex(fsplan), (estate))->checkAsUser) ? \
	 exec_rt_fetch(itg_scan_rtindex(fsplan), (estate))->checkAsUser : GetUserId())
#endif

/*
 * The user a result relation is written as (PG16 added a helper).  A
 * partition that rows are routed into (COPY, INSERT or UPDATE through the
 * partitioned table) has no range table entry of its own before PG16: it is
 * written as its root is.
 */
#if PG_VERSION_NUM >= 160000
#define itg_result_rel_userid(rinfo, estate) ExecGetResultRelCheckAsUser((rinfo), (estate))
#elif PG_VERSION_NUM >= 140000
#define itg_result_rel_rtindex(rinfo) \
	((rinfo)->ri_RangeTableIndex != 0 ? (rinfo)->ri_RangeTableIndex : \
	 (rinfo)->ri_RootResultRelInfo->ri_RangeTableIndex)
#define itg_result_rel_userid(rinfo, estate) \
	(OidIsValid(exec_rt_fetch(itg_result_rel_rtindex(rinfo), (estate))->checkAsUser) ? \
	 exec_rt_fetch(itg_result_rel_rtindex(rinfo), (estate))->checkAsUser : GetUserId())
#else
#define itg_result_rel_userid(rinfo, estate) \
	(OidIsValid(exec_rt_fetch((rinfo)->ri_RangeTableIndex, (estate))->checkAsUser) ? \
	 exec_rt_fetch((rinfo)->ri_RangeTableIndex, (estate))->checkAsUser : GetUserId())
#endif

/*
 * SHA-256 of a buffer.  PG14 brought the pg_cryptohash API (PG13 has only
 * sha2.h), and PG15 added the output length to pg_cryptohash_final().
 */
#if PG_VERSION_NUM >= 140000
#include "common/cryptohash.h"
#include "common/sha2.h"

static inline void
itg_sha256(const uint8 *data, size_t len, uint8 *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL || pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, data, len) < 0 ||
#if PG_VERSION_NUM >= 150000
		pg_cryptohash_final(ctx, out, PG_SHA256_DIGEST_LENGTH) < 0
#else
		pg_cryptohash_final(ctx, out) < 0
#endif
		)
		elog(ERROR, "could not compute a SHA-256 hash");
	pg_cryptohash_free(ctx);
}
#else
#include "common/sha2.h"

static inline void
itg_sha256(const uint8 *data, size_t len, uint8 *out)
{
	pg_sha256_ctx ctx;

	pg_sha256_init(&ctx);
	pg_sha256_update(&ctx, data, len);
	pg_sha256_final(&ctx, out);
}
#endif

/*
 * PG15 added shmem_request_hook, where shared memory must now be requested;
 * before it, _PG_init requested it directly.
 */
#if PG_VERSION_NUM >= 150000
#define ITG_HAS_SHMEM_REQUEST_HOOK 1
#endif

/*
 * PG17 added the DSM registry: shared memory a library can use without
 * being preloaded (the pacing window uses it then).
 */
#if PG_VERSION_NUM >= 170000
#define ITG_HAS_DSM_REGISTRY 1
#endif

/* Whether a PathKey sorts descending: PG18 records a CompareType. */
#if PG_VERSION_NUM >= 180000
#define itg_pathkey_descending(pk) ((pk)->pk_cmptype == COMPARE_GT)
#else
#define itg_pathkey_descending(pk) ((pk)->pk_strategy == BTGreaterStrategyNumber)
#endif

/*
 * The columns an UPDATE of range table entry rtindex assigns, generated
 * ones included: PG16 computes them per relation.
 */
#if PG_VERSION_NUM >= 160000
#define itg_updated_columns(root, rtindex) \
	get_rel_all_updated_cols((root), find_base_rel((root), (rtindex)))
#else
#define itg_updated_columns(root, rtindex) \
	bms_union(planner_rt_fetch((rtindex), (root))->updatedCols, \
			  planner_rt_fetch((rtindex), (root))->extraUpdatedCols)
#endif

#endif							/* ITGLUE_COMPAT_H */
