/* compressor/compressor.h — the compressor: 16 KB pages in, 32-bit handles out.
 *
 * A pure library (no vm/ headers). Two parts:
 *
 * Codecs. compressor_encode() turns a page into one of five forms: SINGLE (the page
 * is one 32-bit value repeated, the zero page included: no bytes), WKDM or SPARSE
 * (compressor/wkdm.h), LZ4 (liblz4), RAW (the page itself). The codec chooses:
 *   wkdm    WKdm; an output over COMPRESSOR_KEEP_MAX bytes is stored RAW;
 *   lz4     LZ4 (after the single-value check); over COMPRESSOR_KEEP_MAX: RAW;
 *   hybrid  as arm64 XNU: WKdm first, and LZ4 when WKdm's output would be at least
 *           COMPRESSOR_HYBRID_LZ4_AT (12 KB); over COMPRESSOR_KEEP_MAX: RAW.
 * Rule for incompressible pages: a page is stored RAW, never refused, when no codec
 * gets it to 14 KB or less. Storing it costs a whole frame (no gain), but it is the
 * only place a dirty anonymous page can go on iOS, and a compressed form that saves
 * under 1/8 of a page is not worth a decompression on every fault.
 *
 * The pool. Compressed pages are stored back to back in segments (segment_size:
 * 64 KB or 256 KB as in XNU) whose memory is 16 KB frames the caller provides
 * through compressor_frame_ops and which are populated as a segment fills and given
 * back as it empties or shrinks: stats.frames is always the number of frames the pool
 * holds, which the VM counts as "Pages occupied by compressor". SINGLE pages take no
 * segment bytes: they are refcounted entries of a single-value table.
 *
 * Handles and their owners. compressor_put() writes the page's handle into *owner
 * (the slot-map entry of the VM object) and remembers `owner`. Compaction moves
 * compressed pages between and within segments; when it does it rewrites *owner
 * with the new handle, as XNU's c_slot back-pointer does. So:
 *   - any call on the pool may rewrite any stored handle through its owner pointer;
 *   - an owner pointer must stay valid while its page is in the pool: a caller that
 *     moves a handle to another place (slot map grown, object collapsed) copies it
 *     there and calls compressor_rebind() with the new place;
 *   - 0 (COMPRESSOR_NO_HANDLE) is never a handle.
 *
 * Compaction. Minor: when a quarter of a segment's bytes are dead (freed slots), its
 * live slots slide down and its tail frames are given back; it runs by itself when a
 * page is freed. Major: compressor_compact() merges sparse segments (half full or
 * less) into older ones; compressor_put() also tries it before giving up for space.
 *
 * Space. The pool holds at most max_frames frames and max_pages pages; past either
 * compressor_put() fails with -ENOSPC. compressor_low_on_space() is true past 98% of
 * either limit (the frames limit does not count when a swap file is attached).
 *
 * Swap (macOS mode). With a file attached (compressor_swap_attach), sealed segments
 * can be written to it, oldest first, and their frames given back
 * (compressor_swapout); compressor_put() swaps out by itself instead of failing for
 * frames. A page whose segment is swapped out is read back with its whole segment
 * on demand by compressor_get()/compressor_peek() (a swapin), and checked against a
 * sum of its bytes taken when it was written: a segment the file no longer holds as it
 * was (cut short, written over from outside) is -EIO, never some other data.
 *
 * Not thread-safe: one caller at a time. */
#ifndef COMPRESSOR_COMPRESSOR_H
#define COMPRESSOR_COMPRESSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COMPRESSOR_PAGE_SIZE      16384u
#define COMPRESSOR_KEEP_MAX       14336u          /* largest compressed form kept */
#define COMPRESSOR_HYBRID_LZ4_AT  12288u          /* hybrid: WKdm output this big -> LZ4 */
#define COMPRESSOR_ENCODE_MAX     COMPRESSOR_PAGE_SIZE   /* room compressor_encode needs */
#define COMPRESSOR_MAX_SEGMENT    (4u << 20)
#define COMPRESSOR_MAX_SLOTS      4096u           /* pages per segment */

