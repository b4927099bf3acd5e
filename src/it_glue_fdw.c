/*-------------------------------------------------------------------------
 *
 * it_glue_fdw.c
 *		Foreign-data wrapper for the IT Glue API: module setup and the
 *		handler.  The callbacks live by concern: planner.c, scan.c,
 *		analyze.c, modify.c, import.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "foreign/fdwapi.h"

#include "it_glue_fdw.h"

PG_MODULE_MAGIC;

PG_FUNCTION_INFO_V1(it_glue_fdw_handler);

/* ---------- module setup ---------- */

void
_PG_init(void)
{
	itg_http_init();
	itg_pacing_init();
	itg_redact_init();
	itg_reccache_init();
}

/* ---------- handler ---------- */

Datum
it_glue_fdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = itgGetForeignRelSize;
	routine->GetForeignUpperPaths = itgGetForeignUpperPaths;
	routine->GetForeignPaths = itgGetForeignPaths;
	routine->GetForeignPlan = itgGetForeignPlan;
	routine->BeginForeignScan = itgBeginForeignScan;
	routine->IterateForeignScan = itgIterateForeignScan;
	routine->ReScanForeignScan = itgReScanForeignScan;
	routine->EndForeignScan = itgEndForeignScan;
	routine->ExplainForeignScan = itgExplainForeignScan;
	routine->AnalyzeForeignTable = itgAnalyzeForeignTable;

	routine->AddForeignUpdateTargets = itgAddForeignUpdateTargets;
	routine->PlanForeignModify = itgPlanForeignModify;
	routine->BeginForeignModify = itgBeginForeignModify;
	routine->ExecForeignInsert = itgExecForeignInsert;
	routine->ExecForeignUpdate = itgExecForeignUpdate;
	routine->ExecForeignDelete = itgExecForeignDelete;
	routine->EndForeignModify = itgEndForeignModify;
	routine->BeginForeignInsert = itgBeginForeignInsert;
	routine->EndForeignInsert = itgEndForeignModify;
	routine->IsForeignRelUpdatable = itgIsForeignRelUpdatable;
	routine->ExplainForeignModify = itgExplainForeignModify;
	routine->PlanDirectModify = itgPlanDirectModify;
	routine->BeginDirectModify = itgBeginDirectModify;
	routine->IterateDirectModify = itgIterateDirectModify;
	routine->EndDirectModify = itgEndDirectModify;
	routine->ExplainDirectModify = itgExplainDirectModify;
	routine->ImportForeignSchema = itgImportForeignSchema;

	PG_RETURN_POINTER(routine);
}
