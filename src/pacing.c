/*-------------------------------------------------------------------------
 *
 * pacing.c
 *		Client-side pacing of requests: a bucket per IT Glue account that
 *		holds requests back to requests_per_minute.
 *
 * IT Glue counts requests per account (3000 per 5 minutes), and an account
 * is what a key opens on one API host.  So a bucket belongs to an API host
 * and key, not to a server object: servers with the same host and key draw
 * from one bucket, servers with different keys never touch each other's.
 * The bucket is known by a SHA-256 of host and key; the key itself is not
 * stored.  When it_glue_fdw is in shared_preload_libraries the buckets live
 * in shared memory and every backend of the cluster draws from them; else
 * each backend paces only itself.
 *
 * Each bucket is a GCRA (virtual scheduling) limiter: it keeps the time at
 * which it will be full again (tat).  A request at rate r costs 1/r of a
 * minute and may go when tat lies less than a quarter-minute of burst
 * ahead.  Each request is charged at its own server's rate, so servers
 * sharing a bucket with different rates never reset it for each other.
 *
 * A bucket whose tat has passed is full, the same as a new one, so its slot
 * can serve another host and key without changing anyone's pacing.  When
 * every slot holds a bucket still refilling, the newcomer shares one
 * overflow bucket with the other newcomers (slower, never faster than
 * allowed), and the backend says so once with a WARNING.  No bucket in use
 * is ever taken over or reset.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/timestamp.h"

#include "it_glue_fdw.h"

#define ITG_MAX_BUCKETS 128
#define ITG_PACING_TRANCHE "it_glue_fdw pacing"

typedef struct ItgBucket
{
	bool		used;
	ItgPaceKey	key;
	TimestampTz tat;			/* when the bucket is full again */
} ItgBucket;

typedef struct ItgBucketTable
{
	LWLock	   *lock;			/* protects everything below (shared only) */
	ItgBucket	overflow;		/* for hosts and keys that found no slot */
	ItgBucket	buckets[ITG_MAX_BUCKETS];
} ItgBucketTable;

/* Shared when preloaded, else this backend's own. */
static ItgBucketTable local_table;
static ItgBucketTable *table = &local_table;
static bool shared = false;
static bool overflow_reported = false;

static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
pacing_request_shmem(void)
{
	RequestAddinShmemSpace(MAXALIGN(sizeof(ItgBucketTable)));
	RequestNamedLWLockTranche(ITG_PACING_TRANCHE, 1);
}

#ifdef ITG_HAS_SHMEM_REQUEST_HOOK
static shmem_request_hook_type prev_shmem_request_hook = NULL;

static void
pacing_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	pacing_request_shmem();
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
		memset(t, 0, sizeof(ItgBucketTable));
		t->lock = &(GetNamedLWLockTranche(ITG_PACING_TRANCHE))->lock;
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
	if (!process_shared_preload_libraries_in_progress)
		return;
#ifdef ITG_HAS_SHMEM_REQUEST_HOOK
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = pacing_shmem_request;
#else
	pacing_request_shmem();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = pacing_shmem_startup;
}

/*
 * itg_pacing_key
 *		The bucket of an API host and key: SHA-256 over the host (with its
 *		port, lower-cased) and the key.
 */
void
itg_pacing_key(const char *base_url, const char *api_key, ItgPaceKey *key)
{
	const char *host = strstr(base_url, "://");
	size_t		hostlen;
	StringInfoData buf;

	host = host ? host + 3 : base_url;
	hostlen = strcspn(host, "/");
	initStringInfo(&buf);
	for (size_t i = 0; i < hostlen; i++)
		appendStringInfoChar(&buf, pg_ascii_tolower((unsigned char) host[i]));
	appendStringInfoChar(&buf, '\n');
	appendStringInfoString(&buf, api_key ? api_key : "");
	itg_sha256((const uint8 *) buf.data, buf.len, key->hash);
	memset(buf.data, 0, buf.len);
	pfree(buf.data);
}

/*
 * Find the bucket of a key, or give it a free slot (never used, or full
 * again); the overflow bucket when there is none (caller holds the lock).
 */
static ItgBucket *
bucket_for(const ItgPaceKey *key, TimestampTz now, bool *overflowed)
{
	ItgBucket  *free_slot = NULL;

	for (int i = 0; i < ITG_MAX_BUCKETS; i++)
	{
		ItgBucket  *b = &table->buckets[i];

		if (b->used && memcmp(&b->key, key, sizeof(ItgPaceKey)) == 0)
			return b;
		if (free_slot == NULL && (!b->used || b->tat <= now))
			free_slot = b;
	}
	if (free_slot == NULL)
	{
		*overflowed = true;
		return &table->overflow;
	}
	free_slot->used = true;
	free_slot->key = *key;
	free_slot->tat = now;
	return free_slot;
}

/*
 * itg_pacing_take
 *		Take one request's worth from the bucket at this rate: 0 when taken,
 *		else how many ms until it can be (nothing is taken then).
 */
long
itg_pacing_take(const ItgPaceKey *key, int per_minute, TimestampTz now)
{
	/* One request's cost, and the burst: a quarter-minute's worth. */
	int64		cost_us = (int64) (60.0 * USECS_PER_SEC / Max(per_minute, 1));
	int64		burst_us = (int64) ((Max(1.0, per_minute / 4.0) - 1.0) * cost_us);
	ItgBucket  *b;
	TimestampTz tat;
	bool		overflowed = false;
	long		wait = 0;

	if (shared)
		LWLockAcquire(table->lock, LW_EXCLUSIVE);
	b = bucket_for(key, now, &overflowed);
	tat = Max(b->tat, now);
	if (tat - burst_us <= now)
		b->tat = tat + cost_us;
	else
		wait = (long) ((tat - burst_us - now + 999) / 1000);
	if (shared)
		LWLockRelease(table->lock);

	if (overflowed && !overflow_reported)
	{
		overflow_reported = true;
		ereport(WARNING,
				(errmsg("the it_glue_fdw pacing table is full"),
				 errdetail("More than %d IT Glue hosts and keys are being paced at once. Requests whose host and key have no bucket of their own share one until buckets free up, so they may wait longer than requests_per_minute says.",
						   ITG_MAX_BUCKETS)));
	}
	return wait;
}