enum compressor_codec { COMPRESSOR_CODEC_WKDM, COMPRESSOR_CODEC_LZ4, COMPRESSOR_CODEC_HYBRID };

enum compressor_form {
    COMPRESSOR_FORM_SINGLE,
    COMPRESSOR_FORM_WKDM,
    COMPRESSOR_FORM_SPARSE,
    COMPRESSOR_FORM_LZ4,
    COMPRESSOR_FORM_RAW,
    COMPRESSOR_NFORMS
};

/* "wkdm", "lz4", "hybrid" (for --codec). 0, or -1 for any other name. */
int compressor_codec_parse(const char *name, enum compressor_codec *codec);
const char *compressor_codec_name(enum compressor_codec codec);
const char *compressor_form_name(enum compressor_form form);

/* ---- codecs ---------------------------------------------------------------- */

struct compressor_encoding {
    enum compressor_form form;
    uint32_t size;                 /* bytes in out (0 for SINGLE) */
    uint32_t value;                /* SINGLE: the repeated value */
};

/* Encodes a 16 KB page into out (COMPRESSOR_ENCODE_MAX bytes of room). */
void compressor_encode(enum compressor_codec codec, const void *page, void *out,
                       struct compressor_encoding *enc);
/* Rebuilds the page from `in` (enc->size bytes). 0, or -1 if the input is not a
 * well-formed encoding of that form and size; never reads or writes outside the
 * buffers. */
int compressor_decode(const struct compressor_encoding *enc, const void *in, void *page);

/* ---- the pool --------------------------------------------------------------- */

typedef uint32_t compressor_handle_t;
#define COMPRESSOR_NO_HANDLE 0u

/* Where segment memory comes from: one 16 KB frame per call (16 KB aligned is not
 * required), its host address, or NULL if none is free. `alloc` NULL: host memory. */
struct compressor_frame_ops {
    void *ctx;
    void *(*alloc)(void *ctx);
    void (*free)(void *ctx, void *frame);
};

struct compressor_config {
    enum compressor_codec codec;
    uint32_t segment_size;         /* bytes: a multiple of 16 KB, 16 KB .. 4 MB */
    uint32_t max_frames;           /* frames the pool may occupy (>= 1 segment) */
    uint32_t max_pages;            /* pages it may store */
    struct compressor_frame_ops frames;
};

/* Defaults for a machine of ram_frames 16 KB frames: hybrid codec, 64 KB segments,
 * max_frames = 3/4 of ram_frames, max_pages = 16 * ram_frames, host memory. */
void compressor_config_default(struct compressor_config *cfg, uint32_t ram_frames);

struct compressor_stats {
    /* now */
    uint64_t pages;                /* pages stored ("Pages stored in compressor") */
    uint64_t frames;               /* frames held ("Pages occupied by compressor") */
    uint64_t segments;             /* segments in memory */
    uint64_t segments_swapped;     /* segments in the swap file */
    uint64_t pages_swapped;        /* pages in those */
    uint64_t bytes_stored;         /* compressed bytes of the pages stored */
    uint64_t single_values;        /* distinct values in the single-value table */
    uint64_t pages_by_form[COMPRESSOR_NFORMS];
    /* since creation */
    uint64_t compressions, decompressions;
    uint64_t bytes_in, bytes_out;  /* before and after compression */
    uint64_t compressions_by_form[COMPRESSOR_NFORMS];
    uint64_t bytes_out_by_form[COMPRESSOR_NFORMS];
    uint64_t decompressions_by_form[COMPRESSOR_NFORMS];
    uint64_t minor_compactions, major_compactions, slots_moved;
    uint64_t swapouts, swapins;    /* segments written / read back */
    uint64_t rejected;             /* puts refused for space */
    uint64_t corrupt;              /* decodes that failed */
};

/* NULL with errno EINVAL (bad config) or ENOMEM. */
struct compressor *compressor_create(const struct compressor_config *cfg);
/* Gives every frame back. Stored handles become meaningless. */
void compressor_destroy(struct compressor *c);

