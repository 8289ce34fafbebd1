/* compressor/pool.c — the pool: put, get, free, major compaction, limits, counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compressor/pool_impl.h"

void compressor_config_default(struct compressor_config *cfg, uint32_t ram_frames)
{
    uint64_t pages = 16ull * ram_frames;
    *cfg = (struct compressor_config){
        .codec = COMPRESSOR_CODEC_HYBRID,
        .segment_size = 64u << 10,
        /* Pressure reaches warning when the compressor holds more than the
         * non-compressed memory, about half of RAM: a pool capped there would be low
         * on space before any warning, so it may take three quarters. */
        .max_frames = ram_frames / 4 * 3,
        .max_pages = pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages,
    };
    if (cfg->max_frames < cfg->segment_size / FRAME_SIZE)
        cfg->max_frames = cfg->segment_size / FRAME_SIZE;
    if (cfg->max_pages == 0)
        cfg->max_pages = 1;
}

static bool config_ok(const struct compressor_config *cfg)
{
    return cfg->codec <= COMPRESSOR_CODEC_HYBRID && cfg->segment_size % FRAME_SIZE == 0 &&
           cfg->segment_size >= FRAME_SIZE && cfg->segment_size <= COMPRESSOR_MAX_SEGMENT &&
           cfg->max_frames >= cfg->segment_size / FRAME_SIZE && cfg->max_pages >= 1 &&
           !cfg->frames.alloc == !cfg->frames.free;
}

struct compressor *compressor_create(const struct compressor_config *cfg)
{
    if (!config_ok(cfg)) {
        errno = EINVAL;
        return NULL;
    }
    struct compressor *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cfg = *cfg;
    c->frames_per_seg = cfg->segment_size / FRAME_SIZE;
    c->swap_fd = -1;
    c->scratch = malloc(COMPRESSOR_ENCODE_MAX);
    c->moving = malloc(COMPRESSOR_PAGE_SIZE);
    if (!c->scratch || !c->moving || sv_init(&c->sv) < 0) {
        free(c->scratch);
        free(c->moving);
        free(c);
        errno = ENOMEM;
        return NULL;
    }
    return c;
}

void compressor_destroy(struct compressor *c)
{
    if (!c)
        return;
    for (uint32_t id = 0; id < c->nseg_ids; id++)
        if (c->seg[id])
            cseg_destroy(c, c->seg[id]);
    sv_fini(&c->sv);
    free(c->seg);
    free(c->free_ids);
    free(c->free_blocks);
    free(c->scratch);
    free(c->moving);
    free(c);
}

const struct compressor_stats *compressor_stats(const struct compressor *c) { return &c->st; }

bool compressor_low_on_space(const struct compressor *c)
{
    if (c->st.pages * 100 > (uint64_t)c->cfg.max_pages * 98)
        return true;
    return c->swap_fd < 0 && c->st.frames * 100 > (uint64_t)c->cfg.max_frames * 98;
}

/* ---- handles ----------------------------------------------------------------- */

struct href pool_resolve(const struct compressor *c, compressor_handle_t h)
{
    struct href r = { .kind = H_BAD };
    if (h & SV_BIT) {
        if (sv_lookup(&c->sv, h & ~SV_BIT, &r.value))
            r.kind = H_SINGLE;
        return r;
    }
    uint32_t id1 = h >> SLOT_BITS, i = h & (COMPRESSOR_MAX_SLOTS - 1);
    if (id1 == 0 || id1 > c->nseg_ids)
        return r;
    struct cseg *s = c->seg[id1 - 1];
    if (s && i < s->nslots && s->slots[i].owner)
        r = (struct href){ .kind = H_SLOT, .s = s, .i = i };
    return r;
}

/* A live handle, and for a slot one whose owner is `owner` (single values are
 * shared, so any place holding one may give it back). */
static bool owned_by(const struct href *r, const compressor_handle_t *owner)
{
    return r->kind == H_SINGLE || (r->kind == H_SLOT && r->s->slots[r->i].owner == owner);
}

int compressor_form_of(const struct compressor *c, compressor_handle_t handle)
{
    struct href r = pool_resolve(c, handle);
    switch (r.kind) {
    case H_SINGLE:
        return COMPRESSOR_FORM_SINGLE;
    case H_SLOT:
        return r.s->slots[r.i].form;
    default:
        return -1;
    }
}

