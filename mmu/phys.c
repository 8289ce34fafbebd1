/* mmu/phys.c — guest physical memory: 16 KB frames over one host buffer.
 *
 * The buffer is an anonymous mapping, so untouched frames cost no host memory.
 * Frame 0 is reserved: a descriptor with output address 0 is never a real mapping. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

#include "mmu/invariant.h"
#include "mmu/phys.h"

static _Noreturn void phys_panic(const char *what, pfn_t pfn)
{
    fprintf(stderr, "phys: %s (frame %u)\n", what, (unsigned)pfn);
    abort();
}

/* mmap only promises host-page alignment: over-allocate by a frame and trim,
 * so that every guest frame is also a 16 KB-aligned host block. */
static uint8_t *map_ram(uint64_t size)
{
    size_t len = (size_t)size + PAGE_SIZE;
    uint8_t *raw = mmap(NULL, len, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    uint8_t *ram = (uint8_t *)round_page((uintptr_t)raw);
    size_t head = (size_t)(ram - raw), tail = len - head - (size_t)size;
    if (head)
        munmap(raw, head);
    if (tail)
        munmap(ram + size, tail);
    return ram;
}

const char *phys_use_name(enum phys_use use)
{
    static const char *const names[PHYS_NUSES] = {
        [PHYS_FREE] = "free", [PHYS_PAGETABLE] = "page-table", [PHYS_VM] = "vm",
        [PHYS_RESERVED] = "reserved", [PHYS_KERNEL] = "kernel", [PHYS_COMPRESSOR] = "compressor",
    };
    return use < PHYS_NUSES ? names[use] : "?";
}

int phys_init(struct phys *p, uint64_t size)
{
    memset(p, 0, sizeof *p);
    if (size % PAGE_SIZE || size / PAGE_SIZE < 4 || size / PAGE_SIZE >= PFN_NONE ||
        size > SIZE_MAX - PAGE_SIZE)
        return -EINVAL;
    p->nframes = (uint32_t)(size / PAGE_SIZE);
    p->size = size;
    p->ram = map_ram(size);
    p->use = calloc(p->nframes, 1);
    p->flags = calloc(p->nframes, 1);
    p->next = calloc(p->nframes, sizeof *p->next);
    p->freed_at = calloc(p->nframes, sizeof *p->freed_at);
    if (!p->ram || !p->use || !p->flags || !p->next || !p->freed_at) {
        phys_fini(p);
        return -ENOMEM;
    }
    p->use[0] = PHYS_RESERVED;
    p->next[0] = PFN_NONE;
    p->count[PHYS_RESERVED] = 1;
    /* Ascending list: the first allocations get the lowest frames. */
    for (pfn_t f = 1; f < p->nframes; f++) {
        p->use[f] = PHYS_FREE;
        p->flags[f] = PHYS_F_RELEASED;     /* never touched: no host memory yet */
        p->next[f] = f + 1 < p->nframes ? f + 1 : PFN_NONE;
    }
    p->free_head = 1;
    p->count[PHYS_FREE] = p->nframes - 1;
    return 0;
}

void phys_fini(struct phys *p)
{
    if (p->ram)
        munmap(p->ram, p->size);
    free(p->use);
    free(p->flags);
    free(p->next);
    free(p->freed_at);
    memset(p, 0, sizeof *p);
}

pfn_t phys_alloc(struct phys *p, enum phys_use use)
{
    if (use == PHYS_FREE || use >= PHYS_NUSES)
        phys_panic("alloc with a bad use", PFN_NONE);
    pfn_t f = p->free_head;
    if (f == PFN_NONE)
        return PFN_NONE;
    p->free_head = p->next[f];
    p->next[f] = PFN_NONE;
    bool zero = p->flags[f] & PHYS_F_RELEASED;
    if (!zero)
        p->backed_free--;
    /* Frames of other uses are written without phys_will_write: no flag for them. */
    p->flags[f] = zero && (use == PHYS_VM || use == PHYS_PAGETABLE) ? PHYS_F_ZERO : 0;
    p->use[f] = (uint8_t)use;
    p->count[PHYS_FREE]--;
    p->count[use]++;
    return f;
}

void phys_forget_code(struct phys *p, pfn_t pfn)
{
    if (pfn >= p->nframes)
        phys_panic("frame out of range", pfn);
    if (p->flags[pfn] & PHYS_F_CODE) {
        p->flags[pfn] &= (uint8_t)~PHYS_F_CODE;
        p->stale_code++;
    }
}

void phys_free(struct phys *p, pfn_t pfn)
{
    if (pfn >= p->nframes)
        phys_panic("free of a frame out of range", pfn);
    if (p->use[pfn] == PHYS_FREE)
        phys_panic("double free", pfn);
    if (p->use[pfn] == PHYS_RESERVED)
        phys_panic("free of a reserved frame", pfn);
    phys_forget_code(p, pfn);
    p->count[p->use[pfn]]--;
    p->count[PHYS_FREE]++;
    p->use[pfn] = PHYS_FREE;
    p->flags[pfn] = 0;
    p->freed_at[pfn] = p->churn++;
    p->next[pfn] = p->free_head;
    p->free_head = pfn;
    if (++p->backed_free > PHYS_TRIM_AT(p->nframes))
        phys_trim(p, PHYS_TRIM_KEEP(p->nframes));
}

/* Gives back the host memory of frames [first, end). */
static void release_run(struct phys *p, pfn_t first, pfn_t end)
{
    if (first < end)
        madvise(phys_ptr(p, first), (size_t)(end - first) << PAGE_SHIFT, MADV_DONTNEED);
}

void phys_trim(struct phys *p, uint32_t keep)
{
    /* The free list is most recently freed first: those are kept warm. */
    uint32_t seen = 0;
    for (pfn_t f = p->free_head; f != PFN_NONE; f = p->next[f])
        if (++seen > keep && !(p->flags[f] & PHYS_F_RELEASED)) {
            p->flags[f] |= PHYS_F_RELEASED;
            p->backed_free--;
            p->released++;
        }
    /* One call per run of neighbouring released frames (given back before or now). */
    pfn_t run = PFN_NONE;
    for (pfn_t f = 1; f < p->nframes; f++) {
        bool out = p->use[f] == PHYS_FREE && (p->flags[f] & PHYS_F_RELEASED);
        if (out && run == PFN_NONE)
            run = f;
        else if (!out && run != PFN_NONE) {
            release_run(p, run, f);
            run = PFN_NONE;
        }
    }
    if (run != PFN_NONE)
        release_run(p, run, p->nframes);
    p->trims++;
}

static bool all_zero(const uint8_t *b)
{
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (b[i])
            return false;
    return true;
}

static bool cold(const struct phys *p, pfn_t pfn)
{
    return p->churn - p->freed_at[pfn] > PHYS_COLD_FRAMES;
}

/* A cold frame's lines would each be read from memory before being overwritten:
 * streaming stores write them without the read (about twice as fast). */
static void fill_frame(void *dst, const void *src, bool stream)
{
#if defined(__x86_64__)
    if (stream) {
        __m128i *d = dst;
        const __m128i *s = src;
        for (size_t i = 0; i < PAGE_SIZE / sizeof *d; i += 4) {
            __m128i a = s ? _mm_load_si128(s + i) : _mm_setzero_si128();
            __m128i b = s ? _mm_load_si128(s + i + 1) : a;
            __m128i c = s ? _mm_load_si128(s + i + 2) : a;
            __m128i e = s ? _mm_load_si128(s + i + 3) : a;
            _mm_stream_si128(d + i, a);
            _mm_stream_si128(d + i + 1, b);
            _mm_stream_si128(d + i + 2, c);
            _mm_stream_si128(d + i + 3, e);
        }
        _mm_sfence();
        return;
    }
#endif
    (void)stream;
    if (src)
        memcpy(dst, src, PAGE_SIZE);
    else
        memset(dst, 0, PAGE_SIZE);
}

void phys_zero(struct phys *p, pfn_t pfn)
{
    phys_forget_code(p, pfn);
    if (p->flags[pfn] & PHYS_F_ZERO) {
        p->flags[pfn] &= (uint8_t)~PHYS_F_ZERO;
        MMU_INVARIANT(all_zero(phys_ptr(p, pfn)));
        return;
    }
    fill_frame(phys_ptr(p, pfn), NULL, cold(p, pfn));
    p->churn++;
}

void phys_copy(struct phys *p, pfn_t dst, pfn_t src)
{
    if (src >= p->nframes)
        phys_panic("copy from a frame out of range", src);
    phys_forget_code(p, dst);
    p->flags[dst] &= (uint8_t)~PHYS_F_ZERO;
    if (dst != src)
        fill_frame(phys_ptr(p, dst), phys_ptr(p, src), cold(p, dst));
    p->churn++;
}

void phys_will_write(struct phys *p, pfn_t pfn)
{
    phys_forget_code(p, pfn);
    p->flags[pfn] &= (uint8_t)~PHYS_F_ZERO;
    p->churn++;
}

uint32_t phys_take_stale_code(struct phys *p)
{
    uint32_t n = p->stale_code;
    p->stale_code = 0;
    return n;
}
