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
 * A write that was sent but whose outcome is unknown (a timeout or a lost
 * connection after sending, a server error, an answer that is not the
 * record written) is listed apart, as "outcome unknown", with what
 * identifies it: the id, or the name of a record being created.
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
	char	   *label;			/* ITG_WRITE_UNKNOWN: what was sent, in TopMemoryContext */
} ItgWrite;

/* The writes of the current transaction, in TopMemoryContext. */
static ItgWrite *writes = NULL;
static int	nwrites = 0;
static int	maxwrites = 0;
static bool callbacks_registered = false;

/* How a detail names each kind of write, before the resource. */
static const char *const kind_verbs[] = {"created", "changed", "deleted", ""};

/*
 * describe_writes
 *		The writes of these kinds made since a subtransaction, for a message
 *		detail: "created organizations 7, 8; changed organizations 14", or
 *		"organizations 14 (PATCH)" for those of unknown outcome.  NULL when
 *		there are none.
 */
static char *
describe_writes(SubTransactionId from_subid, ItgWriteKind first, ItgWriteKind last)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int k = first; k <= (int) last; k++)
	{
		int			n = 0;

		for (int i = 0; i < nwrites; i++)
		{
			if (writes[i].kind != (ItgWriteKind) k || writes[i].subid < from_subid)
				continue;
			if (n < ITG_XACT_NAMED_IDS)
			{
				appendStringInfoString(&buf, n == 0 ?
									   psprintf("%s%s%s%s ", buf.len > 0 ? "; " : "",
												kind_verbs[k], kind_verbs[k][0] ? " " : "",
												writes[i].resource) : ", ");
				if (writes[i].label != NULL)
					appendStringInfoString(&buf, writes[i].label);
				else
					appendStringInfo(&buf, INT64_FORMAT, writes[i].id);
			}
			n++;
		}
		if (n > ITG_XACT_NAMED_IDS)
			appendStringInfo(&buf, " and %d more", n - ITG_XACT_NAMED_IDS);
	}
	return buf.len > 0 ? buf.data : NULL;
}

/* Drop the writes made since a subtransaction (all of them for the top). */
static void
forget_writes(SubTransactionId from_subid)
{
	int			kept = 0;

	for (int i = 0; i < nwrites; i++)
	{
		if (writes[i].subid < from_subid)
			writes[kept++] = writes[i];
		else if (writes[i].label != NULL)
			pfree(writes[i].label);
	}
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
	char	   *done = describe_writes(from_subid, ITG_WRITE_CREATED, ITG_WRITE_DELETED);
	char	   *unknown = describe_writes(from_subid, ITG_WRITE_UNKNOWN, ITG_WRITE_UNKNOWN);

	if (done == NULL)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s, but IT Glue may have carried out its changes", what),
				 errdetail("IT Glue is not transactional. Outcome unknown: %s.", unknown),
				 errhint("Check these records in IT Glue and undo them there if needed.")));
	else if (unknown == NULL)
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s, but its changes in IT Glue remain", what),
				 errdetail("IT Glue is not transactional. Already %s.", done),
				 errhint("Check these records in IT Glue and undo them there if needed.")));
	else
		ereport(WARNING,
				(errcode(ERRCODE_WARNING),
				 errmsg("%s, but its changes in IT Glue remain", what),
				 errdetail("IT Glue is not transactional. Already %s. Outcome unknown: %s.",
						   done, unknown),
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
			forget_writes(TopSubTransactionId);
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			forget_writes(TopSubTransactionId);
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

/* A new entry in the log, for the current subtransaction. */
static ItgWrite *
new_write(void)
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
	memset(&writes[nwrites], 0, sizeof(ItgWrite));
	writes[nwrites].subid = GetCurrentSubTransactionId();
	return &writes[nwrites++];
}

/*
 * itg_xact_record_write
 *		Note one record created, changed or deleted in IT Glue.
 */
void
itg_xact_record_write(ItgWriteKind kind, const char *resource, int64 id)
{
	ItgWrite   *w = new_write();

	w->kind = kind;
	w->resource = resource;
	w->id = id;
}

/*
 * itg_xact_record_unknown
 *		Note a write IT Glue may or may not have carried out, named by label
 *		(an id or a name, and the method).
 */
void
itg_xact_record_unknown(const char *resource, const char *label)
{
	char	   *copy = MemoryContextStrdup(TopMemoryContext, label);
	ItgWrite   *w = new_write();

	w->kind = ITG_WRITE_UNKNOWN;
	w->resource = resource;
	w->id = -1;
	w->label = copy;
}
