/*-------------------------------------------------------------------------
 *
 * pacing.c
 *		Client-side pacing of requests: a token bucket per IT Glue server
 *		that holds requests back to requests_per_minute.
 *
 * IT Glue counts requests per account (3000 per 5 minutes).  A bucket in
 * one backend only paces that backend; when it_glue_fdw is in
 * shared_preload_libraries, the buckets live in shared memory and every
 * backend of the cluster draws from the same one per server and database.
 * The bucket holds a quarter-minute of burst, so short queries are not
 * slowed while sustained traffic is held to the rate.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "it_glue_fdw.h"

#define ITG_MAX_BUCKETS 64

typedef struct ItgBucket
{
	Oid			dbid;
	Oid			serverid;
	int			per_minute;
	double		tokens;
	TimestampTz refilled_at;
} ItgBucket;

typedef struct ItgBucketTable
{
	slock_t		mutex;			/* protects everything below */
	int			nbuckets;
	ItgBucket	buckets[ITG_MAX_BUCKETS];
} ItgBucketTable;

/* Shared when preloaded, else this backend's own. */
static ItgBucketTable local_table;
static ItgBucketTable *table = &local_table;
static bool shared = false;

static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;

static void
pacing_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(ItgBucketTable)));
}
#endif

static void
pacing_shmem_startup(void)
{
	bool		found;
	ItgBucketTable *t;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	t = ShmemInitStruct("it_glue_fdw request pacing", sizeof(ItgBucketTable), &found);
	if (!found)
	{
		SpinLockInit(&t->mutex);
		t->nbuckets = 0;
	}
	LWLockRelease(AddinShmemInitLock);
	table = t;
	shared = true;
}

/*
 * itg_pacing_init
 *		From _PG_init: when preloaded, ask for the shared bucket table.
 */
void
itg_pacing_init(void)
{
	SpinLockInit(&local_table.mutex);
	if (!process_shared_preload_libraries_in_progress)
		return;
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = pacing_shmem_request;
#else
	RequestAddinShmemSpace(MAXALIGN(sizeof(ItgBucketTable)));
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = pacing_shmem_startup;
}

/* itg_pacing_shared: do the buckets span the cluster? */
bool
itg_pacing_shared(void)
{
	return shared;
}

/* Find or make the bucket of a server (caller holds the mutex). */
static ItgBucket *
bucket_for(Oid serverid, int per_minute, TimestampTz now)
{
	ItgBucket  *b = NULL;

	for (int i = 0; i < table->nbuckets; i++)
		if (table->buckets[i].serverid == serverid && table->buckets[i].dbid == MyDatabaseId)
			b = &table->buckets[i];
	if (b == NULL)
	{
		/* A full table reuses a slot: at worst a server gets a fresh burst. */
		int			slot = table->nbuckets < ITG_MAX_BUCKETS ?
			table->nbuckets++ : (int) (serverid % ITG_MAX_BUCKETS);

		b = &table->buckets[slot];
		b->dbid = MyDatabaseId;
		b->serverid = serverid;
		b->per_minute = 0;
	}
	if (b->per_minute != per_minute)
	{
		/* New or changed rate: start full. */
		b->per_minute = per_minute;
		b->tokens = Max(1.0, per_minute / 4.0);
		b->refilled_at = now;
	}
	return b;
}

/*
 * itg_pacing_take
 *		Take one request token for the server: 0 when taken, else how many
 *		ms until one will be available (nothing is taken then).
 */
long
itg_pacing_take(Oid serverid, int per_minute, TimestampTz now)
{
	ItgBucket  *b;
	double		capacity = Max(1.0, per_minute / 4.0);
	double		per_ms = per_minute / 60000.0;
	long		wait = 0;

	SpinLockAcquire(&table->mutex);
	b = bucket_for(serverid, per_minute, now);
	if (now > b->refilled_at)
	{
		b->tokens = Min(capacity, b->tokens + (now - b->refilled_at) / 1000.0 * per_ms);
		b->refilled_at = now;
	}
	if (b->tokens >= 1.0)
		b->tokens -= 1.0;
	else
		wait = (long) ((1.0 - b->tokens) / per_ms) + 1;
	SpinLockRelease(&table->mutex);
	return wait;
}
