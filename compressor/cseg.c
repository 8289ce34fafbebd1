/* compressor/cseg.c — segments: frames populated from the start as they fill, slots
 * back to back, holes squeezed out by sliding the live slots down (minor compaction). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compressor/pool_impl.h"

static int take_id(struct compressor *c, uint32_t *id)
{
    if (c->nfree_ids) {
        *id = c->free_ids[--c->nfree_ids];
        return 0;
    }
    if (c->nseg_ids >= MAX_SEG_IDS)
        return -ENOSPC;
    if (c->nseg_ids == c->seg_cap) {
        uint32_t cap = c->seg_cap ? 2 * c->seg_cap : 64;
        struct cseg **seg = realloc(c->seg, cap * sizeof *seg);
        uint32_t *ids = realloc(c->free_ids, cap * sizeof *ids);
        if (seg)
            c->seg = seg;
        if (ids)
            c->free_ids = ids;
        if (!seg || !ids)
            return -ENOMEM;
        c->seg_cap = cap;
    }
    *id = c->nseg_ids++;
    return 0;
}

struct cseg *cseg_create(struct compressor *c)
{
    uint32_t id;
    if (take_id(c, &id) < 0)
        return NULL;
    struct cseg *s = calloc(1, sizeof *s + c->frames_per_seg * sizeof s->frames[0]);
    if (!s) {
        c->free_ids[c->nfree_ids++] = id;
        return NULL;
    }
    s->id = id;
    s->state = CSEG_OPEN;
    s->created_s = c->now_s;
    c->seg[id] = s;
    c->st.segments++;
    return s;
}

static void free_frame(struct compressor *c, uint8_t *f)
{
    if (c->cfg.frames.alloc)
        c->cfg.frames.free(c->cfg.frames.ctx, f);
    else
        free(f);
    c->st.frames--;
}

void cseg_drop_frames(struct compressor *c, struct cseg *s)
{
    while (s->nframes)
        free_frame(c, s->frames[--s->nframes]);
}

void cseg_destroy(struct compressor *c, struct cseg *s)
{
    cseg_drop_frames(c, s);
    if (s->state == CSEG_SWAPPED) {
        swap_release(c, s);
    } else {
        if (s->state == CSEG_SEALED)
            age_unlink(c, s);
        c->st.segments--;
    }
    if (c->open == s)
        c->open = NULL;
    c->seg[s->id] = NULL;
    c->free_ids[c->nfree_ids++] = s->id;
    free(s->slots);
    free(s);
}

/* Populates frames until [0, end) is backed. 0, or -ENOMEM (no frame). */
int cseg_populate(struct compressor *c, struct cseg *s, uint32_t end)
{
    uint32_t need = (end + FRAME_SIZE - 1) / FRAME_SIZE;
    while (s->nframes < need) {
        uint8_t *f = c->cfg.frames.alloc ? c->cfg.frames.alloc(c->cfg.frames.ctx)
                                         : aligned_alloc(FRAME_SIZE, FRAME_SIZE);
        if (!f)
            return -ENOMEM;
        s->frames[s->nframes++] = f;
        c->st.frames++;
    }
    return 0;
}

/* Gives back the frames past the last slot. */
void cseg_trim(struct compressor *c, struct cseg *s)
{
    uint32_t keep = (s->used + FRAME_SIZE - 1) / FRAME_SIZE;
    while (s->nframes > keep)
        free_frame(c, s->frames[--s->nframes]);
}

/* Length of the run from off that stays in one frame, at most n. */
static inline uint32_t run_at(uint32_t off, uint32_t n)
{
    uint32_t room = FRAME_SIZE - off % FRAME_SIZE;
    return n < room ? n : room;
}

void cseg_write(struct cseg *s, uint32_t off, const void *src, uint32_t n)
{
    const uint8_t *p = src;
    for (uint32_t k; n; off += k, p += k, n -= k) {
        k = run_at(off, n);
        memcpy(s->frames[off / FRAME_SIZE] + off % FRAME_SIZE, p, k);
    }
}

void cseg_read(const struct cseg *s, uint32_t off, void *dst, uint32_t n)
{
    uint8_t *p = dst;
    for (uint32_t k; n; off += k, p += k, n -= k) {
        k = run_at(off, n);
        memcpy(p, s->frames[off / FRAME_SIZE] + off % FRAME_SIZE, k);
    }
}

