/*-------------------------------------------------------------------------
 *
 * recshape.h
 *		The shape of the records a page is read for: which value slot each
 *		attribute name fills, a name asked for twice, remembered attribute
 *		positions, and the paging numbers of "meta".  Both readers of a page
 *		(the fast scanner, jsonscan.c, and json-c, jsonapi.c) use it, so
 *		they cannot disagree on which slot a member fills.
 *
 * Plain C without the backend, like the readers (the unit tests and the
 * fuzz target build them standalone).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ITGLUE_RECSHAPE_H
#define ITGLUE_RECSHAPE_H

#include "jsonapi.h"

/* Members of one record whose slot is remembered, by position. */
#define ITG_SHAPE_HINTS		128
/* Longest member name a hint remembers (longer ones are looked up). */
#define ITG_SHAPE_KEY_MAX	48

typedef struct ItgShapeHint
{
	int			slot;			/* -1: not a wanted attribute */
	size_t		key_len;		/* SIZE_MAX: nothing remembered */
	char		key[ITG_SHAPE_KEY_MAX];
} ItgShapeHint;

typedef struct ItgRecordShape
{
	const char *const *names;	/* requested attribute names, by slot */
	int			nattrs;
	size_t	   *name_len;		/* by slot; the one allocation of the shape */
	int		   *dup_next;		/* next slot asking for the same name, or -1 */
	ItgShapeHint hints[ITG_SHAPE_HINTS];
} ItgRecordShape;

/*
 * itg_shape_init
 *		The shape of records read for these names (which must outlive it).
 *		One block is allocated through alloc, at shape->name_len; false when
 *		that fails.
 */
extern bool itg_shape_init(ItgRecordShape *shape, const char *const *names, int nattrs,
						   ItgAllocFn alloc, void *alloc_ctx);

/* Forget the remembered positions (a new body). */
extern void itg_shape_forget_positions(ItgRecordShape *shape);

/*
 * itg_shape_slot
 *		The slot the member named key[0..key_len), at this position among
 *		its record's attributes, fills; -1 when no slot wants it.  Records of
 *		one page list their attributes in the same order, so the slot found
 *		at a position last time is tried first.  ITG_ATTR_ALL is not an
 *		attribute name, even if a key spells it.
 */
extern int	itg_shape_slot(ItgRecordShape *shape, const char *key, size_t key_len,
						   int position);

/* Next slot that asked for the same name as slot, or -1: each gets the value. */
static inline int
itg_shape_same_name(const ItgRecordShape *shape, int slot)
{
	return shape->dup_next[slot];
}

/* The paging numbers of "meta", in the order of itg_meta_keys. */
typedef enum ItgMetaKey
{
	ITG_META_CURRENT_PAGE,
	ITG_META_NEXT_PAGE,
	ITG_META_TOTAL_PAGES,
	ITG_META_TOTAL_COUNT,
	ITG_META_NKEYS
} ItgMetaKey;

extern const char *const itg_meta_keys[ITG_META_NKEYS];

/* Set a page's paging numbers (-1: unknown) and whether it has any. */
extern void itg_page_set_meta(ItgPage *page, const int64_t meta[ITG_META_NKEYS]);

#endif							/* ITGLUE_RECSHAPE_H */
