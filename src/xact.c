/*-------------------------------------------------------------------------
 *
 * xact.c
 *		Remember what this transaction changed in IT Glue, so that users are
 *		told plainly when a rollback cannot undo it.
 *
 * IT Glue has no transactions: a POST, PATCH or DELETE is final the moment
 * it succeeds.  PostgreSQL may still roll the statement or transaction
 * back, so at abort (of the transaction or of a savepoint) a WARNING lists
 * the records that were changed anyway.
 *
 * The log lives in TopMemoryContext, so it is still there when the abort
 * callbacks run, whatever transaction memory is being torn down.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "lib/stringinfo.h"
#include "utils/memutils.h"

#include "it_glue_fdw.h"

/* How many records a message names before it only counts the rest. */
#define ITG_XACT_NAMED_IDS 20

typedef struct ItgWrite
{
	SubTransactionId subid;
	ItgWriteKind kind;
	const char *resource;		/* static: from the resource table */
	int64		id;
} ItgWrite;

/* The writes of the current transaction, in TopMemoryContext. */
static ItgWrite *writes = NULL;
static int	nwrites = 0;
static int	maxwrites = 0;
static bool callbacks_registered = false;

static const char *const kind_verbs[] = {"created", "changed", "deleted"};

/* Describe the writes made since a subtransaction, for a message detail. */
static char *
describe_writes(SubTransactionId from_subid)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int k = 0; k < 3; k++)
	{
		int			n = 0;

		for (int i = 0; i < nwrites; i++)
		{
			if (writes[i].kind != (ItgWriteKind) k || writes[i].subid < from_subid)
				continue;
			if (n < ITG_XACT_NAMED_IDS)
				appendStringInfo(&buf, "%s" INT64_FORMAT,
								 n == 0 ? psprintf("%s%s %s ", buf.len > 0 ? "; " : "",
												   kind_verbs[k], writes[i].resource) : ", ",
								 writes[i].id);
			n++;
		}
		if (n > ITG_XACT_NAMED_IDS)
			appendStringInfo(&buf, " and %d more", n - ITG_XACT_NAMED_IDS);
	}
	return buf.data;
}

/* Drop the writes made since a subtransaction (all of them for the top). */
static void
forget_writes(SubTransactionId from_subid)
{
	int			kept = 0;

	for (int i = 0; i < nwrites; i++)
		if (writes[i].subid < from_subid)
			writes[kept++] = writes[i];
	nwrites = kept;
}

static bool
any_writes_since(SubTransactionId subid)
{
	for (int i = 0; i < nwrites; i++)
		if (writes[i].subid >= subid)
			return true;
	return false;
}

static void
warn_writes(const char *what, SubTransactionId from_subid)
{
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("%s, but its changes in IT Glue remain", what),
			 errdetail("IT Glue is not transactional. Already %s.",
					   describe_writes(from_subid)),
			 errhint("Check these records in IT Glue and undo them there if needed.")));
}

static void
xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			if (nwrites > 0)
				warn_writes("the transaction was rolled back", TopSubTransactionId);
			nwrites = 0;
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			nwrites = 0;
			break;
		default:
			break;
	}
}

static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && any_writes_since(mySubid))
	{
		warn_writes("the savepoint was rolled back", mySubid);
		/* Reported once here; the transaction's own warning skips them. */
		forget_writes(mySubid);
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		/* The parent now owns what the savepoint did. */
		for (int i = 0; i < nwrites; i++)
			if (writes[i].subid >= mySubid)
				writes[i].subid = parentSubid;
	}
}

/*
 * itg_xact_record_write
 *		Note one record created, changed or deleted in IT Glue.
 */
void
itg_xact_record_write(ItgWriteKind kind, const char *resource, int64 id)
{
	if (!callbacks_registered)
	{
		RegisterXactCallback(xact_callback, NULL);
		RegisterSubXactCallback(subxact_callback, NULL);
		callbacks_registered = true;
	}
	if (nwrites == maxwrites)
	{
		int			newmax = maxwrites ? maxwrites * 2 : 64;

		writes = writes ?
			repalloc(writes, sizeof(ItgWrite) * newmax) :
			MemoryContextAlloc(TopMemoryContext, sizeof(ItgWrite) * newmax);
		maxwrites = newmax;
	}
	writes[nwrites].subid = GetCurrentSubTransactionId();
	writes[nwrites].kind = kind;
	writes[nwrites].resource = resource;
	writes[nwrites].id = id;
	nwrites++;
}
