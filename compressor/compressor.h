/* compressor/compressor.h — the compressor: 16 KB pages in, 32-bit handles out.
 *
 * A pure library (no vm/ headers). Two parts:
 *
 * Codecs. compressor_encode() turns a page into one of five forms: SINGLE (the page
 * is one 32-bit value repeated, the zero page included: no bytes, or its 4 bytes
 * when the pool's table has no room for the value), WKDM or SPARSE
 * (compressor/wkdm.h), LZ4 (liblz4), RAW (the page itself). The codec chooses:
 *   wkdm    WKdm; an output over COMPRESSOR_KEEP_MAX bytes is stored RAW;
 *   lz4     LZ4 (after the single-value check); over COMPRESSOR_KEEP_MAX: RAW;
 *   hybrid  as arm64 XNU: WKdm first, and LZ4 when WKdm's output would be at least
 *           COMPRESSOR_HYBRID_LZ4_AT (12 KB), even when LZ4's is the larger;
 *           over COMPRESSOR_KEEP_MAX: RAW.
 * As in XNU, a page is stored RAW only when no codec fits it in PAGE_SIZE - 4
 * (16380) bytes: it is never refused, since the compressor is the only place a dirty
 * anonymous page can go on iOS.
 *
 * The pool. Compressed pages are stored back to back in segments (segment_size:
 * 256 KB on iOS, 64 KB on arm64 macOS, as XNU's c_seg_bufsize) whose memory is 16 KB
 * frames the caller provides through compressor_frame_ops and which are populated as
 * a segment fills and given back as it empties or shrinks: stats.frames is always the
 * number of frames the pool holds, which the VM counts as "Pages occupied by
 * compressor". SINGLE pages take no segment bytes: they are refcounted entries of a
 * single-value table of XNU's shape (1024 entries, a value probed for in at most 32
 * from its home at its low 10 bits); a value that finds no room there is stored as 4
 * bytes in a segment, as XNU does.
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
 * page is freed. Major: compressor_compact() walks the segments oldest first and
 * moves the pages of each into the one before it unless both are 90% full, as XNU's
 * c_seg_major_compact_ok; the caller runs it when compressor_needs_major_compact()
 * says so (vm_compressor_needs_to_major_compact).
 *
 * Space (vm_compressor_set_size). The pool has at most max_segments segments (in
 * memory and swapped out) and stores at most max_pages pages; past either
 * compressor_put() fails with -ENOSPC. compressor_low_on_space() is true past 98% of
 * either limit. Frames are not a limit of the pool: when the frame source has none,
 * compressor_put() fails with -ENOMEM (after swapping out, in macOS mode).
 *
 * Swap (macOS mode). With swap enabled (compressor_swap_enable), sealed segments are
 * written whole to swap files, oldest first, and their frames given back
 * (compressor_swapout); the pool asks the caller for a new file whenever the free
 * space of the ones it has falls under a quarter of a file, as vm_swapfile_create
 * does, up to max_files. A page whose segment is swapped out is read back with its
 * whole segment on demand by compressor_get()/compressor_peek() (a swapin), and checked
 * against a sum of its bytes taken when it was written: a segment the file no longer
 * holds as it was (cut short, written over from outside) is -EIO, never some other data.
 *
 * Not thread-safe: one caller at a time. */
#ifndef COMPRESSOR_COMPRESSOR_H
#define COMPRESSOR_COMPRESSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COMPRESSOR_PAGE_SIZE      16384u
#define COMPRESSOR_KEEP_MAX       16380u          /* largest compressed form kept: PAGE_SIZE - 4 */
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
    uint32_t max_segments;         /* segments it may have, swapped out ones included */
    uint32_t max_pages;            /* pages it may store */
    struct compressor_frame_ops frames;
};

enum compressor_platform { COMPRESSOR_IOS, COMPRESSOR_MACOS };

/* XNU's sizes for a machine of ram_frames 16 KB frames (vm_compressor_set_size):
 *   iOS    256 KB segments; a pool of the RAM's size; max_segments = pool /
 *          (segment + 16 KB); max_pages = max_segments x pages per segment x 2 (x 1
 *          above 2 GB of RAM), at least the RAM in pages: about 1.9x RAM up to 2 GB;
 *   macOS  64 KB segments; a pool of 16x the RAM up to 4 GB (8x up to 8 GB, 4x up to
 *          32 GB, else 2x; at most 192 GB); multiplier 1 up to 8 GB (2 up to 32 GB,
 *          else 4).
 * Hybrid codec, host memory. max_segments is at most what handles can name. */
