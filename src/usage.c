/*-------------------------------------------------------------------------
 *
 * usage.c
 *		it_glue_fdw_usage(server): what the requests of a server's API host
 *		and key did, and how much of IT Glue's window they use.
 *
 * The figures belong to the host and key (IT Glue's account), as pacing
 * counts them: servers with the same host and key show the same figures.
 * They come from the pacing bucket, so they span the cluster when the
 * window is shared, and start again from zero when a bucket has been idle
 * for a whole window and its slot is taken by another key.  Only a user
 * with a user mapping (an API key) for the server sees them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/syscache.h"

#include "it_glue_fdw.h"

PG_FUNCTION_INFO_V1(it_glue_fdw_usage);

#define USAGE_COLUMNS 12

/* The current user's API key for a server, or NULL without one. */
static char *
own_api_key(Oid serverid)
{
	UserMapping *um;
	ListCell   *lc;

	if (!SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(GetUserId()),
							   ObjectIdGetDatum(serverid)) &&
		!SearchSysCacheExists2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
							   ObjectIdGetDatum(serverid)))
		return NULL;
	um = GetUserMapping(GetUserId(), serverid);
	foreach(lc, um->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);

		if (strcmp(def->defname, "api_key") == 0)
			return defGetString(def);
	}
	return NULL;
}

Datum
it_glue_fdw_usage(PG_FUNCTION_ARGS)
{
	Oid			serverid = PG_GETARG_OID(0);
	ItgOptions *opts = itg_get_server_options(serverid, GetUserId(), false);
	char	   *api_key = own_api_key(serverid);
	TupleDesc	tupdesc;
	ItgPaceKey	key;
	ItgUsage	usage;
	int64		used;
	int			allowance;
	Datum		values[USAGE_COLUMNS];
	bool		nulls[USAGE_COLUMNS] = {0};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (api_key == NULL)
		PG_RETURN_NULL();		/* no key of this user's: nothing to show */

	itg_pacing_key(opts->base_url, api_key, &key);
	itg_pacing_usage(&key, &opts->pace, &usage, &used, &allowance);

	values[0] = Int32GetDatum(opts->pace.window_seconds);
	values[1] = Int32GetDatum(opts->pace.window_requests);
	values[2] = Int32GetDatum(allowance);
	values[3] = Int64GetDatum(used);
	values[4] = Int64GetDatum(Max(allowance - used, 0));
	values[5] = Int64GetDatum(usage.requests[ITG_REQ_LIST]);
	values[6] = Int64GetDatum(usage.requests[ITG_REQ_SHOW]);
	values[7] = Int64GetDatum(usage.requests[ITG_REQ_WRITE]);
	values[8] = Int64GetDatum(usage.rate_limited);
	values[9] = Int64GetDatum(usage.retries);
	values[10] = Int64GetDatum(usage.bytes);
	values[11] = BoolGetDatum(itg_pacing_shared());
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}