/* Compresses and stores a 16 KB page; sets *owner to its handle. 0, -ENOSPC (pool
 * full: page count or frame limit, after compaction and swapout), -ENOMEM (no
 * frame from frame_ops, or no host memory). On error *owner is untouched. */
int compressor_put(struct compressor *c, const void *page, compressor_handle_t *owner);
/* Decompresses the page of *owner into page and frees it (*owner = 0). 0, -EINVAL
 * (not a live handle owned by `owner`; a single-value handle has no one owner and
 * is accepted wherever it is held), -EIO (swap read failed or data corrupt), or
 * -ENOSPC/-ENOMEM (no frames to bring its swapped-out segment back): on error the
 * page stays stored. May swap its segment in, and others out to make room. */
int compressor_get(struct compressor *c, compressor_handle_t *owner, void *page);
/* Decompresses without freeing (copy-on-write from a shadow, reads). Same errors. */
int compressor_peek(struct compressor *c, compressor_handle_t handle, void *page);
/* Frees the page of *owner without reading it (*owner = 0). -EINVAL as above. */
int compressor_free(struct compressor *c, compressor_handle_t *owner);
/* *owner holds a handle whose owner pointer was elsewhere: make owner its owner. */
int compressor_rebind(struct compressor *c, compressor_handle_t *owner);
/* The form a live handle's page is stored in; -1 if not a live handle. */
int compressor_form_of(const struct compressor *c, compressor_handle_t handle);

/* ---- inspection (debuggers, viewers): nothing here changes the pool -------------- */

/* Where a live handle's page is stored. */
struct compressor_where {
    enum compressor_form form;
    uint32_t segment;              /* the segment's id (not for SINGLE) */
    uint32_t slot;                 /* its slot in the segment (not for SINGLE) */
    uint32_t size;                 /* compressed bytes (0 for SINGLE) */
    uint32_t value;                /* SINGLE: the repeated 32-bit value */
    bool swapped;                  /* the segment is in the swap file */
};
/* 0, or -EINVAL if h is not a live handle. */
int compressor_locate(const struct compressor *c, compressor_handle_t h,
                      struct compressor_where *w);
/* Decodes the page of a live handle without counting a decompression, moving or
 * freeing anything; a page of a swapped-out segment is read from the swap file, its
 * segment stays there. 0, -EINVAL, -EIO (read failed, data corrupt) or -ENOMEM. */
int compressor_inspect(const struct compressor *c, compressor_handle_t h, void *page);

/* What a frame lent to the pool holds. */
struct compressor_frame_info {
    uint32_t segment;              /* the segment using it */
    uint32_t index, nframes;       /* its place among the segment's frames, and how many */
    uint32_t live_slots;           /* pages stored in the segment */
    uint32_t used, live_bytes;     /* bytes the segment has filled, and of live pages */
};
/* 0, or -ENOENT if no segment of the pool uses `frame` (a host address that
 * frame_ops->alloc returned). Costs O(frames held). */
int compressor_frame_info(const struct compressor *c, const void *frame,
                          struct compressor_frame_info *out);

/* Major compaction. Returns the number of frames given back. */
uint32_t compressor_compact(struct compressor *c);
bool compressor_low_on_space(const struct compressor *c);
const struct compressor_stats *compressor_stats(const struct compressor *c);

/* Attaches a swap file opened for reading and writing (the caller chooses and
 * confines it; the pool writes at offsets that are multiples of segment_size and
 * never closes it). fd < 0 detaches (only when nothing is swapped out). 0 or -EINVAL. */
int compressor_swap_attach(struct compressor *c, int fd);
/* Swaps out sealed segments, oldest first, until at least `frames` frames were given
 * back or none is left. Returns the frames given back, or -errno (-ENODEV: no swap
 * file; -EIO etc. from the write, with nothing lost). */
int compressor_swapout(struct compressor *c, uint32_t frames);

#endif
