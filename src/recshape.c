/*-------------------------------------------------------------------------
 *
 * recshape.c
 *		The shape of the records a page is read for (see recshape.h).
 *
 *-------------------------------------------------------------------------
 */
#include "recshape.h"

#include <stdint.h>
#include <string.h>

const char *const itg_meta_keys[ITG_META_NKEYS] = {
	[ITG_META_CURRENT_PAGE] = "current-page",
	[ITG_META_NEXT_PAGE] = "next-page",
	[ITG_META_TOTAL_PAGES] = "total-pages",
	[ITG_META_TOTAL_COUNT] = "total-count",
};

bool
itg_shape_init(ItgRecordShape *shape, const char *const *names, int nattrs,
			   ItgAllocFn alloc, void *alloc_ctx)
{
	int			n = nattrs > 0 ? nattrs : 1;
	char	   *block = alloc(alloc_ctx, n * (sizeof(size_t) + sizeof(int)));

	shape->names = names;
	shape->nattrs = nattrs;
	shape->name_len = (size_t *) block;
	if (block == NULL)
		return false;
	shape->dup_next = (int *) (block + n * sizeof(size_t));
	for (int i = 0; i < nattrs; i++)
	{
		/* ITG_ATTR_ALL is not a member name: no member matches it. */
		bool		matchable = names[i] != NULL && strcmp(names[i], ITG_ATTR_ALL) != 0;

		shape->name_len[i] = matchable ? strlen(names[i]) : SIZE_MAX;
		shape->dup_next[i] = -1;
		for (int j = i + 1; j < nattrs && names[i] != NULL; j++)
			if (names[j] != NULL && strcmp(names[i], names[j]) == 0)
			{
				shape->dup_next[i] = j;
				break;
			}
	}
	itg_shape_forget_positions(shape);
	return true;
}

void
itg_shape_forget_positions(ItgRecordShape *shape)
{
	for (int k = 0; k < ITG_SHAPE_HINTS; k++)
		shape->hints[k].key_len = SIZE_MAX;
}

int
itg_shape_slot(ItgRecordShape *shape, const char *key, size_t key_len, int position)
{
	ItgShapeHint *hint = position < ITG_SHAPE_HINTS ? &shape->hints[position] : NULL;
	int			slot = -1;

	if (hint != NULL && hint->key_len == key_len && memcmp(hint->key, key, key_len) == 0)
		return hint->slot;
	for (int i = 0; i < shape->nattrs; i++)
		if (shape->name_len[i] == key_len && memcmp(shape->names[i], key, key_len) == 0)
		{
			slot = i;
			break;
		}
	if (hint != NULL && key_len <= ITG_SHAPE_KEY_MAX)
	{
		hint->slot = slot;
		hint->key_len = key_len;
		memcpy(hint->key, key, key_len);
	}
	return slot;
}

void
itg_page_set_meta(ItgPage *page, const int64_t meta[ITG_META_NKEYS])
{
	page->current_page = meta[ITG_META_CURRENT_PAGE];
	page->next_page = meta[ITG_META_NEXT_PAGE];
	page->total_pages = meta[ITG_META_TOTAL_PAGES];
	page->total_count = meta[ITG_META_TOTAL_COUNT];
	page->has_meta = (page->current_page >= 0 || page->total_pages >= 0 ||
					  page->total_count >= 0);
}
