/* malloc: an allocator in the manner of Darwin's libmalloc, on the Mach VM calls.
 *
 *  tiny   1..1008 bytes in 16-byte quanta, from 1 MB regions    (VM tag MALLOC_TINY)
 *  small  1009..15360 bytes in 512-byte quanta, from 8 MB regions (MALLOC_SMALL)
 *  large  above that: whole pages, one mach_vm_allocate each    (MALLOC_LARGE)
 *
 * A region is mach_vm_map'ed aligned to its size, so the region of a pointer is the
 * pointer with the low bits cleared (checked against the rack's set of regions).
 * Its first quanta hold two bitmaps, one bit per quantum: "a block starts here" and
 * "that block is in use". Blocks tile the region from `first` up to `bump`; above
 * bump the region is untouched. An in-use block's size is the distance to the next
 * start bit. A free block holds its free-list links and, from two quanta up, its
 * size at its second quantum and in its last four bytes, so that free() can merge it
 * with both neighbours (tiny and small both coalesce). Free lists are per size in
 * quanta, plus one for everything bigger than the largest allocation. Only the
 * region being carved has an untouched part: a free block that ends there folds back
 * into it; when a new region is started, the old one's rest becomes a free block. A
 * region that is wholly free again (and not the one being carved) goes back to the
 * kernel.
 *
 * Single-threaded: no locks. Errors are reported as Darwin's malloc reports them. */
#include <errno.h>
#include <malloc/malloc.h>
#include <mach/mach.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TINY_MAX       1008
#define SMALL_MAX      (15 * 1024)
#define MAX_REGIONS    1024        /* per rack: a power of two */
#define VM_COPY_MIN    (4 * 16384) /* large moves from this size use mach_vm_copy */

struct region {                    /* at the start of every tiny or small region */
    uint32_t first;                /* first quantum after this header and the bitmaps */
    uint32_t bump;                 /* quanta from here up are untouched */
    uint32_t nquanta;
    uint32_t pad;
    uint64_t bits[];               /* start bits, then in-use bits: nquanta each */
};

struct free_block {
    struct free_block *next, *prev;
    uint32_t msize;                /* only in blocks of two quanta or more */
};

struct rack {
    unsigned shift;                /* quantum = 1 << shift */
    uint32_t max_quanta;           /* of one allocation */
    uint64_t region_size;
    int tag;
    struct free_block *free[64];   /* [c - 1]: blocks of c quanta; last: bigger ones */
    uint64_t nonempty;             /* bit c - 1: free[c - 1] has blocks */
    struct region *current;        /* the region being carved */
    uintptr_t set[MAX_REGIONS];    /* open addressing: region bases, 1 = deleted */
};

static struct rack tiny = { .shift = 4, .max_quanta = TINY_MAX >> 4, .region_size = 1u << 20,
                            .tag = VM_MAKE_TAG(VM_MEMORY_MALLOC_TINY) };
static struct rack small = { .shift = 9, .max_quanta = SMALL_MAX >> 9, .region_size = 8u << 20,
                             .tag = VM_MAKE_TAG(VM_MEMORY_MALLOC_SMALL) };

/* --- errors ------------------------------------------------------------------- */

/* Darwin's place for a breakpoint on heap corruption. */
__attribute__((noinline)) void malloc_error_break(void)
{
    __asm__ volatile("");
}

__attribute__((noreturn)) static void malloc_error(const void *ptr, const char *what)
{
    fprintf(stderr, "malloc: *** error for object %p: %s\n", ptr, what);
    fprintf(stderr, "malloc: *** set a breakpoint in malloc_error_break to debug\n");
    malloc_error_break();
    abort();
}

static void vm_failure(const char *call, size_t size, kern_return_t kr)
{
    fprintf(stderr, "malloc: *** %s(size=%zu) failed (error code=%d)\n", call, size, kr);
    fprintf(stderr, "malloc: *** error: can't allocate region\n");
}

/* --- bitmaps and blocks ------------------------------------------------------- */

static uint64_t *start_bits(struct region *r) { return r->bits; }
static uint64_t *inuse_bits(struct region *r) { return r->bits + r->nquanta / 64; }
static int test_bit(const uint64_t *b, uint32_t i) { return (b[i / 64] >> (i % 64)) & 1; }
static void set_bit(uint64_t *b, uint32_t i) { b[i / 64] |= 1ull << (i % 64); }
static void clear_bit(uint64_t *b, uint32_t i) { b[i / 64] &= ~(1ull << (i % 64)); }