int compressor_rebind(struct compressor *c, compressor_handle_t *owner)
{
    struct href r = pool_resolve(c, *owner);
    if (r.kind == H_SLOT)
        r.s->slots[r.i].owner = owner;
    return r.kind == H_BAD ? -EINVAL : 0;
}

/* ---- put ------------------------------------------------------------------------ */

/* Frees at least `frames` frames if it can: major compaction, then swapout.
 * Returns the number freed. */
int pool_make_room(struct compressor *c, uint32_t frames)
{
    uint32_t got = compressor_compact(c);
    if (got < frames && c->swap_fd >= 0) {
        int r = compressor_swapout(c, frames - got);
        if (r > 0)
            got += (uint32_t)r;
    }
    return (int)got;
}

static struct cseg *open_segment_for(struct compressor *c, uint32_t size, int *err)
{
    if (c->open && !cseg_fits(c, c->open, size))
        cseg_seal(c, c->open);
    if (!c->open) {
        c->open = cseg_create(c);
        if (!c->open)
            *err = c->nseg_ids >= MAX_SEG_IDS && !c->nfree_ids ? -ENOSPC : -ENOMEM;
    }
    return c->open;
}

static int store_bytes(struct compressor *c, const struct compressor_encoding *enc,
                       compressor_handle_t *owner, compressor_handle_t *h)
{
    for (bool retried = false;; retried = true) {
        int r = 0;
        struct cseg *s = open_segment_for(c, enc->size, &r);
        if (!s)
            return r;
        r = cseg_populate(c, s, s->used + slot_bytes(enc->size));
        if (r == 0) {
            uint32_t i = cseg_append(s, c->scratch, enc->size, (uint8_t)enc->form, owner);
            if (i != UINT32_MAX) {
                *h = seg_handle(s->id, i);
                return 0;
            }
            r = -ENOMEM;
        }
        if (s->live_slots == 0)
            cseg_destroy(c, s);
        else
            cseg_trim(c, s);
        if (r != -ENOSPC || retried || pool_make_room(c, 1) == 0)
            return r;
    }
}

static int store_single(struct compressor *c, uint32_t value, compressor_handle_t *h)
{
    int64_t i = sv_ref(&c->sv, value);
    if (i < 0)
        return (int)i;
    *h = SV_BIT | (uint32_t)i;
    return 0;
}

int compressor_put(struct compressor *c, const void *page, compressor_handle_t *owner)
{
    if (c->st.pages >= c->cfg.max_pages) {
        c->st.rejected++;
        return -ENOSPC;
    }
    struct compressor_encoding enc;
    compressor_encode(c->cfg.codec, page, c->scratch, &enc);
    compressor_handle_t h = COMPRESSOR_NO_HANDLE;
    int r = enc.form == COMPRESSOR_FORM_SINGLE ? store_single(c, enc.value, &h)
                                               : store_bytes(c, &enc, owner, &h);
    if (r < 0) {
        c->st.rejected += r == -ENOSPC;
        return r;
    }
    *owner = h;
    struct compressor_stats *st = &c->st;
    st->pages++;
    st->pages_by_form[enc.form]++;
    st->bytes_stored += enc.size;
    st->single_values = c->sv.live;
    st->compressions++;
    st->compressions_by_form[enc.form]++;
    st->bytes_in += COMPRESSOR_PAGE_SIZE;
    st->bytes_out += enc.size;
    st->bytes_out_by_form[enc.form] += enc.size;
    return 0;
}

/* ---- get, peek, free ---------------------------------------------------------- */

static int decode_slot(struct compressor *c, struct cseg *s, uint32_t i, void *page)
{
    if (s->state == CSEG_SWAPPED) {
        int r = swap_in(c, s);
        if (r < 0)
            return r;
    }
    const struct cslot *sl = &s->slots[i];
    const uint8_t *src = cseg_span(s, sl->off, sl->size);
    if (!src) {
        cseg_read(s, sl->off, c->scratch, sl->size);
        src = c->scratch;
    }
    struct compressor_encoding enc = { .form = sl->form, .size = sl->size };
    if (compressor_decode(&enc, src, page) < 0) {
        c->st.corrupt++;
        return -EIO;
    }
    return 0;
}

