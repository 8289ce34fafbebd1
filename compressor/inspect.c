/* compressor/inspect.c — looking into the pool without changing it: where a page
 * is, its contents, what a lent frame holds (for debuggers and viewers). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compressor/pool_impl.h"

/* The slot's bytes: in place when they lie in one frame, else copied into buf. */
static int slot_bytes_of(const struct compressor *c, const struct cseg *s, const struct cslot *sl,
                         uint8_t *buf, const uint8_t **src)
{
    if (s->state == CSEG_SWAPPED) {
        *src = buf;
        return swap_read(c, s, sl->off, buf, sl->size);
    }
    *src = cseg_span(s, sl->off, sl->size);
    if (!*src) {
        cseg_read(s, sl->off, buf, sl->size);
        *src = buf;
    }
    return 0;
}

int compressor_locate(const struct compressor *c, compressor_handle_t h,
                      struct compressor_where *w)
{
    struct href r = pool_resolve(c, h);
    switch (r.kind) {
    case H_SINGLE:
        *w = (struct compressor_where){ .form = COMPRESSOR_FORM_SINGLE, .value = r.value };
        return 0;
    case H_SLOT: {
        const struct cslot *sl = &r.s->slots[r.i];
        *w = (struct compressor_where){ .form = (enum compressor_form)sl->form,
                                        .segment = r.s->id, .slot = r.i, .size = sl->size,
                                        .swapped = r.s->state == CSEG_SWAPPED };
        if (sl->form == COMPRESSOR_FORM_SINGLE) {   /* its value as 4 bytes in the segment */
            uint8_t buf[4];
            const uint8_t *src;
            if (slot_bytes_of(c, r.s, sl, buf, &src) == 0)
                memcpy(&w->value, src, 4);
        }
        return 0;
    }
    default:
        return -EINVAL;
    }
}

int compressor_inspect(const struct compressor *c, compressor_handle_t h, void *page)
{
    struct href r = pool_resolve(c, h);
    if (r.kind == H_BAD)
        return -EINVAL;
    if (r.kind == H_SINGLE) {
        struct compressor_encoding enc = { .form = COMPRESSOR_FORM_SINGLE, .value = r.value };
        return compressor_decode(&enc, NULL, page) < 0 ? -EIO : 0;
    }
    const struct cslot *sl = &r.s->slots[r.i];
    uint8_t *buf = malloc(COMPRESSOR_ENCODE_MAX);
    const uint8_t *src;
    if (!buf)
        return -ENOMEM;
    int err = slot_bytes_of(c, r.s, sl, buf, &src);
    struct compressor_encoding enc = { .form = (enum compressor_form)sl->form, .size = sl->size };
    if (err == 0 && compressor_decode(&enc, src, page) < 0)
        err = -EIO;
    free(buf);
    return err;
}

int compressor_frame_info(const struct compressor *c, const void *frame,
                          struct compressor_frame_info *out)
{
    for (uint32_t id = 0; id < c->nseg_ids; id++) {
        const struct cseg *s = c->seg[id];
        for (uint32_t f = 0; s && f < s->nframes; f++)
            if (s->frames[f] == frame) {
                *out = (struct compressor_frame_info){
                    .segment = s->id, .index = f, .nframes = s->nframes,
                    .live_slots = s->live_slots, .used = s->used, .live_bytes = s->live_bytes };
                return 0;
            }
    }
    return -ENOENT;
}
