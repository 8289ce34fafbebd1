/* compressor/pool.c — the pool: put, get, free, major compaction, limits, counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compressor/pool_impl.h"

#define GB (1ull << 30)

/* vm_compressor_set_size: the pool, its segment limit and its stored-page limit. */
void compressor_config_default(struct compressor_config *cfg, uint64_t ram_frames,
                               enum compressor_platform platform)
{
    uint64_t ram = ram_frames * FRAME_SIZE, pool = ram, multiplier;
    uint32_t seg = platform == COMPRESSOR_MACOS ? 64u << 10 : 256u << 10;
    if (platform == COMPRESSOR_MACOS) {
        pool = ram * (ram <= 4 * GB ? 16 : ram <= 8 * GB ? 8 : ram <= 32 * GB ? 4 : 2);
        if (pool > 192 * GB)
            pool = 192 * GB;
        multiplier = ram <= 8 * GB ? 1 : ram <= 32 * GB ? 2 : 4;
    } else {
        multiplier = ram <= 2 * GB ? 2 : 1;
    }
    /* Each segment's buffer is allocated with one page more than it holds. */
    uint64_t segments = pool / (seg + FRAME_SIZE);
    if (segments > MAX_SEG_IDS)
        segments = MAX_SEG_IDS;           /* what a handle can name */
    if (segments == 0)
        segments = 1;
    uint64_t pages = segments * (seg / FRAME_SIZE) * multiplier;
    if (pages < ram_frames)
        pages = ram_frames;
    *cfg = (struct compressor_config){
        .codec = COMPRESSOR_CODEC_HYBRID,
        .segment_size = seg,
        .max_segments = (uint32_t)segments,
        .max_pages = pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages,
    };
}

static bool config_ok(const struct compressor_config *cfg)
{
    return cfg->codec <= COMPRESSOR_CODEC_HYBRID && cfg->segment_size % FRAME_SIZE == 0 &&
           cfg->segment_size >= FRAME_SIZE && cfg->segment_size <= COMPRESSOR_MAX_SEGMENT &&
           cfg->max_segments >= 1 && cfg->max_segments <= MAX_SEG_IDS && cfg->max_pages >= 1 &&
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
    free(c->files);
    free(c->scratch);
    free(c->moving);
    free(c);
}

const struct compressor_stats *compressor_stats(const struct compressor *c) { return &c->st; }

const struct compressor_config *compressor_config_of(const struct compressor *c) { return &c->cfg; }

/* The *_nearing_limit values of vm_compressor_set_size. */
static uint64_t nearing(uint32_t limit) { return (uint64_t)limit * 98 / 100; }

bool compressor_low_on_space(const struct compressor *c)
{
    return c->st.pages > nearing(c->cfg.max_pages) ||
           pool_segments(c) > nearing(c->cfg.max_segments);
}

bool compressor_out_of_space(const struct compressor *c)
{
    return c->st.pages >= c->cfg.max_pages || pool_segments(c) >= c->cfg.max_segments;
}

