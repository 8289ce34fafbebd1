/* compressor/wkdm_dec.c — the scalar steps the SSE4.1 and AVX2 decoders share
 * (wkdm_impl.h): unpacking the areas, and replaying the dictionary word by word. */
#include "compressor/wkdm_impl.h"

void wkdm_unpack_areas(const uint8_t *in, const struct dense_view *v, struct wkdm_dec_bufs *b)
{
    memcpy(b->miss, in + 4 * (size_t)FIXED_WORDS, 4 * (size_t)v->nmiss);
    memset(b->miss + v->nmiss, 0, PAD * sizeof b->miss[0]);
    for (unsigned k = 0; k < v->nmiss; k++)
        b->miss_slot[k] = (uint8_t)hash_of(b->miss[k]);
    memset(b->miss_slot + v->nmiss, 0, PAD);
    const uint8_t *p = in + 4 * (size_t)v->miss_end;
    for (unsigned k = 0; k < v->nidx; k += 8, p += 4) {
        uint32_t w = load32(p);
        uint64_t x = (uint64_t)(w & 0x0f0f0f0fu) | (uint64_t)(w >> 4 & 0x0f0f0f0fu) << 32;
        memcpy(b->idx + k, &x, 8);
    }
    memset(b->idx + v->nidx, 0, PAD);
    for (unsigned k = 0; k < v->nlow; k += 3, p += 4) {
        uint32_t w = load32(p);
        b->low[k] = w & LOW_MASK;
        b->low[k + 1] = w >> 10 & LOW_MASK;
        b->low[k + 2] = w >> 20 & LOW_MASK;
    }
    memset(b->low + v->nlow, 0, PAD * sizeof b->low[0]);
}

void wkdm_resolve_words(const uint32_t *tags, const struct wkdm_dec_bufs *restrict b,
                        uint8_t *restrict page)
{
    uint32_t d[D_SIZE] = { 0 };
    for (unsigned g = 0; g < WKDM_PAGE_WORDS; g += 16) {
        if (tags[g / 16] == 0)
            continue;
        for (unsigned i = g; i < g + 16; i++) {
            uint32_t v = d[b->load[i]] | load32(page + 4 * i);
            unsigned s = b->store[i];
            d[s] = v;
            d[s + D_CLEARED] = v & ~LOW_MASK;
            store32(page + 4 * i, v);
        }
    }
}