static void *block_at(const struct rack *k, struct region *r, uint32_t q)
{
    return (char *)r + ((uintptr_t)q << k->shift);
}

static uint32_t quantum_of(const struct rack *k, struct region *r, const void *p)
{
    return (uint32_t)(((uintptr_t)p - (uintptr_t)r) >> k->shift);
}

/* The next block start after q, or bump. */
static uint32_t next_start(struct region *r, uint32_t q)
{
    const uint64_t *b = start_bits(r);
    for (uint32_t i = q + 1; i < r->bump;) {
        uint64_t w = b[i / 64] >> (i % 64);
        if (w) {
            uint32_t at = i + (uint32_t)__builtin_ctzll(w);
            return at < r->bump ? at : r->bump;
        }
        i = (i / 64 + 1) * 64;
    }
    return r->bump;
}

static uint32_t free_msize(const struct rack *k, struct region *r, uint32_t q)
{
    if (q + 1 == r->bump || test_bit(start_bits(r), q + 1))
        return 1;
    return ((struct free_block *)block_at(k, r, q))->msize;
}

static unsigned size_class(const struct rack *k, uint32_t m)
{
    return m <= k->max_quanta ? m : k->max_quanta + 1;
}

static void list_push(struct rack *k, struct free_block *b, uint32_t m)
{
    unsigned c = size_class(k, m);
    b->prev = NULL;
    b->next = k->free[c - 1];
    if (b->next)
        b->next->prev = b;
    k->free[c - 1] = b;
    k->nonempty |= 1ull << (c - 1);
}

static void list_remove(struct rack *k, struct free_block *b, uint32_t m)
{
    unsigned c = size_class(k, m);
    if (b->prev)
        b->prev->next = b->next;
    else
        k->free[c - 1] = b->next;
    if (b->next)
        b->next->prev = b->prev;
    if (!k->free[c - 1])
        k->nonempty &= ~(1ull << (c - 1));
}

/* Makes [q, q+m) one free block on its list. */
static void make_free(struct rack *k, struct region *r, uint32_t q, uint32_t m)
{
    struct free_block *b = block_at(k, r, q);
    set_bit(start_bits(r), q);
    clear_bit(inuse_bits(r), q);
    if (m >= 2) {
        b->msize = m;
        *(uint32_t *)((char *)b + ((uintptr_t)m << k->shift) - 4) = m;
    }
    list_push(k, b, m);
}

/* --- regions ------------------------------------------------------------------ */

static size_t set_slot(const struct rack *k, uintptr_t base)
{
    return (size_t)(((base / k->region_size) * 0x9e3779b97f4a7c15ull) >> 32) & (MAX_REGIONS - 1);
}

static struct region *region_of(struct rack *k, const void *p)
{
    uintptr_t base = (uintptr_t)p & ~(uintptr_t)(k->region_size - 1);
    for (size_t i = set_slot(k, base), n = 0; n < MAX_REGIONS && k->set[i]; i = (i + 1) & (MAX_REGIONS - 1), n++)
        if (k->set[i] == base)
            return (struct region *)base;
    return NULL;
}

static int set_insert(struct rack *k, uintptr_t base)
{
    for (size_t i = set_slot(k, base), n = 0; n < MAX_REGIONS; i = (i + 1) & (MAX_REGIONS - 1), n++)
        if (k->set[i] <= 1) {
            k->set[i] = base;
            return 0;
        }
    return -1;
}

static void set_remove(struct rack *k, uintptr_t base)
{
    for (size_t i = set_slot(k, base), n = 0; n < MAX_REGIONS && k->set[i]; i = (i + 1) & (MAX_REGIONS - 1), n++)
        if (k->set[i] == base) {
            k->set[i] = 1;
            return;
        }
}

/* The rest of the old current region becomes a free block before a new one is carved. */
static void retire_current(struct rack *k)
{
    struct region *r = k->current;
    if (r && r->bump < r->nquanta) {
        uint32_t q = r->bump;
        r->bump = r->nquanta;
        make_free(k, r, q, r->nquanta - q);
    }
}

