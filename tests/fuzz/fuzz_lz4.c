/* fuzz_lz4 — the LZ4 path of the compressor's decoder (compressor_decode in
 * compressor/codec.c over liblz4): the input is an LZ4-compressed page. A page it
 * decodes to must encode and decode back to itself with every codec. */
#include <string.h>

#include "compressor/compressor.h"
#include "tests/fuzz/support.h"

static uint8_t page[COMPRESSOR_PAGE_SIZE], again[COMPRESSOR_PAGE_SIZE];
static uint8_t out[COMPRESSOR_ENCODE_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX)
        return 0;
    struct compressor_encoding enc = { .form = COMPRESSOR_FORM_LZ4, .size = (uint32_t)size };
    if (compressor_decode(&enc, data, page) < 0)
        return 0;
    FZ_CHECK(size > 0 && size <= COMPRESSOR_KEEP_MAX);
    static const enum compressor_codec codecs[] = {
        COMPRESSOR_CODEC_WKDM, COMPRESSOR_CODEC_LZ4, COMPRESSOR_CODEC_HYBRID,
    };
    for (size_t i = 0; i < sizeof codecs / sizeof *codecs; i++) {
        struct compressor_encoding e;
        compressor_encode(codecs[i], page, out, &e);
        FZ_CHECK(e.form < COMPRESSOR_NFORMS && e.size <= COMPRESSOR_ENCODE_MAX);
        FZ_CHECK(e.form == COMPRESSOR_FORM_RAW || e.size <= COMPRESSOR_KEEP_MAX);
        memset(again, 0x5a, sizeof again);
        FZ_CHECK(compressor_decode(&e, out, again) == 0);
        FZ_CHECK(!memcmp(again, page, sizeof page));
    }
    return 0;
}