void compressor_config_default(struct compressor_config *cfg, uint64_t ram_frames,
                               enum compressor_platform platform);

struct compressor_stats {
    /* now */
    uint64_t pages;                /* pages stored ("Pages stored in compressor") */
    uint64_t frames;               /* frames held ("Pages occupied by compressor") */
    uint64_t segments;             /* segments in memory */
    uint64_t segments_swapped;     /* segments in swap files */
    uint64_t pages_swapped;        /* pages in those */
    uint64_t swap_files;           /* swap files in use */
    uint64_t swap_blocks, swap_blocks_used;   /* segment-sized blocks in them, and used */
    uint64_t bytes_stored;         /* compressed bytes of the pages stored */
    uint64_t single_values;        /* entries in use in the single-value table */
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
 * full: its page or segment limit), -ENOMEM (no frame from frame_ops, even after
 * swapping out, or no host memory). On error *owner is untouched. */
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

/* ---- the working-set sample (thrashing detection) ------------------------------------ */

/* The caller's clock, in seconds (never 0): it stamps each new segment, and a page
 * read back from a segment that never went to swap counts in the sample by the
 * segment's age (XNU's c_creation_ts and age_of_decompressions_during_sample_period). */
#define COMPRESSOR_SAMPLE_MAX_AGE 1800   /* DECOMPRESSION_SAMPLE_MAX_AGE: 30 min */
struct compressor_sample {
    uint32_t compressions, decompressions;
    uint32_t by_age[COMPRESSOR_SAMPLE_MAX_AGE];   /* decompressions by segment age */
    uint32_t overage;                             /* from segments older than that */
};
void compressor_set_time(struct compressor *c, uint64_t now_s);
const struct compressor_sample *compressor_sample(const struct compressor *c);
void compressor_sample_reset(struct compressor *c);
/* The stamp of the oldest segment in memory (the head of the age queue); false if none. */
bool compressor_oldest_segment(const struct compressor *c, uint64_t *created_s);

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

/* Major compaction: each sealed segment, oldest first, takes the pages of the ones
 * after it while it has room, unless both it and the next are 90% full
 * (c_seg_major_compact_ok). Returns the number of frames given back. */
uint32_t compressor_compact(struct compressor *c);
/* vm_compressor_needs_to_major_compact: the pool has at least 1/8 of the segments of
 * its nearing limit, and the room left in its segments in memory (their capacity
 * less the frames it holds) is more than 1/8 of their capacity. */
bool compressor_needs_major_compact(const struct compressor *c);
/* vm_compressor_low_on_space: more than 98% of max_pages stored, or more than 98% of
 * max_segments in use. */
bool compressor_low_on_space(const struct compressor *c);
/* vm_compressor_out_of_space: max_pages stored, or max_segments in use. */
bool compressor_out_of_space(const struct compressor *c);
const struct compressor_stats *compressor_stats(const struct compressor *c);
const struct compressor_config *compressor_config_of(const struct compressor *c);

/* Swap files (macOS mode). The pool asks `create` for each new file: a new, empty
 * file opened for reading and writing, whose fd it returns (or -errno). The caller
 * confines and names it, keeps it, and closes it after compressor_destroy(); the
 * pool writes in it at offsets that are multiples of segment_size, below
 * file_blocks x segment_size. A file is asked for whenever fewer than
 * file_blocks / 4 blocks are free (vm_swapfile_hiwater_segs, as XNU asks for a
 * 256 MB file ahead of its 1 GB ones), at most max_files in all; a failed creation
 * is tried again at the next need. */
struct compressor_swap_ops {
    void *ctx;
    int (*create)(void *ctx);
    uint32_t file_blocks;          /* segments per file, >= 4 */
    uint32_t max_files;            /* >= 1 */
};
/* 0, or -EINVAL (bad ops, or swap already enabled). */
int compressor_swap_enable(struct compressor *c, const struct compressor_swap_ops *ops);
/* Swaps out sealed segments, oldest first, until at least `frames` frames were given
 * back or none is left. Returns the frames given back, or -errno (-ENODEV: no swap;
 * -ENOSPC: no room in the files and no new one; -EIO etc. from the write, with
 * nothing lost) when none could be. */
int compressor_swapout(struct compressor *c, uint32_t frames);
/* vm_swap_low_on_space: fewer than 1/8 of the creation threshold (file_blocks / 32)
 * blocks free, and no new file to be had (max_files reached, or the last creation
 * failed). False without swap. */
bool compressor_swap_low(const struct compressor *c);
/* vm_swap_out_of_space: max_files files and fewer than 8 blocks free. */
bool compressor_swap_out_of_space(const struct compressor *c);

#endif
