/*-------------------------------------------------------------------------
 *
 * pacing.c
 *		Client-side pacing of requests the way IT Glue counts them: a window
 *		per IT Glue account ("3000 requests within a 5-minute window"),
 *		plus an optional per-minute cap.
 *
 * IT Glue counts requests per account, and an account is what a key opens
 * on one API host.  So a bucket belongs to an API host and key, not to a
 * server object: servers with the same host and key draw from one bucket,
 * servers with different keys never touch each other's.  The bucket is
 * known by a SHA-256 of host and key; the key itself is not stored.  When
 * it_glue_fdw is in shared_preload_libraries the buckets live in the main
 * shared memory; on PostgreSQL 17 and later without preloading they live in
 * a segment of the DSM registry; either way every backend of the cluster
 * draws from them.  Else (PostgreSQL 15 and 16 without preloading) each
 * backend paces only itself, and says so once with a NOTICE.
 *
 * The window: each bucket counts the requests launched in each second of
 * the last ITG_WINDOW_MAX_SECONDS.  A request may go while the seconds that
 * overlap the last rate_window_seconds hold fewer than the window's
 * allowance (rate_window_requests less a 5% headroom for clock differences
 * and other tools on the key).  Counting whole seconds over-counts, never
 * under-counts, so bursts go at full speed and the window never overflows.
 * Each request is judged by its own server's window, so servers sharing a
 * bucket with different settings never loosen it for each other.
 *
 * The optional cap (requests_per_minute) is a GCRA (virtual scheduling)
 * limiter on the same bucket: it keeps the time at which it will be full
 * again (tat); a request costs 1/r of a minute and may go when tat lies less
 * than a quarter-minute of burst ahead.
 *
 * A bucket whose window is empty and whose tat has passed is the same as a
 * new one, so its slot can serve another host and key without changing
 * anyone's pacing.  When every slot holds a bucket still in use, the
 * newcomer shares one overflow bucket with the other newcomers (slower,
 * never faster than allowed), and the backend says so once with a WARNING.
 * No bucket in use is ever taken over or reset.
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
#ifdef ITG_HAS_DSM_REGISTRY
#include "storage/dsm_registry.h"
#endif

#define ITG_MAX_BUCKETS 128
#define ITG_PACING_TRANCHE "it_glue_fdw pacing"
#define ITG_WINDOW_SLOTS (ITG_WINDOW_MAX_SECONDS + 1)

typedef struct ItgBucket
{
	bool		used;
	ItgPaceKey	key;
	TimestampTz tat;			/* when the per-minute cap is full again */
	int64		newest_second;	/* the second counts[] was last advanced to */
	int32		longest_window; /* longest window judged here, in seconds */
	ItgUsage	usage;			/* what the requests of this bucket did */
	int32		counts[ITG_WINDOW_SLOTS];	/* launches per second, a ring */
} ItgBucket;

typedef struct ItgBucketTable
{
	LWLock	   *lock;			/* protects everything (main shared memory) */
	LWLock		dsm_lock;		/* the same in a DSM registry segment */
	ItgBucket	overflow;		/* for hosts and keys that found no slot */
	ItgBucket	buckets[ITG_MAX_BUCKETS];
} ItgBucketTable;

/* Shared when preloaded (or in the DSM registry), else this backend's own. */
static ItgBucketTable local_table;
static ItgBucketTable *table = &local_table;
static bool shared = false;
static bool attach_tried = false;
static bool overflow_reported = false;
static bool unshared_reported = false;
static LWLock *table_lock = NULL;	/* when shared */

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
	table_lock = t->lock;
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

#ifdef ITG_HAS_DSM_REGISTRY
static int	dsm_tranche_id;

static void
pacing_dsm_init(void *ptr)
{
	ItgBucketTable *t = (ItgBucketTable *) ptr;

	memset(t, 0, sizeof(ItgBucketTable));
	dsm_tranche_id = LWLockNewTrancheId();
	LWLockInitialize(&t->dsm_lock, dsm_tranche_id);
}
#endif

/*
 * attach_table
 *		Without preloading, find (or make) the shared table in the DSM
 *		registry where PostgreSQL has one; once per backend.
 */