static struct region *new_region(struct rack *k)
{
    mach_vm_address_t addr = 0;
    kern_return_t kr = mach_vm_map(mach_task_self(), &addr, k->region_size, k->region_size - 1,
                                   VM_FLAGS_ANYWHERE | k->tag, MEMORY_OBJECT_NULL, 0, FALSE,
                                   VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_DEFAULT);
    if (kr != KERN_SUCCESS) {
        vm_failure("mach_vm_map", (size_t)k->region_size, kr);
        return NULL;
    }
    if (set_insert(k, (uintptr_t)addr) < 0) {
        mach_vm_deallocate(mach_task_self(), addr, k->region_size);
        return NULL;
    }
    struct region *r = (struct region *)(uintptr_t)addr;
    r->nquanta = (uint32_t)(k->region_size >> k->shift);
    size_t meta = sizeof *r + 2 * (size_t)r->nquanta / 8;
    r->first = r->bump = (uint32_t)((meta + (1u << k->shift) - 1) >> k->shift);
    retire_current(k);
    k->current = r;
    return r;
}

static void release_region(struct rack *k, struct region *r)
{
    set_remove(k, (uintptr_t)r);
    mach_vm_deallocate(mach_task_self(), (mach_vm_address_t)(uintptr_t)r, k->region_size);
}

/* --- tiny and small: allocate, free, resize ------------------------------------- */

static void *rack_alloc(struct rack *k, uint32_t m)
{
    uint64_t fits = k->nonempty & ~((1ull << (size_class(k, m) - 1)) - 1);
    if (fits) {
        struct free_block *b = k->free[__builtin_ctzll(fits)];
        struct region *r = region_of(k, b);
        uint32_t q = quantum_of(k, r, b), have = free_msize(k, r, q);
        list_remove(k, b, have);
        if (have > m)
            make_free(k, r, q + m, have - m);
        set_bit(inuse_bits(r), q);
        return b;
    }
    struct region *r = k->current;
    if ((!r || r->bump + m > r->nquanta) && !(r = new_region(k)))
        return NULL;
    uint32_t q = r->bump;
    r->bump += m;
    set_bit(start_bits(r), q);
    set_bit(inuse_bits(r), q);
    return block_at(k, r, q);
}

/* The in-use block p starts, in its region; 0 if p is not one. */
static uint32_t rack_block(struct rack *k, struct region *r, const void *p)
{
    if (((uintptr_t)p & ((1u << k->shift) - 1)) != 0)
        return 0;
    uint32_t q = quantum_of(k, r, p);
    if (q < r->first || q >= r->bump || !test_bit(start_bits(r), q) || !test_bit(inuse_bits(r), q))
        return 0;
    return q;
}

/* The free block that ends at q, if any: its start in *start and size in *m. */
static int free_block_before(const struct rack *k, struct region *r, uint32_t q, uint32_t *start,
                             uint32_t *m)
{
    if (q == r->first)
        return 0;
    if (test_bit(start_bits(r), q - 1)) {
        *start = q - 1;
        *m = 1;
    } else {
        /* The last four bytes: a free block's size, or user data to be checked. */
        uint32_t size = *(uint32_t *)((char *)block_at(k, r, q) - 4);
        if (size < 2 || size > q - r->first)
            return 0;
        *start = q - size;
        *m = size;
        if (!test_bit(start_bits(r), *start) || free_msize(k, r, *start) != size)
            return 0;
    }
    return !test_bit(inuse_bits(r), *start);
}

/* Frees [q, q+m), merging it with free neighbours and the untouched part. */
static void rack_release(struct rack *k, struct region *r, uint32_t q, uint32_t m)
{
    uint32_t next = q + m, pstart, pm;
    if (next < r->bump && !test_bit(inuse_bits(r), next)) {
        uint32_t nm = free_msize(k, r, next);
        list_remove(k, block_at(k, r, next), nm);
        clear_bit(start_bits(r), next);
        m += nm;
    }
    if (free_block_before(k, r, q, &pstart, &pm)) {
        list_remove(k, block_at(k, r, pstart), pm);
        clear_bit(start_bits(r), q);
        q = pstart;
        m += pm;
    }
    if (r != k->current && q == r->first && q + m == r->bump) {
        release_region(k, r);          /* wholly free */
        return;
    }
    if (r == k->current && q + m == r->bump) {
        clear_bit(start_bits(r), q);   /* back to the untouched part */
        clear_bit(inuse_bits(r), q);
        r->bump = q;
        return;
    }
    make_free(k, r, q, m);
}

