/* compressor/swap.c — macOS mode: sealed segments written to swap files the caller
 * creates on demand, in blocks of segment_size, and read back whole on demand.
 *
 * A block is named by one number, file x file_blocks + block in the file. Blocks
 * given back go on a free list; a file hands out new blocks from its start. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compressor/pool_impl.h"

int compressor_swap_enable(struct compressor *c, const struct compressor_swap_ops *ops)
{
    if (swap_on(c) || !ops || !ops->create || ops->file_blocks < 4 || ops->max_files < 1)
        return -EINVAL;
    c->swap = *ops;
    return 0;
}

static uint64_t blocks_free(const struct compressor *c)
{
    return c->st.swap_blocks - c->st.swap_blocks_used;
}

static bool may_create(const struct compressor *c)
{
    return c->nfiles < c->swap.max_files;
}

bool compressor_swap_low(const struct compressor *c)
{
    if (!swap_on(c))
        return false;
    return blocks_free(c) * 32 < c->swap.file_blocks && (!may_create(c) || c->create_failed);
}

bool compressor_swap_out_of_space(const struct compressor *c)
{
    return swap_on(c) && !may_create(c) && blocks_free(c) < 8;
}

/* vm_swapfile_create_thread: a new file while less than a quarter of one is free. */
static void add_files(struct compressor *c)
{
    while (blocks_free(c) * 4 < c->swap.file_blocks && may_create(c)) {
        struct swap_file *f = realloc(c->files, (c->nfiles + 1) * sizeof *f);
        if (!f)
            break;
        c->files = f;
        int fd = c->swap.create(c->swap.ctx);
        c->create_failed = fd < 0;
        if (fd < 0)
            break;
        c->files[c->nfiles++] = (struct swap_file){ .fd = fd };
        c->st.swap_files = c->nfiles;
        c->st.swap_blocks += c->swap.file_blocks;
    }
}

/* A free block, or false if there is none and no new file. */
static bool take_block(struct compressor *c, uint64_t *block)
{
    add_files(c);
    if (c->nfree_blocks) {
        *block = c->free_blocks[--c->nfree_blocks];
    } else {
        uint32_t f = 0;
        while (f < c->nfiles && c->files[f].hwm == c->swap.file_blocks)
            f++;
        if (f == c->nfiles)
            return false;
        *block = (uint64_t)f * c->swap.file_blocks + c->files[f].hwm++;
    }
    c->st.swap_blocks_used++;
    return true;
}

static void put_block(struct compressor *c, uint64_t block)
{
    c->st.swap_blocks_used--;
    if (c->nfree_blocks == c->free_blocks_cap) {
        uint32_t cap = c->free_blocks_cap ? 2 * c->free_blocks_cap : 64;
        uint64_t *b = realloc(c->free_blocks, cap * sizeof *b);
        if (!b) {
            c->st.swap_blocks--;        /* the block is only lost file space */
            return;
        }
        c->free_blocks = b;
        c->free_blocks_cap = cap;
    }
    c->free_blocks[c->nfree_blocks++] = block;
}

static int write_all(int fd, const uint8_t *p, size_t n, off_t off)
{
    while (n) {
        ssize_t k = pwrite(fd, p, n, off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? -errno : -EIO;
        p += k, n -= (size_t)k, off += k;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n, off_t off)
{
    while (n) {
        ssize_t k = pread(fd, p, n, off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -EIO;                /* error, or the file was cut short */
        p += k, n -= (size_t)k, off += k;
    }
    return 0;
}

/* Bytes of frame f that hold data. */
static size_t frame_bytes(const struct cseg *s, uint32_t f)
{
    uint32_t start = f * FRAME_SIZE;
    return s->used - start < FRAME_SIZE ? s->used - start : FRAME_SIZE;
}

/* A sum of the segment's data, to know it again when it comes back: the swap file is
 * outside the machine, and what someone else did to it (cut it short and let it grow
 * again as a hole, wrote over it) must end as a read error, never as wrong data. */
static uint64_t segment_sum(const struct cseg *s)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ s->used;
    for (uint32_t f = 0; f < s->nframes; f++) {
        const uint8_t *p = s->frames[f];
        size_t n = frame_bytes(s, f);
        for (size_t i = 0; i < n; i += 8) {
            uint64_t w = 0;
            memcpy(&w, p + i, n - i < 8 ? n - i : 8);
            h = (h ^ w) * 0x100000001b3ull;
            h ^= h >> 29;
        }
    }
    return h;
}

static int block_fd(const struct compressor *c, uint64_t block)
{
    return c->files[block / c->swap.file_blocks].fd;
}

static off_t block_offset(const struct compressor *c, uint64_t block, uint32_t f)
{
    uint64_t in_file = block % c->swap.file_blocks;
    return (off_t)(in_file * c->cfg.segment_size + (uint64_t)f * FRAME_SIZE);
}

/* Returns the frames given back, or -errno with the segment still in memory. */
static int swap_out_one(struct compressor *c, struct cseg *s)
{
    cseg_compact(c, s);
    uint64_t sum = segment_sum(s);
    uint64_t block;
    if (!take_block(c, &block))
        return -ENOSPC;
    for (uint32_t f = 0; f < s->nframes; f++) {
        int r = write_all(block_fd(c, block), s->frames[f], frame_bytes(s, f),
                          block_offset(c, block, f));
        if (r < 0) {
            put_block(c, block);
            return r;
        }
    }
    int freed = (int)s->nframes;
    cseg_drop_frames(c, s);
    age_unlink(c, s);
    s->state = CSEG_SWAPPED;
    s->swap_block = block;
    s->swap_sum = sum;
    c->st.segments--;
    c->st.segments_swapped++;
    c->st.pages_swapped += s->live_slots;
    c->st.swapouts++;
    return freed;
}

int compressor_swapout(struct compressor *c, uint32_t frames)
{
    if (!swap_on(c))
        return -ENODEV;
    uint32_t got = 0;
    while (got < frames && c->oldest) {
        int r = swap_out_one(c, c->oldest);
        if (r < 0)
            return got ? (int)got : r;
        got += (uint32_t)r;
    }
    return (int)got;
}

int swap_in(struct compressor *c, struct cseg *s)
{
    s->swapped_in = true;
    int r = pool_populate(c, s, s->used);
    for (uint32_t f = 0; r == 0 && f < s->nframes; f++)
        r = read_all(block_fd(c, s->swap_block), s->frames[f], frame_bytes(s, f),
                     block_offset(c, s->swap_block, f));
    if (r == 0 && segment_sum(s) != s->swap_sum) {
        c->st.corrupt++;
        r = -EIO;
    }
    if (r < 0) {
        cseg_drop_frames(c, s);
        return r;
    }
    put_block(c, s->swap_block);
    s->state = CSEG_SEALED;
    age_link(c, s);
    c->st.segments_swapped--;
    c->st.segments++;
    c->st.pages_swapped -= s->live_slots;
    c->st.swapins++;
    return 0;
}

void swap_release(struct compressor *c, struct cseg *s)
{
    put_block(c, s->swap_block);
    c->st.segments_swapped--;
}

int swap_read(const struct compressor *c, const struct cseg *s, uint32_t off, void *dst,
              uint32_t n)
{
    return read_all(block_fd(c, s->swap_block), dst, n, block_offset(c, s->swap_block, 0) + (off_t)off);
}