/* Decodes the page of h; with owner, h must be the page owned there. */
static int load(struct compressor *c, compressor_handle_t h, const compressor_handle_t *owner, void *page)
{
    struct href r = pool_resolve(c, h);
    enum compressor_form form = COMPRESSOR_FORM_SINGLE;
    if (r.kind == H_BAD || (owner && !owned_by(&r, owner)))
        return -EINVAL;
    if (r.kind == H_SINGLE) {
        compressor_decode(&(struct compressor_encoding){ .form = form, .value = r.value }, NULL, page);
    } else {
        form = r.s->slots[r.i].form;
        int err = decode_slot(c, r.s, r.i, page);
        if (err < 0)
            return err;
    }
    c->st.decompressions++;
    c->st.decompressions_by_form[form]++;
    return 0;
}

static void uncount(struct compressor *c, enum compressor_form form, uint32_t size)
{
    c->st.pages--;
    c->st.pages_by_form[form]--;
    c->st.bytes_stored -= size;
}

/* Frees the page of the live handle *owner. */
static void release(struct compressor *c, compressor_handle_t *owner)
{
    struct href r = pool_resolve(c, *owner);
    if (r.kind == H_SINGLE) {
        sv_unref(&c->sv, *owner & ~SV_BIT);
        c->st.single_values = c->sv.live;
        uncount(c, COMPRESSOR_FORM_SINGLE, 0);
    } else {
        struct cseg *s = r.s;
        uncount(c, s->slots[r.i].form, s->slots[r.i].size);
        if (s->state == CSEG_SWAPPED)
            c->st.pages_swapped--;
        cseg_kill_slot(c, s, r.i);
        if (s->live_slots == 0)
            cseg_destroy(c, s);
        else if (s->state != CSEG_SWAPPED && s->used - s->live_bytes >= c->cfg.segment_size / 4)
            cseg_compact(c, s);
    }
    *owner = COMPRESSOR_NO_HANDLE;
}

int compressor_peek(struct compressor *c, compressor_handle_t handle, void *page)
{
    return load(c, handle, NULL, page);
}

int compressor_get(struct compressor *c, compressor_handle_t *owner, void *page)
{
    int r = load(c, *owner, owner, page);
    if (r == 0)
        release(c, owner);
    return r;
}

int compressor_free(struct compressor *c, compressor_handle_t *owner)
{
    struct href r = pool_resolve(c, *owner);
    if (!owned_by(&r, owner))
        return -EINVAL;
    release(c, owner);
    return 0;
}

/* ---- major compaction --------------------------------------------------------- */

enum merge_result { MERGED_ALL, DST_FULL, NO_FRAMES };

/* Moves src's slots, last first (so src shrinks and gives frames back as it goes),
 * to the end of dst, rewriting their owners' handles. */
static enum merge_result merge_into(struct compressor *c, struct cseg *dst, struct cseg *src)
{
    while (src->live_slots) {
        uint32_t i = src->nslots - 1;               /* the last slot is always live */
        struct cslot sl = src->slots[i];
        if (!cseg_fits(c, dst, sl.size))
            return DST_FULL;
        if (cseg_populate(c, dst, dst->used + slot_bytes(sl.size)) < 0) {
            cseg_trim(c, dst);
            return NO_FRAMES;
        }
        cseg_read(src, sl.off, c->moving, sl.size);
        uint32_t j = cseg_append(dst, c->moving, sl.size, sl.form, sl.owner);
        if (j == UINT32_MAX) {
            cseg_trim(c, dst);
            return NO_FRAMES;
        }
        *sl.owner = seg_handle(dst->id, j);
        cseg_kill_slot(c, src, i);
        c->st.slots_moved++;
    }
    return MERGED_ALL;
}

uint32_t compressor_compact(struct compressor *c)
{
    uint64_t before = c->st.frames;
    uint64_t moved = c->st.slots_moved;
    struct cseg *dst = NULL;
    for (struct cseg *s = c->oldest, *next; s; s = next) {
        next = s->newer;
        if (s->live_bytes > c->cfg.segment_size / 2)
            continue;                               /* not sparse */
        if (!dst) {
            dst = s;
            continue;
        }
        cseg_compact(c, dst);
        enum merge_result r = merge_into(c, dst, s);
        if (s->live_slots == 0)
            cseg_destroy(c, s);
        else if (r == NO_FRAMES)
            break;
        else
            dst = s;
    }
    if (c->st.slots_moved != moved)
        c->st.major_compactions++;
    return c->st.frames < before ? (uint32_t)(before - c->st.frames) : 0;
}