static uint32_t quanta(const struct rack *k, size_t size)
{
    return size ? (uint32_t)((size + (1u << k->shift) - 1) >> k->shift) : 1;
}

/* Grows or shrinks the block at q from m to want quanta without moving it. */
static int rack_resize(struct rack *k, struct region *r, uint32_t q, uint32_t m, uint32_t want)
{
    if (want < m) {
        set_bit(start_bits(r), q + want);
        set_bit(inuse_bits(r), q + want);
        rack_release(k, r, q + want, m - want);
        return 1;
    }
    uint32_t next = q + m, extra = want - m;
    if (next == r->bump && r == k->current && r->bump + extra <= r->nquanta) {
        r->bump += extra;
        return 1;
    }
    if (next >= r->bump || test_bit(inuse_bits(r), next))
        return 0;
    uint32_t nm = free_msize(k, r, next);
    if (nm < extra)
        return 0;
    list_remove(k, block_at(k, r, next), nm);
    clear_bit(start_bits(r), next);
    if (nm > extra)
        make_free(k, r, q + want, nm - extra);
    return 1;
}

/* --- large ---------------------------------------------------------------------- */

struct large_entry {
    uintptr_t addr;                /* 0: empty, 1: deleted */
    size_t size;                   /* whole pages */
};

static struct large_entry *large;
static size_t large_cap, large_used;   /* used counts deleted slots too */

