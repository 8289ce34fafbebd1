/* vm/vm_phantom_cache.c — ghosts of evicted file pages (see vm_phantom_cache.h). */
#include <errno.h>
#include <stdlib.h>

#include "vm/vm_object.h"
#include "vm/vm_phantom_cache.h"

#define PAGES_PER_GHOST 4u

struct vm_ghost {
    uint32_t object;               /* vm_object id; 0: unused */
    uint32_t next;                 /* hash chain, 0 ends it */
    uint64_t block;                /* offset / (4 pages) */
    uint8_t held;                  /* one bit per page of the block */
};

int vm_phantom_cache_init(struct vm_phantom_cache *pc, uint32_t ram_pages)
{
    uint32_t want = ram_pages / 10 / PAGES_PER_GHOST, size = 2;
    while (size < want)
        size <<= 1;
    *pc = (struct vm_phantom_cache){ .size = size, .next = 1 };
    pc->ring = calloc(size, sizeof *pc->ring);
    pc->hash = calloc(size, sizeof *pc->hash);
    if (!pc->ring || !pc->hash) {
        vm_phantom_cache_fini(pc);
        return -ENOMEM;
    }
    return 0;
}

void vm_phantom_cache_fini(struct vm_phantom_cache *pc)
{
    free(pc->ring);
    free(pc->hash);
    pc->ring = NULL;
    pc->hash = NULL;
    pc->size = 0;
}

static uint32_t bucket(const struct vm_phantom_cache *pc, uint32_t object, uint64_t block)
{
    uint64_t h = (object * 0x9e3779b97f4a7c15ull) ^ (block * 0xbf58476d1ce4e5b9ull);
    return (uint32_t)(h >> 32) & (pc->size - 1);
}

static struct vm_ghost *lookup(struct vm_phantom_cache *pc, uint32_t object, uint64_t block)
{
    for (uint32_t i = pc->hash[bucket(pc, object, block)]; i; i = pc->ring[i].next)
        if (pc->ring[i].object == object && pc->ring[i].block == block)
            return &pc->ring[i];
    return NULL;
}

static void unhash(struct vm_phantom_cache *pc, uint32_t index)
{
    struct vm_ghost *g = &pc->ring[index];
    uint32_t *link = &pc->hash[bucket(pc, g->object, g->block)];
    while (*link != index)
        link = &pc->ring[*link].next;
    *link = g->next;
}

/* The ring's next entry, its old ghost forgotten. */
static uint32_t take_entry(struct vm_phantom_cache *pc)
{
    uint32_t index = pc->next++;
    if (pc->next == pc->size)
        pc->next = 1;
    if (pc->ring[index].object)
        unhash(pc, index);
    return index;
}

static bool ghostly(const struct vm_page *pg)
{
    return pg->object && !vm_object_internal(pg->object);
}

void vm_phantom_cache_add_ghost(struct vm_phantom_cache *pc, const struct vm_page *pg)
{
    if (!pc->size || !ghostly(pg))
        return;
    uint64_t page = pg->offset >> PAGE_SHIFT;
    uint64_t block = page / PAGES_PER_GHOST;
    uint8_t bit = (uint8_t)(1u << (page % PAGES_PER_GHOST));
    uint32_t object = pg->object->id;
    struct vm_ghost *g = lookup(pc, object, block);
    if (!g) {
        uint32_t index = take_entry(pc);
        g = &pc->ring[index];
        *g = (struct vm_ghost){ .object = object, .block = block };
        uint32_t b = bucket(pc, object, block);
        g->next = pc->hash[b];
        pc->hash[b] = index;
    }
    g->held |= bit;
    pc->added++;
}

void vm_phantom_cache_update(struct vm_phantom_cache *pc, const struct vm_page *pg)
{
    if (!pc->size || !ghostly(pg))
        return;
    uint64_t page = pg->offset >> PAGE_SHIFT;
    uint8_t bit = (uint8_t)(1u << (page % PAGES_PER_GHOST));
    struct vm_ghost *g = lookup(pc, pg->object->id, page / PAGES_PER_GHOST);
    if (g && (g->held & bit)) {
        g->held &= (uint8_t)~bit;
        pc->found++;
    }
}
