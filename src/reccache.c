/*-------------------------------------------------------------------------
 *
 * reccache.c
 *		The record cache: the whole values of records whose list values may
 *		have been cut (quick-notes), kept with the record's updated-at, so
 *		that a list record with the same updated-at is completed without
 *		reading it again.
 *
 * Exactness: updated-at equality is the only key.  A record whose
 * updated-at differs from the cached one is read again (and the entry
 * replaced).  A hit gives the record every value the re-read would have
 * given (the whole attributes object too), so it is served only when the
 * entry holds every attribute the scan extracts.  Entries belong to an API host and key (the pacing
 * key's SHA-256), so a key never reads what another key's requests cached.
 *
 * The cache is per backend, bounded by it_glue_fdw.record_cache_mb (0
 * turns it off), least recently used out.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/ilist.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "it_glue_fdw.h"

#define RECCACHE_RESOURCE_LEN 32
#define RECCACHE_ID_LEN 32

typedef struct RecCacheKey
{
	uint8		account[32];	/* SHA-256 of the API host and key */
	char		resource[RECCACHE_RESOURCE_LEN];
	char		id[RECCACHE_ID_LEN];
} RecCacheKey;

typedef struct RecCacheEntry
{
	RecCacheKey key;			/* hash key: first */
	dlist_node	lru;			/* most recently used at the head */
	char	   *updated_at;
	int			nvalues;
	char	  **names;			/* attribute names */
	ItgValue   *values;			/* their whole values */
	Size		bytes;			/* what the entry holds, for the bound */
} RecCacheEntry;

static int	record_cache_mb = 64;
static HTAB *cache = NULL;
static MemoryContext cache_cxt = NULL;
static dlist_head lru = DLIST_STATIC_INIT(lru);
static Size cache_bytes = 0;

/* itg_reccache_init: from _PG_init, the size setting. */
void
itg_reccache_init(void)
{
	DefineCustomIntVariable("it_glue_fdw.record_cache_mb",
							"Memory for the whole values of records IT Glue's lists cut, per session.",
							"A list record whose updated-at matches a kept record is completed without a request. 0 turns the cache off.",
							&record_cache_mb, 64, 0, 4096,
							PGC_USERSET, GUC_UNIT_MB, NULL, NULL, NULL);
}