bool compressor_needs_major_compact(const struct compressor *c)
{
    uint64_t incore = c->st.segments, per_seg = c->frames_per_seg;
    return pool_segments(c) >= nearing(c->cfg.max_segments) / 8 &&
           incore * per_seg - c->st.frames > incore / 8 * per_seg;
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

/* Populates s up to end; without a frame, swaps out segments to free some first
 * (macOS mode: the swapper catching up with the compressor). */
int pool_populate(struct compressor *c, struct cseg *s, uint32_t end)
{
    int r = cseg_populate(c, s, end);
    if (r == -ENOMEM && swap_on(c) && compressor_swapout(c, c->frames_per_seg) > 0)
        r = cseg_populate(c, s, end);
    return r;
}

static struct cseg *open_segment_for(struct compressor *c, uint32_t size, int *err)
{
    if (c->open && !cseg_fits(c, c->open, size))
        cseg_seal(c, c->open);
    if (!c->open) {
        if (pool_segments(c) >= c->cfg.max_segments) {
            *err = -ENOSPC;
            return NULL;
        }
        c->open = cseg_create(c);
        if (!c->open)
            *err = c->nseg_ids >= MAX_SEG_IDS && !c->nfree_ids ? -ENOSPC : -ENOMEM;
    }
    return c->open;
}

static int store_bytes(struct compressor *c, const struct compressor_encoding *enc,
                       compressor_handle_t *owner, compressor_handle_t *h)
{
    int r = 0;
    struct cseg *s = open_segment_for(c, enc->size, &r);
    if (!s)
        return r;
    r = pool_populate(c, s, s->used + slot_bytes(enc->size));
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
    return r;
}

/* An entry of the single-value table, or, when it has no room for the value, the value
 * as 4 bytes in a segment (c_compress_page). */
static int store_single(struct compressor *c, struct compressor_encoding *enc,
                        compressor_handle_t *owner, compressor_handle_t *h)
{
    int64_t i = sv_ref(&c->sv, enc->value);
    if (i >= 0) {
        *h = SV_BIT | (uint32_t)i;
        return 0;
    }
    enc->size = 4;
    memcpy(c->scratch, &enc->value, 4);
    return store_bytes(c, enc, owner, h);
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
    int r = enc.form == COMPRESSOR_FORM_SINGLE ? store_single(c, &enc, owner, &h)
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
    c->sample.compressions++;
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

static void sample_decompression(struct compressor *c, compressor_handle_t h)
{
    struct href r = pool_resolve(c, h);
    if (r.kind != H_SLOT || r.s->swapped_in)
        return;
    uint64_t age = c->now_s > r.s->created_s ? c->now_s - r.s->created_s : 0;
    if (age < COMPRESSOR_SAMPLE_MAX_AGE)
        c->sample.by_age[age]++;
    else
        c->sample.overage++;
    c->sample.decompressions++;
}

int compressor_get(struct compressor *c, compressor_handle_t *owner, void *page)
{
    int r = load(c, *owner, owner, page);
    if (r == 0) {
        sample_decompression(c, *owner);
        release(c, owner);
    }
    return r;
}

void compressor_set_time(struct compressor *c, uint64_t now_s)
{
    c->now_s = now_s;
}

const struct compressor_sample *compressor_sample(const struct compressor *c)
{
    return &c->sample;
}

void compressor_sample_reset(struct compressor *c)
{
    memset(&c->sample, 0, sizeof c->sample);
}

bool compressor_oldest_segment(const struct compressor *c, uint64_t *created_s)
{
    if (!c->oldest)
        return false;
    *created_s = c->oldest->created_s;
    return true;
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

/* c_seg_major_compact_ok: not when both are 90% full (C_MAJOR_COMPACTION_SIZE_APPROPRIATE),
 * nor when dst is full (within 512 bytes of its end, c_seg_off_limit, or out of slots). */
static bool major_ok(const struct compressor *c, const struct cseg *dst, const struct cseg *src)
{
    uint32_t full = c->cfg.segment_size / 100 * 90;
    if (src->live_bytes >= full && dst->live_bytes >= full)
        return false;
    return dst->used + 512 < c->cfg.segment_size && dst->nslots < COMPRESSOR_MAX_SLOTS;
}

uint32_t compressor_compact(struct compressor *c)
{
    uint64_t before = c->st.frames;
    uint64_t moved = c->st.slots_moved;
    struct cseg *dst = c->oldest;
    for (struct cseg *s = dst ? dst->newer : NULL, *next; s; s = next) {
        next = s->newer;
        if (!major_ok(c, dst, s)) {
            dst = s;
            continue;
        }
        cseg_compact(c, dst);
        enum merge_result r = merge_into(c, dst, s);
        if (s->live_slots == 0) {
            cseg_destroy(c, s);
        } else if (r == NO_FRAMES) {
            break;
        } else {
            cseg_compact(c, s);
            dst = s;
        }
    }
    if (c->st.slots_moved != moved)
        c->st.major_compactions++;
    return c->st.frames < before ? (uint32_t)(before - c->st.frames) : 0;
}