static size_t large_slot(uintptr_t addr, size_t cap)
{
    return (size_t)(((addr >> 14) * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static struct large_entry *large_find(const void *p)
{
    for (size_t i = large_cap ? large_slot((uintptr_t)p, large_cap) : 0, n = 0;
         n < large_cap && large[i].addr; i = (i + 1) & (large_cap - 1), n++)
        if (large[i].addr == (uintptr_t)p)
            return &large[i];
    return NULL;
}

static void large_put(struct large_entry *table, size_t cap, uintptr_t addr, size_t size)
{
    size_t i = large_slot(addr, cap);
    while (table[i].addr > 1)
        i = (i + 1) & (cap - 1);
    table[i] = (struct large_entry){ addr, size };
}

/* Keeps the table at most half full, deleted slots included. */
static int large_reserve(void)
{
    if ((large_used + 1) * 2 <= large_cap)
        return 0;
    size_t live = 0;
    for (size_t i = 0; i < large_cap; i++)
        live += large[i].addr > 1;
    /* Mostly deleted slots: the same size again, rehashed; else twice the size. */
    size_t cap = !large_cap ? 1024 : (live + 1) * 4 <= large_cap ? large_cap : large_cap * 2;
    size_t bytes = cap * sizeof *large;
    mach_vm_address_t a = 0;
    kern_return_t kr = mach_vm_allocate(mach_task_self(), &a, bytes,
                                        VM_FLAGS_ANYWHERE | VM_MAKE_TAG(VM_MEMORY_MALLOC));
    if (kr != KERN_SUCCESS) {
        vm_failure("mach_vm_allocate", bytes, kr);
        return -1;
    }
    struct large_entry *table = (struct large_entry *)(uintptr_t)a;
    for (size_t i = 0; i < large_cap; i++)
        if (large[i].addr > 1)
            large_put(table, cap, large[i].addr, large[i].size);
    if (large)
        mach_vm_deallocate(mach_task_self(), (mach_vm_address_t)(uintptr_t)large,
                           large_cap * sizeof *large);
    large = table;
    large_cap = cap;
    large_used = live;
    return 0;
}

static void *large_alloc(size_t size)
{
    size_t bytes = round_page(size);
    mach_vm_address_t a = 0;
    if (bytes < size || large_reserve() < 0)
        return NULL;
    kern_return_t kr = mach_vm_allocate(mach_task_self(), &a, bytes,
                                        VM_FLAGS_ANYWHERE | VM_MAKE_TAG(VM_MEMORY_MALLOC_LARGE));
    if (kr != KERN_SUCCESS) {
        vm_failure("mach_vm_allocate", bytes, kr);
        return NULL;
    }
    large_put(large, large_cap, (uintptr_t)a, bytes);
    large_used++;
    return (void *)(uintptr_t)a;
}

static void large_free(struct large_entry *e)
{
    mach_vm_deallocate(mach_task_self(), e->addr, e->size);
    e->addr = 1;
}

/* Shrinks by giving back whole pages; grows by allocating the pages right after. */
static int large_resize(struct large_entry *e, size_t size)
{
    size_t bytes = round_page(size);
    if (bytes < size)
        return 0;
    if (bytes <= e->size) {
        if (bytes < e->size)
            mach_vm_deallocate(mach_task_self(), e->addr + bytes, e->size - bytes);
        e->size = bytes;
        return 1;
    }
    mach_vm_address_t at = e->addr + e->size;
    if (mach_vm_allocate(mach_task_self(), &at, bytes - e->size,
                         VM_FLAGS_FIXED | VM_MAKE_TAG(VM_MEMORY_MALLOC_LARGE)) != KERN_SUCCESS)
        return 0;
    e->size = bytes;
    return 1;
}

/* --- who owns a pointer ----------------------------------------------------------- */

struct owner {
    struct rack *rack;             /* NULL: large */
    struct region *region;
    uint32_t q, m;                 /* the block and its size in quanta */
    struct large_entry *entry;
};

static int find_owner(const void *p, struct owner *o)
{
    struct rack *racks[] = { &tiny, &small };
    for (int i = 0; i < 2; i++) {
        struct region *r = region_of(racks[i], p);
        if (!r)
            continue;
        uint32_t q = rack_block(racks[i], r, p);
        if (!q)
            return 0;
        *o = (struct owner){ racks[i], r, q, next_start(r, q) - q, NULL };
        return 1;
    }
    struct large_entry *e = large_find(p);
    if (!e)
        return 0;
    *o = (struct owner){ NULL, NULL, 0, 0, e };
    return 1;
}

static size_t owner_size(const struct owner *o)
{
    return o->rack ? (size_t)o->m << o->rack->shift : o->entry->size;
}

/* --- the interface ------------------------------------------------------------------ */

void *malloc(size_t size)
{
    void *p;
    if (size <= TINY_MAX)
        p = rack_alloc(&tiny, quanta(&tiny, size));
    else if (size <= SMALL_MAX)
        p = rack_alloc(&small, quanta(&small, size));
    else
        p = large_alloc(size);
    if (!p)
        errno = ENOMEM;
    return p;
}

void *calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = malloc(total);
    if (p && total <= SMALL_MAX)       /* large blocks are fresh zero-filled pages */
        memset(p, 0, total);
    return p;
}

void free(void *p)
{
    struct owner o;
    if (!p)
        return;
    if (!find_owner(p, &o))
        malloc_error(p, "pointer being freed was not allocated");
    if (o.rack)
        rack_release(o.rack, o.region, o.q, o.m);
    else
        large_free(o.entry);
}

static struct rack *rack_for(size_t size)
{
    return size <= TINY_MAX ? &tiny : size <= SMALL_MAX ? &small : NULL;
}

static void move_bytes(void *dst, const void *src, size_t n)
{
    size_t pages = n >= VM_COPY_MIN ? trunc_page(n) : 0;
    if (pages && mach_vm_copy(mach_task_self(), (mach_vm_address_t)(uintptr_t)src, pages,
                              (mach_vm_address_t)(uintptr_t)dst) != KERN_SUCCESS)
        pages = 0;
    memcpy((char *)dst + pages, (const char *)src + pages, n - pages);
}

void *realloc(void *p, size_t size)
{
    struct owner o;
    if (!p)
        return malloc(size);
    if (!find_owner(p, &o))
        malloc_error(p, "pointer being realloc'd was not allocated");
    struct rack *k = rack_for(size);
    if (k && k == o.rack && rack_resize(k, o.region, o.q, o.m, quanta(k, size)))
        return p;
    if (!k && !o.rack && large_resize(o.entry, size))
        return p;
    size_t old = owner_size(&o);   /* before malloc, which may move the large table */
    void *n = malloc(size);
    if (!n)
        return NULL;
    move_bytes(n, p, old < size ? old : size);
    free(p);
    return n;
}

size_t malloc_size(const void *p)
{
    struct owner o;
    return p && find_owner(p, &o) ? owner_size(&o) : 0;
}

size_t malloc_good_size(size_t size)
{
    struct rack *k = rack_for(size);
    return k ? (size_t)quanta(k, size) << k->shift : round_page(size);
}
