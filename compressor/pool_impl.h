/* compressor/pool_impl.h — internal to compressor/ (not part of its contract): the
 * pool's data structures and the functions its files share.
 *
 * A handle is either 0x80000000 | index in the single-value table, or
 * (segment id + 1) << 12 | slot index. Slots of a segment lie in slot order, back to
 * back at 4-byte alignment from offset 0; a dead slot (owner NULL) is a hole until
 * the segment is compacted, which renumbers the live slots 0..n-1. */
#ifndef COMPRESSOR_POOL_IMPL_H
#define COMPRESSOR_POOL_IMPL_H

#include "compressor/compressor.h"

#define FRAME_SIZE   COMPRESSOR_PAGE_SIZE
#define SLOT_ALIGN   4u
#define SV_BIT       0x80000000u
#define SLOT_BITS    12
#define MAX_SEG_IDS  ((SV_BIT >> SLOT_BITS) - 1)

static inline uint32_t slot_bytes(uint32_t size) { return (size + SLOT_ALIGN - 1) & ~(SLOT_ALIGN - 1); }

enum cseg_state { CSEG_OPEN, CSEG_SEALED, CSEG_SWAPPED };

struct cslot {
    uint32_t off;
    uint16_t size;                 /* exact bytes */
    uint8_t form;                  /* enum compressor_form */
    compressor_handle_t *owner;    /* NULL: dead */
};

struct swap_file {
    int fd;
    uint32_t hwm;                  /* blocks [0, hwm) have been handed out */
};

struct cseg {
    uint32_t id;
    enum cseg_state state;
    uint32_t used;                 /* end of the last slot */
    uint32_t live_bytes;           /* slot_bytes() of the live slots */
    uint32_t nslots, live_slots, slots_cap;
    struct cslot *slots;
    uint32_t nframes;              /* frames populated from the start */
    uint64_t swap_block;           /* CSEG_SWAPPED: file x file_blocks + block in it */
    uint64_t swap_sum;             /* and the sum of its bytes as they were written */
    struct cseg *older, *newer;    /* age queue: sealed segments in memory */
    uint64_t created_s;            /* compressor_set_time's clock at creation */
    bool swapped_in;               /* read back from swap once: no longer sampled */
    uint8_t *frames[];
};

#define SV_ENTRIES 1024u           /* XNU's C_SV_HASH_SIZE */
#define SV_PROBES  32u             /* XNU's C_SV_HASH_MAX_MISS */

struct sv_entry {
    uint32_t value;
    uint32_t refs;                 /* 0: free */
};

struct sv_table {
    struct sv_entry ent[SV_ENTRIES];
    uint32_t live;                 /* entries in use */
};

struct compressor {
    struct compressor_config cfg;
    uint32_t frames_per_seg;
    struct cseg **seg;             /* by id; NULL for a free id */
    uint32_t nseg_ids, seg_cap;
    uint32_t *free_ids, nfree_ids;
    struct cseg *open;             /* receives new pages */
    struct cseg *oldest, *newest;
    struct sv_table sv;
    struct compressor_swap_ops swap; /* create NULL: no swap */
    struct swap_file *files;
    uint32_t nfiles;
    bool create_failed;            /* the last new file could not be had */
    uint64_t *free_blocks;         /* blocks given back, below their file's hwm */
    uint32_t nfree_blocks, free_blocks_cap;
    struct compressor_stats st;
    uint64_t now_s;                /* compressor_set_time */
    struct compressor_sample sample;
    uint8_t *scratch;              /* COMPRESSOR_ENCODE_MAX: encoder output, reads */
    uint8_t *moving;               /* a slot in transit in major compaction, which a
                                    * put may run while its page is in scratch */
};

static inline compressor_handle_t seg_handle(uint32_t id, uint32_t slot)
{
    return (id + 1) << SLOT_BITS | slot;
}

/* cseg.c: segments and their bytes */
struct cseg *cseg_create(struct compressor *c);
void cseg_destroy(struct compressor *c, struct cseg *s);
int cseg_populate(struct compressor *c, struct cseg *s, uint32_t end);
void cseg_trim(struct compressor *c, struct cseg *s);
void cseg_drop_frames(struct compressor *c, struct cseg *s);
void cseg_write(struct cseg *s, uint32_t off, const void *src, uint32_t n);
void cseg_read(const struct cseg *s, uint32_t off, void *dst, uint32_t n);
const uint8_t *cseg_span(const struct cseg *s, uint32_t off, uint32_t n);
bool cseg_fits(const struct compressor *c, const struct cseg *s, uint32_t size);
/* Index of the new slot, or UINT32_MAX if no memory for the slot table. */
uint32_t cseg_append(struct cseg *s, const void *data, uint32_t size, uint8_t form,
                     compressor_handle_t *owner);
void cseg_kill_slot(struct compressor *c, struct cseg *s, uint32_t slot);
void cseg_compact(struct compressor *c, struct cseg *s);
void cseg_seal(struct compressor *c, struct cseg *s);
void age_link(struct compressor *c, struct cseg *s);
void age_unlink(struct compressor *c, struct cseg *s);

/* svtable.c: the single-value table */
int sv_init(struct sv_table *t);
void sv_fini(struct sv_table *t);
int64_t sv_ref(struct sv_table *t, uint32_t value);
bool sv_lookup(const struct sv_table *t, uint32_t index, uint32_t *value);
void sv_unref(struct sv_table *t, uint32_t index);

/* swap.c */
static inline bool swap_on(const struct compressor *c) { return c->swap.create != NULL; }
int swap_in(struct compressor *c, struct cseg *s);
/* Reads n bytes at off of a swapped-out segment from the file, leaving it there. */
int swap_read(const struct compressor *c, const struct cseg *s, uint32_t off, void *dst,
              uint32_t n);
void swap_release(struct compressor *c, struct cseg *s);

/* pool.c */
/* All segments, in memory and swapped out (XNU's c_segment_count). */
static inline uint64_t pool_segments(const struct compressor *c)
{
    return c->st.segments + c->st.segments_swapped;
}
int pool_populate(struct compressor *c, struct cseg *s, uint32_t end);
/* What a handle names: a live slot of a segment, a live single-value entry, or
 * nothing. */
struct href {
    enum { H_BAD, H_SINGLE, H_SLOT } kind;
    struct cseg *s;
    uint32_t i;                    /* H_SLOT: slot index */
    uint32_t value;                /* H_SINGLE: the value */
};
struct href pool_resolve(const struct compressor *c, compressor_handle_t h);

#endif
