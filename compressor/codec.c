/* compressor/codec.c — choosing a page's form: WKdm, LZ4 (liblz4), hybrid, raw. */
#include <lz4.h>
#include <string.h>

#include "compressor/compressor.h"
#include "compressor/wkdm.h"

_Static_assert(COMPRESSOR_PAGE_SIZE == WKDM_PAGE_SIZE, "one page size");

static const char *const codec_names[] = {
    [COMPRESSOR_CODEC_WKDM] = "wkdm",
    [COMPRESSOR_CODEC_LZ4] = "lz4",
    [COMPRESSOR_CODEC_HYBRID] = "hybrid",
};

static const char *const form_names[COMPRESSOR_NFORMS] = {
    [COMPRESSOR_FORM_SINGLE] = "single",
    [COMPRESSOR_FORM_WKDM] = "wkdm",
    [COMPRESSOR_FORM_SPARSE] = "sparse",
    [COMPRESSOR_FORM_LZ4] = "lz4",
    [COMPRESSOR_FORM_RAW] = "raw",
};

int compressor_codec_parse(const char *name, enum compressor_codec *codec)
{
    for (unsigned i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++)
        if (strcmp(name, codec_names[i]) == 0) {
            *codec = (enum compressor_codec)i;
            return 0;
        }
    return -1;
}

const char *compressor_codec_name(enum compressor_codec codec)
{
    return (unsigned)codec < sizeof codec_names / sizeof codec_names[0] ? codec_names[codec] : "?";
}

const char *compressor_form_name(enum compressor_form form)
{
    return (unsigned)form < COMPRESSOR_NFORMS ? form_names[form] : "?";
}

static void set_raw(const void *page, void *out, struct compressor_encoding *enc)
{
    memcpy(out, page, COMPRESSOR_PAGE_SIZE);
    enc->form = COMPRESSOR_FORM_RAW;
    enc->size = COMPRESSOR_PAGE_SIZE;
}

static void encode_lz4(const void *page, void *out, struct compressor_encoding *enc)
{
    int n = LZ4_compress_default(page, out, COMPRESSOR_PAGE_SIZE, COMPRESSOR_KEEP_MAX);
    if (n <= 0) {
        set_raw(page, out, enc);
        return;
    }
    enc->form = COMPRESSOR_FORM_LZ4;
    enc->size = (uint32_t)n;
}

/* WKdm within budget; false if it did not fit (enc untouched). */
static bool encode_wkdm(const void *page, void *out, size_t budget, struct compressor_encoding *enc)
{
    int n = wkdm_compress(page, out, budget, &enc->value);
    if (n < 0)
        return false;
    enc->size = (uint32_t)n;
    if (n == 0)
        enc->form = COMPRESSOR_FORM_SINGLE;
    else
        enc->form = wkdm_form_of(out, (size_t)n) == WKDM_FORM_SPARSE ? COMPRESSOR_FORM_SPARSE
                                                                     : COMPRESSOR_FORM_WKDM;
    return true;
}

void compressor_encode(enum compressor_codec codec, const void *page, void *out,
                       struct compressor_encoding *enc)
{
    enc->value = 0;
    switch (codec) {
    case COMPRESSOR_CODEC_WKDM:
        if (!encode_wkdm(page, out, COMPRESSOR_KEEP_MAX, enc))
            set_raw(page, out, enc);
        return;
    case COMPRESSOR_CODEC_HYBRID:
        if (!encode_wkdm(page, out, COMPRESSOR_HYBRID_LZ4_AT - 1, enc))
            encode_lz4(page, out, enc);
        return;
    case COMPRESSOR_CODEC_LZ4:
    default:
        if (wkdm_single(page, &enc->value)) {
            enc->form = COMPRESSOR_FORM_SINGLE;
            enc->size = 0;
            return;
        }
        encode_lz4(page, out, enc);
        return;
    }
}

int compressor_decode(const struct compressor_encoding *enc, const void *in, void *page)
{
    switch (enc->form) {
    case COMPRESSOR_FORM_SINGLE: {
        uint32_t value = enc->value;
        if (enc->size == 4)                        /* stored as its 4 bytes */
            memcpy(&value, in, 4);
        else if (enc->size != 0)
            return -1;
        wkdm_fill(page, value);
        return 0;
    }
    case COMPRESSOR_FORM_WKDM:
    case COMPRESSOR_FORM_SPARSE: {
        enum wkdm_form want = enc->form == COMPRESSOR_FORM_WKDM ? WKDM_FORM_DENSE : WKDM_FORM_SPARSE;
        if (wkdm_form_of(in, enc->size) != want)
            return -1;
        return wkdm_decompress(in, enc->size, page);
    }
    case COMPRESSOR_FORM_LZ4:
        if (enc->size == 0 || enc->size > COMPRESSOR_KEEP_MAX)
            return -1;
        return LZ4_decompress_safe(in, page, (int)enc->size, COMPRESSOR_PAGE_SIZE) ==
                       (int)COMPRESSOR_PAGE_SIZE ? 0 : -1;
    case COMPRESSOR_FORM_RAW:
        if (enc->size != COMPRESSOR_PAGE_SIZE)
            return -1;
        memcpy(page, in, COMPRESSOR_PAGE_SIZE);
        return 0;
    default:
        return -1;
    }
}