static void
ensure_cache(void)
{
	HASHCTL		ctl;

	if (cache != NULL)
		return;
	cache_cxt = AllocSetContextCreate(TopMemoryContext, "it_glue_fdw record cache",
									  ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(RecCacheKey);
	ctl.entrysize = sizeof(RecCacheEntry);
	ctl.hcxt = cache_cxt;
	cache = hash_create("it_glue_fdw record cache", 1024, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* The key of a record; false when its names are too long to keep. */
static bool
make_key(const ItgPaceKey *account, const char *resource, const char *id, RecCacheKey *key)
{
	if (strlen(resource) >= RECCACHE_RESOURCE_LEN || strlen(id) >= RECCACHE_ID_LEN)
		return false;
	memset(key, 0, sizeof(RecCacheKey));
	memcpy(key->account, account->hash, sizeof(key->account));
	strcpy(key->resource, resource);
	strcpy(key->id, id);
	return true;
}

static void
free_entry_values(RecCacheEntry *e)
{
	for (int i = 0; i < e->nvalues; i++)
	{
		pfree(e->names[i]);
		if (e->values[i].text)
			pfree((char *) e->values[i].text);
	}
	if (e->names)
		pfree(e->names);
	if (e->values)
		pfree(e->values);
	if (e->updated_at)
		pfree(e->updated_at);
	cache_bytes -= e->bytes;
}

static void
remove_entry(RecCacheEntry *e)
{
	free_entry_values(e);
	dlist_delete(&e->lru);
	hash_search(cache, &e->key, HASH_REMOVE, NULL);
}

/* The updated-at text of a record, or NULL. */
static const ItgValue *
updated_at_of(const ItgRecord *rec, int updated_slot)
{
	const ItgValue *v;

	if (updated_slot < 0 || rec->values == NULL)
		return NULL;
	v = &rec->values[updated_slot];
	return v->kind == ITG_JSON_STRING ? v : NULL;
}

/*
 * itg_reccache_complete
 *		Give a list record the values a re-read would have given it, when
 *		the cache holds the record with its updated-at and every attribute
 *		the scan extracts (names); the values are copied into cxt.  False
 *		(the record untouched) on a miss.
 */
bool
itg_reccache_complete(const ItgPaceKey *account, const char *resource, ItgRecord *rec,
					  const char *const *names, int nnames, int updated_slot,
					  MemoryContext cxt)
{
	const ItgValue *updated = updated_at_of(rec, updated_slot);
	RecCacheKey key;
	RecCacheEntry *e;
	int		   *found;

	if (record_cache_mb == 0 || cache == NULL || updated == NULL || rec->id == NULL ||
		!make_key(account, resource, rec->id, &key))
		return false;
	e = hash_search(cache, &key, HASH_FIND, NULL);
	if (e == NULL || strcmp(e->updated_at, updated->text) != 0)
		return false;

	found = palloc(sizeof(int) * Max(nnames, 1));
	for (int s = 0; s < nnames; s++)
	{
		for (found[s] = 0; found[s] < e->nvalues; found[s]++)
			if (strcmp(e->names[found[s]], names[s]) == 0)
				break;
		if (found[s] == e->nvalues)
		{
			pfree(found);
			return false;		/* kept without this attribute */
		}
	}
	rec->values = MemoryContextAlloc(cxt, sizeof(ItgValue) * Max(nnames, 1));
	for (int s = 0; s < nnames; s++)
	{
		const ItgValue *kept = &e->values[found[s]];
		ItgValue   *v = &rec->values[s];

		v->kind = kept->kind;
		v->len = kept->len;
		v->text = NULL;
		if (kept->text)
		{
			char	   *copy = MemoryContextAlloc(cxt, kept->len + 1);

			memcpy(copy, kept->text, kept->len + 1);
			v->text = copy;
		}
	}
	pfree(found);
	dlist_move_head(&lru, &e->lru);
	return true;
}

/* Copy a value into the cache's context. */
static void
keep_value(RecCacheEntry *e, int i, const char *name, const ItgValue *v)
{
	e->names[i] = pstrdup(name);
	e->values[i].kind = v->kind;
	e->values[i].len = v->len;
	e->values[i].text = NULL;
	if (v->text)
	{
		char	   *copy = palloc(v->len + 1);

		memcpy(copy, v->text, v->len);
		copy[v->len] = '\0';
		e->values[i].text = copy;
	}
	e->bytes += strlen(name) + 1 + v->len + 1 + sizeof(ItgValue) + sizeof(char *);
}

/*
 * itg_reccache_store
 *		Keep a record read whole (its values under names) with its
 *		updated-at.  Attributes kept before for the same updated-at stay (a
 *		narrower query does not forget what a wider one read); another
 *		updated-at replaces the entry.  The least recently used records go
 *		while the cache is over its bound.
 */
void
itg_reccache_store(const ItgPaceKey *account, const char *resource, const ItgRecord *rec,
				   const char *const *names, int nnames, int updated_slot)
{
	const ItgValue *updated = updated_at_of(rec, updated_slot);
	Size		limit = (Size) record_cache_mb * 1024 * 1024;
	RecCacheKey key;
	RecCacheEntry *e;
	RecCacheEntry old_entry = {0};
	bool		found;
	bool		merge;
	int			n = 0;
	MemoryContext old;

	if (record_cache_mb == 0 || updated == NULL || rec->id == NULL ||
		!make_key(account, resource, rec->id, &key))
		return;
	ensure_cache();
	e = hash_search(cache, &key, HASH_ENTER, &found);
	merge = found && strcmp(e->updated_at, updated->text) == 0;
	if (found)
	{
		old_entry = *e;
		dlist_delete(&e->lru);
	}

	old = MemoryContextSwitchTo(cache_cxt);
	e->updated_at = pstrdup(updated->text);
	e->nvalues = 0;
	e->names = palloc(sizeof(char *) * (nnames + (merge ? old_entry.nvalues : 0) + 1));
	e->values = palloc(sizeof(ItgValue) * (nnames + (merge ? old_entry.nvalues : 0) + 1));
	e->bytes = sizeof(RecCacheEntry) + updated->len + 1;
	for (int s = 0; s < nnames; s++)
		keep_value(e, n++, names[s], &rec->values[s]);
	for (int i = 0; merge && i < old_entry.nvalues; i++)
	{
		bool		have = false;

		for (int s = 0; s < nnames && !have; s++)
			have = strcmp(names[s], old_entry.names[i]) == 0;
		if (!have)
			keep_value(e, n++, old_entry.names[i], &old_entry.values[i]);
	}
	e->nvalues = n;
	MemoryContextSwitchTo(old);
	if (found)
		free_entry_values(&old_entry);
	cache_bytes += e->bytes;
	dlist_push_head(&lru, &e->lru);

	while (cache_bytes > limit && !dlist_is_empty(&lru))
		remove_entry(dlist_container(RecCacheEntry, lru, dlist_tail_node(&lru)));
}