static void
attach_table(void)
{
	if (shared || attach_tried)
		return;
	attach_tried = true;
#ifdef ITG_HAS_DSM_REGISTRY
	{
		bool		found;
		ItgBucketTable *t;

		t = GetNamedDSMSegment("it_glue_fdw request pacing", sizeof(ItgBucketTable),
							   pacing_dsm_init, &found);
		LWLockRegisterTranche(t->dsm_lock.tranche, ITG_PACING_TRANCHE);
		table = t;
		table_lock = &t->dsm_lock;
		shared = true;
	}
#endif
}

/* itg_pacing_shared: do the buckets span the cluster? */
bool
itg_pacing_shared(void)
{
	attach_table();
	return shared;
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

/* ---------- the window ---------- */

/* Move a bucket's ring up to this second: the seconds passed count 0. */
static void
window_advance(ItgBucket *b, int64 second)
{
	int64		from = Max(b->newest_second + 1, second - ITG_WINDOW_SLOTS + 1);

	for (int64 s = from; s <= second; s++)
		b->counts[s % ITG_WINDOW_SLOTS] = 0;
	if (second > b->newest_second)
		b->newest_second = second;
}

/* Requests counted in the seconds that overlap the last window_s seconds. */
static int64
window_used(const ItgBucket *b, int64 second, int window_s)
{
	int64		used = 0;

	for (int64 s = second - window_s; s <= second; s++)
		used += b->counts[s % ITG_WINDOW_SLOTS];
	return used;
}

/* The requests a window lets the pacer send: the limit less a 5% headroom. */
static int
window_allowance(const ItgPaceLimits *limits)
{
	return limits->window_requests - Max(1, limits->window_requests / 20);
}

/*
 * Microseconds until enough of the oldest seconds have left the window for
 * one more request to fit in it.
 */
static int64
window_wait_us(const ItgBucket *b, int64 second, const ItgPaceLimits *limits,
			   TimestampTz now)
{
	int64		excess = window_used(b, second, limits->window_seconds) -
		window_allowance(limits) + 1;

	for (int64 s = second - limits->window_seconds; s <= second; s++)
	{
		excess -= b->counts[s % ITG_WINDOW_SLOTS];
		if (excess <= 0)
			return (s + limits->window_seconds + 1) * USECS_PER_SEC - now;
	}
	return limits->window_seconds * USECS_PER_SEC;	/* not reached */
}

/* Is a bucket as good as new: nothing in its window, its cap full? */
static bool
bucket_idle(const ItgBucket *b, int64 second, TimestampTz now)
{
	return !b->used ||
		(b->tat <= now && b->newest_second + b->longest_window < second);
}

/*
 * Find the bucket of a key, or give it a free slot (never used, or idle);
 * the overflow bucket when there is none (caller holds the lock).
 */
static ItgBucket *
bucket_for(const ItgPaceKey *key, TimestampTz now, bool *overflowed)
{
	ItgBucket  *free_slot = NULL;
	int64		second = now / USECS_PER_SEC;

	for (int i = 0; i < ITG_MAX_BUCKETS; i++)
	{
		ItgBucket  *b = &table->buckets[i];

		if (b->used && memcmp(&b->key, key, sizeof(ItgPaceKey)) == 0)
			return b;
		if (free_slot == NULL && bucket_idle(b, second, now))
			free_slot = b;
	}
	if (free_slot == NULL)
	{
		*overflowed = true;
		return &table->overflow;
	}
	memset(free_slot, 0, sizeof(ItgBucket));
	free_slot->used = true;
	free_slot->key = *key;
	free_slot->tat = now;
	free_slot->newest_second = second;
	return free_slot;
}

static void
pacing_lock(void)
{
	if (shared)
		LWLockAcquire(table_lock, LW_EXCLUSIVE);
}

static void
pacing_unlock(void)
{
	if (shared)
		LWLockRelease(table_lock);
}

/*
 * itg_pacing_take
 *		Take one request's place in the window (and the per-minute cap, if
 *		set): 0 when taken, else how many ms until it can be (nothing is
 *		taken then).
 */
long
itg_pacing_take(const ItgPaceKey *key, const ItgPaceLimits *limits, TimestampTz now)
{
	int64		second = now / USECS_PER_SEC;
	ItgBucket  *b;
	bool		overflowed = false;
	int64		wait_us = 0;

	attach_table();
	if (!shared && !unshared_reported)
	{
		unshared_reported = true;
		ereport(NOTICE,
				(errmsg("it_glue_fdw paces the requests of this session alone"),
				 errdetail("IT Glue counts the requests of all sessions with the same key in one window, but without shared memory each session counts only its own, so several sessions together can exceed the window."),
				 errhint("Add it_glue_fdw to shared_preload_libraries and restart the server.")));
	}

	pacing_lock();
	b = bucket_for(key, now, &overflowed);
	window_advance(b, second);
	second = b->newest_second;	/* another backend may have counted a later second */
	b->longest_window = Max(b->longest_window, limits->window_seconds);
	if (window_used(b, second, limits->window_seconds) >= window_allowance(limits))
		wait_us = window_wait_us(b, second, limits, now);
	else if (limits->per_minute > 0)
	{
		/* One request's cost, and the burst: a quarter-minute's worth. */
		int64		cost_us = (int64) (60.0 * USECS_PER_SEC / limits->per_minute);
		int64		burst_us = (int64) ((Max(1.0, limits->per_minute / 4.0) - 1.0) * cost_us);
		TimestampTz tat = Max(b->tat, now);

		if (tat - burst_us <= now)
			b->tat = tat + cost_us;
		else
			wait_us = tat - burst_us - now;
	}
	if (wait_us == 0)
		b->counts[second % ITG_WINDOW_SLOTS]++;
	pacing_unlock();

	if (overflowed && !overflow_reported)
	{
		overflow_reported = true;
		ereport(WARNING,
				(errmsg("the it_glue_fdw pacing table is full"),
				 errdetail("More than %d IT Glue hosts and keys are being paced at once. Requests whose host and key have no bucket of their own share one until buckets free up, so they may wait longer than their window says.",
						   ITG_MAX_BUCKETS)));
	}
	return (long) ((wait_us + 999) / 1000);
}

/* The bucket of a key, if it has one (caller holds the lock). */
static ItgBucket *
bucket_lookup(const ItgPaceKey *key)
{
	for (int i = 0; i < ITG_MAX_BUCKETS; i++)
	{
		ItgBucket  *b = &table->buckets[i];

		if (b->used && memcmp(&b->key, key, sizeof(ItgPaceKey)) == 0)
			return b;
	}
	return NULL;
}

/*
 * itg_pacing_note
 *		Count one finished attempt of a request in its bucket's usage: its
 *		kind, whether IT Glue refused it (429), whether it is tried again,
 *		and the bytes received.
 */
void
itg_pacing_note(const ItgPaceKey *key, ItgRequestKind kind, bool rate_limited,
				bool retrying, int64 bytes)
{
	ItgBucket  *b;

	pacing_lock();
	b = bucket_lookup(key);
	if (b != NULL)
	{
		b->usage.requests[kind]++;
		b->usage.rate_limited += rate_limited ? 1 : 0;
		b->usage.retries += retrying ? 1 : 0;
		b->usage.bytes += bytes;
	}
	pacing_unlock();
}

/*
 * itg_pacing_usage
 *		A host and key's usage and how much of its window is used (the
 *		cluster's, when shared).  All zero when it has no bucket: nothing
 *		sent within its window.
 */
void
itg_pacing_usage(const ItgPaceKey *key, const ItgPaceLimits *limits,
				 ItgUsage *usage, int64 *used, int *allowance)
{
	TimestampTz now = GetCurrentTimestamp();
	int64		second = now / USECS_PER_SEC;
	ItgBucket  *b;

	attach_table();
	memset(usage, 0, sizeof(ItgUsage));
	*used = 0;
	*allowance = window_allowance(limits);
	pacing_lock();
	b = bucket_lookup(key);
	if (b != NULL)
	{
		window_advance(b, second);
		*usage = b->usage;
		*used = window_used(b, Max(second, b->newest_second), limits->window_seconds);
	}
	pacing_unlock();
}
