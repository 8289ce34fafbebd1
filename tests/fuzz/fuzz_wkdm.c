/* fuzz_wkdm — the WKdm decoder (compressor/wkdm.c, wkdm_x86.c, wkdm_avx2.c,
 * wkdm_avx512.c, and compressor_decode in codec.c): the input is a compressed page,
 * dense or sparse. Every set of loops this CPU runs (portable C, SSE4.1, AVX2,
 * AVX-512) must accept or refuse it alike and build the same page; a page it builds
 * must compress to the same result with every set of loops (the same bytes, or the
 * same early abort) and decompress back to itself. */
#include <string.h>

#include "compressor/compressor.h"
#include "compressor/wkdm.h"
#include "tests/fuzz/support.h"

#define NLOOPS WKDM_NLOOPS

static uint8_t page[NLOOPS][WKDM_PAGE_SIZE], again[WKDM_PAGE_SIZE];
static uint8_t out[NLOOPS][WKDM_MAX_OUT];

/* Compresses page[0] with every set of loops (same bytes) and decodes the result. */
static void round_trip(void)
{
    int n[NLOOPS];
    uint32_t single[NLOOPS];
    for (int l = 0; l < NLOOPS; l++) {
        if (!wkdm_loops_usable((enum wkdm_loops)l))
            continue;              /* this CPU does not run them */
        wkdm_set_loops((enum wkdm_loops)l);
        n[l] = wkdm_compress(page[0], out[l], sizeof out[l], &single[l]);
        FZ_CHECK(n[l] >= -1);
        FZ_CHECK(n[l] == n[0] && (n[0] <= 0 || !memcmp(out[l], out[0], (size_t)n[0])));
        FZ_CHECK(n[l] != 0 || single[l] == single[0]);
    }
    wkdm_set_loops(WKDM_NLOOPS);
    if (n[0] < 0)
        return;                    /* the early abort */
    if (n[0] == 0) {
        wkdm_fill(again, single[0]);
    } else {
        FZ_CHECK(wkdm_decompress(out[0], (size_t)n[0], again) == 0);
        /* A budget one byte short is refused. */
        FZ_CHECK(wkdm_compress(page[0], out[1], (size_t)n[0] - 1, &single[1]) == -1);
    }
    FZ_CHECK(!memcmp(again, page[0], sizeof again));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int rc[NLOOPS];
    for (int l = 0; l < NLOOPS; l++) {
        if (!wkdm_loops_usable((enum wkdm_loops)l))
            continue;              /* this CPU does not run them */
        wkdm_set_loops((enum wkdm_loops)l);
        memset(page[l], 0xa5, sizeof page[l]);
        rc[l] = wkdm_decompress(data, size, page[l]);
        FZ_CHECK(rc[l] == 0 || rc[l] == -1);
        FZ_CHECK(rc[l] == rc[0]);
        FZ_CHECK(rc[l] != 0 || !memcmp(page[l], page[0], sizeof page[l]));
    }
    wkdm_set_loops(WKDM_NLOOPS);
    enum wkdm_form form = wkdm_form_of(data, size);
    struct compressor_encoding enc = {
        .form = form == WKDM_FORM_SPARSE ? COMPRESSOR_FORM_SPARSE : COMPRESSOR_FORM_WKDM,
        .size = (uint32_t)size,
    };
    FZ_CHECK(size > UINT32_MAX || compressor_decode(&enc, data, again) == rc[0]);
    if (rc[0] == 0)
        round_trip();
    return 0;
}
