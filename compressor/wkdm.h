/* compressor/wkdm.h — WKdm (Wilson-Kaplan, direct-mapped dictionary) for 16 KB pages.
 *
 * A page is 4096 32-bit words. Each word is compared with one of 16 dictionary
 * entries, chosen by a fixed 256-entry table indexed by bits 17:10 of the word
 * (entry ((bits * 173) >> 4) mod 16), and gets a 2-bit tag:
 *   ZERO 0     the word is 0 (the dictionary is not touched);
 *   PARTIAL 1  bits 31:10 equal the entry's: emit the 4-bit index and the 10 low
 *              bits, and the word replaces the entry;
 *   MISS 2     emit the whole word; it replaces the entry;
 *   EXACT 3    the word equals the entry: emit the 4-bit index.
 * Every entry starts as 1. Words are host-endian (the output is read back on the
 * machine that wrote it).
 *
 * Dense form, 32-bit words, in order:
 *   header  3 words: 'W' << 24 | end of the miss area, end of the index area, end of
 *           the low-bits area (offsets in words from the start; the last one is the
 *           length of the whole output)
 *   tags    256 words, 16 tags per word, word i's tag at bits 2(i%16)+1:2(i%16)
 *   misses  one word per MISS, in page order
 *   indices 8 per word, the n-th at bits 4(n%8)+3:4(n%8), one per PARTIAL or EXACT
 *   lows    3 per word, the n-th at bits 10(n%3)+9:10(n%3), one per PARTIAL
 * so it is never shorter than WKDM_DENSE_MIN bytes.
 *
 * Sparse form, for mostly-zero pages, used when it is smaller than the dense one:
 *   header 'S' << 24 | n (number of non-zero words), then the n words, then their n
 *   16-bit word offsets (strictly increasing), zero-padded to a multiple of 4 bytes.
 *
 * A page that holds one 32-bit value 4096 times (the zero page included) has no
 * output at all: wkdm_compress reports the value instead. */
#ifndef COMPRESSOR_WKDM_H
#define COMPRESSOR_WKDM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WKDM_PAGE_SIZE   16384u
#define WKDM_PAGE_WORDS  4096u
#define WKDM_DENSE_MIN   (12u + 1024u)           /* header and tags */
/* The largest output wkdm_compress can produce (4095 MISS words and one PARTIAL:
 * an index word and a low-bits word more than 4096 MISS words). */
#define WKDM_MAX_OUT     (WKDM_DENSE_MIN + 4u * WKDM_PAGE_WORDS + 4u)

enum wkdm_form { WKDM_FORM_INVALID, WKDM_FORM_DENSE, WKDM_FORM_SPARSE };

/* Compresses one 16 KB page (any alignment) into out, writing at most budget bytes:
 *   > 0  the output's length in bytes (a multiple of 4; dense or sparse form);
 *   0    the page is one 32-bit value repeated: *single holds it, nothing is written;
 *   -1   the output would not fit in budget; work stopped as soon as that was
 *        certain, and out[0, budget) holds garbage. */
int wkdm_compress(const void *page, void *out, size_t budget, uint32_t *single);

/* Rebuilds the page from an output of exactly len bytes. 0, or -1 if the input is
 * not well formed (bad header, areas that disagree with the tags, bad offsets,
 * wrong length). Never reads outside in[0, len) nor writes outside page[0, 16384);
 * on -1 the page's contents are unspecified. Corruption that keeps the input well
 * formed gives some other page, as with any codec without a checksum. */
int wkdm_decompress(const void *in, size_t len, void *page);

/* 1 and *value set if the page is one 32-bit value repeated, else 0 (quick to
 * reject an ordinary page). wkdm_compress makes this check itself. */
int wkdm_single(const void *page, uint32_t *value);
/* The page that wkdm_compress reported as `value` repeated. */
void wkdm_fill(void *page, uint32_t value);

/* Which form an output of len bytes claims to be (from its header only). */
enum wkdm_form wkdm_form_of(const void *in, size_t len);

/* The inner loops, all writing the same bytes and reading each other's: portable C,
 * SSE4.1 (x86-64), AVX-512 (F, BW, VL, CD, VBMI, VBMI2, with GFNI and BMI2). The
 * default is the last of these this CPU runs. */
enum wkdm_loops { WKDM_LOOPS_PORTABLE, WKDM_LOOPS_SSE41, WKDM_LOOPS_AVX512 };

/* Uses the last loops of the list this CPU runs, up to `limit`, and returns them:
 * for tests and benchmarks, not thread-safe. */
enum wkdm_loops wkdm_set_loops(enum wkdm_loops limit);
const char *wkdm_loops_name(enum wkdm_loops loops);

#endif
