/* compressor/wkdm.h — WKdm (Wilson-Kaplan, direct-mapped dictionary) for 16 KB pages,
 * in the layout of XNU's arm64 16 KB codec: its decoder reads our output and ours
 * reads its output.
 *
 * A page is 4096 32-bit words. Each non-zero word is compared with one of 16
 * dictionary entries, chosen by a fixed 256-entry table (wkdm_hash_slot) indexed by
 * bits 17:10 of the word, and gets a 2-bit tag:
 *   ZERO 0     the word is 0 (the dictionary is not touched);
 *   PARTIAL 1  bits 31:10 equal the entry's: emit the 4-bit index and the 10 low
 *              bits, and the word replaces the entry;
 *   MISS 2     emit the whole word; it replaces the entry;
 *   EXACT 3    the word equals the entry: emit the 4-bit index.
 * Every entry starts as 0. Words are host-endian (little-endian on every host this
 * builds for, as on arm64).
 *
 * Dense form, 32-bit words, in order:
 *   header  3 words: end of the miss area, end of the index area, end of the low-bits
 *           area (offsets in words from the start; the last one is the length of the
 *           whole output). No magic: the first word is at most 4355.
 *   tags    256 words of 16 tags; in each, tag i of its 16 at bit 8(i%4) + 2(i/4)
 *   misses  one word per MISS, in page order
 *   indices 8 per word, the n-th of its 8 at bit 8(n%4) + 4(n/4), one per PARTIAL or
 *           EXACT, the last word padded with zero indices
 *   lows    3 per word, the n-th of its 3 at bit 10n, one per PARTIAL
 * so it is never shorter than WKDM_DENSE_MIN bytes.
 *
 * Sparse form (mostly-zero pages): the word WKDM_SPARSE_MAGIC, then per non-zero word
 * of the page, in order, the word (4 bytes) and its byte offset in the page (2 bytes):
 * 4 + 6n bytes, not a multiple of 4 in general.
 *
 * A page that holds one 32-bit value 4096 times (the zero page included) has no
 * output at all: wkdm_compress reports the value instead.
 *
 * Which form, and when to give up, follow XNU's rules exactly (so that the hybrid
 * codec hands the same pages to LZ4):
 *   - early abort: after the first 416 words, if their misses (4 bytes each),
 *     indices (half a byte) and low bits (2730/2048 bytes each, rounded down) take
 *     more than 1600 bytes, the page is not compressed (-1), whatever the budget;
 *   - sparse when the dense size estimated that way (plus 1036 bytes) is at least
 *     the sparse size;
 *   - the budget: misses while 1036 + 4 x misses < budget; the dense form fits when
 *     its length is < budget (<= budget if it has no low bits); the sparse form when
 *     its length is <= budget. */
#ifndef COMPRESSOR_WKDM_H
#define COMPRESSOR_WKDM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WKDM_PAGE_SIZE     16384u
#define WKDM_PAGE_WORDS    4096u
#define WKDM_DENSE_MIN     (12u + 1024u)         /* header and tags */
#define WKDM_SPARSE_MAGIC  17185u
/* A bound on what wkdm_compress can write: the dense form with every word a MISS,
 * plus an index word and a low-bits word (the early abort keeps real outputs well
 * under it). */
#define WKDM_MAX_OUT       (WKDM_DENSE_MIN + 4u * WKDM_PAGE_WORDS + 8u)

enum wkdm_form { WKDM_FORM_INVALID, WKDM_FORM_DENSE, WKDM_FORM_SPARSE };

/* Compresses one 16 KB page (any alignment) into out, writing at most budget bytes
 * (nothing is written before the output is known to fit):
 *   > 0  the output's length in bytes (dense or sparse form);
 *   0    the page is one 32-bit value repeated: *single holds it, nothing is written;
 *   -1   the early abort, or the output would not fit in budget (see above); work
 *        stopped as soon as that was certain, and nothing is written. */
int wkdm_compress(const void *page, void *out, size_t budget, uint32_t *single);

/* Rebuilds the page from an output of exactly len bytes. 0, or -1 if the input is
 * not well formed (bad header, areas that disagree with the tags, sparse offsets
 * out of range, unaligned or out of order, wrong length). Never reads outside
 * in[0, len) nor writes outside page[0, 16384); on -1 the page's contents are
 * unspecified. Corruption that keeps the input well formed gives some other page,
 * as with any codec without a checksum. */
int wkdm_decompress(const void *in, size_t len, void *page);

/* 1 and *value set if the page is one 32-bit value repeated, else 0 (quick to
 * reject an ordinary page). wkdm_compress makes this check itself. */
int wkdm_single(const void *page, uint32_t *value);
/* The page that wkdm_compress reported as `value` repeated. */
void wkdm_fill(void *page, uint32_t value);

/* Which form an output of len bytes claims to be (from its first word and length). */
enum wkdm_form wkdm_form_of(const void *in, size_t len);

/* The dictionary entry of a word w is wkdm_hash_slot[(w >> 10) & 0xff] (XNU's table). */
extern const uint8_t wkdm_hash_slot[256];

/* The inner loops, all writing the same bytes and reading each other's: portable C,
 * SSE4.1 (x86-64), AVX2 (with BMI2), AVX-512 (F, BW, VL, CD, VBMI, VBMI2, with GFNI
 * and BMI2). */
enum wkdm_loops { WKDM_LOOPS_PORTABLE, WKDM_LOOPS_SSE41, WKDM_LOOPS_AVX2, WKDM_LOOPS_AVX512, WKDM_NLOOPS };

/* Whether this CPU runs these loops. */
bool wkdm_loops_usable(enum wkdm_loops loops);
/* The loops used until changed: at first use, every set this CPU runs compresses and
 * decompresses a few heap-like pages, and the fastest is kept (the output is the same
 * whichever runs, so this changes speed only). */
enum wkdm_loops wkdm_loops_current(void);
/* How that choice was made, for --stats: the time of each set. */
const char *wkdm_loops_choice(void);
/* Uses the last loops of the list this CPU runs, up to `limit`, and returns them:
 * for tests, benchmarks and `machemu codec --loops`; not thread-safe. */
enum wkdm_loops wkdm_set_loops(enum wkdm_loops limit);
const char *wkdm_loops_name(enum wkdm_loops loops);
/* "portable", "sse4.1", "avx2", "avx512": 0, or -1 for another name. */
int wkdm_loops_parse(const char *name, enum wkdm_loops *loops);

#endif