/* The bytes [off, off + n) in place if they lie in one frame, else NULL. */
const uint8_t *cseg_span(const struct cseg *s, uint32_t off, uint32_t n)
{
    if (run_at(off, n) < n)
        return NULL;
    return s->frames[off / FRAME_SIZE] + off % FRAME_SIZE;
}

/* Moves n bytes from src down to dst (dst < src), possibly overlapping. */
static void move_down(struct cseg *s, uint32_t dst, uint32_t src, uint32_t n)
{
    for (uint32_t k; n; dst += k, src += k, n -= k) {
        k = run_at(dst, run_at(src, n));
        memmove(s->frames[dst / FRAME_SIZE] + dst % FRAME_SIZE,
                s->frames[src / FRAME_SIZE] + src % FRAME_SIZE, k);
    }
}

bool cseg_fits(const struct compressor *c, const struct cseg *s, uint32_t size)
{
    return s->used + slot_bytes(size) <= c->cfg.segment_size && s->nslots < COMPRESSOR_MAX_SLOTS;
}

static int grow_slots(struct cseg *s)
{
    if (s->nslots < s->slots_cap)
        return 0;
    uint32_t cap = s->slots_cap ? 2 * s->slots_cap : 16;
    if (cap > COMPRESSOR_MAX_SLOTS)
        cap = COMPRESSOR_MAX_SLOTS;
    struct cslot *slots = realloc(s->slots, cap * sizeof *slots);
    if (!slots)
        return -ENOMEM;
    s->slots = slots;
    s->slots_cap = cap;
    return 0;
}

/* Appends a slot; frames must be populated up to used + slot_bytes(size). */
uint32_t cseg_append(struct cseg *s, const void *data, uint32_t size, uint8_t form,
                     compressor_handle_t *owner)
{
    if (grow_slots(s) < 0)
        return UINT32_MAX;
    uint32_t i = s->nslots++;
    s->slots[i] = (struct cslot){ .off = s->used, .size = (uint16_t)size, .form = form, .owner = owner };
    cseg_write(s, s->used, data, size);
    s->used += slot_bytes(size);
    s->live_bytes += slot_bytes(size);
    s->live_slots++;
    return i;
}

/* Marks a slot dead; dead slots at the end are dropped at once. */
void cseg_kill_slot(struct compressor *c, struct cseg *s, uint32_t i)
{
    s->slots[i].owner = NULL;
    s->live_slots--;
    s->live_bytes -= slot_bytes(s->slots[i].size);
    while (s->nslots && !s->slots[s->nslots - 1].owner)
        s->nslots--;
    s->used = s->nslots ? s->slots[s->nslots - 1].off + slot_bytes(s->slots[s->nslots - 1].size) : 0;
    cseg_trim(c, s);
}

/* Minor compaction: slides the live slots down over the holes, renumbers them
 * 0..n-1 (rewriting their owners' handles) and gives back the freed frames. */
void cseg_compact(struct compressor *c, struct cseg *s)
{
    if (s->used == s->live_bytes && s->nslots == s->live_slots)
        return;
    uint32_t off = 0, n = 0;
    for (uint32_t i = 0; i < s->nslots; i++) {
        struct cslot sl = s->slots[i];
        if (!sl.owner)
            continue;
        if (sl.off != off)
            move_down(s, off, sl.off, sl.size);
        sl.off = off;
        off += slot_bytes(sl.size);
        s->slots[n] = sl;
        if (n != i)
            *sl.owner = seg_handle(s->id, n);
        n++;
    }
    s->nslots = n;
    s->used = off;
    cseg_trim(c, s);
    c->st.minor_compactions++;
}

void cseg_seal(struct compressor *c, struct cseg *s)
{
    s->state = CSEG_SEALED;
    age_link(c, s);
    if (c->open == s)
        c->open = NULL;
}

void age_link(struct compressor *c, struct cseg *s)
{
    s->newer = NULL;
    s->older = c->newest;
    if (c->newest)
        c->newest->newer = s;
    else
        c->oldest = s;
    c->newest = s;
}

void age_unlink(struct compressor *c, struct cseg *s)
{
    if (s->older)
        s->older->newer = s->newer;
    else
        c->oldest = s->newer;
    if (s->newer)
        s->newer->older = s->older;
    else
        c->newest = s->older;
    s->older = s->newer = NULL;
}
