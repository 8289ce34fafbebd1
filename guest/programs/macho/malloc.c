/* malloc: the SDK allocator under stress. Many sizes across tiny (<= 1008 bytes),
 * small (<= 15 KB) and large; realloc growth and shrink; calloc; frees in a random
 * order from a fixed seed; every block's bytes checked against its pattern; then enough
 * blocks for several regions of each rack. At the end everything is freed and the
 * task's virtual size must be back where it was: emptied regions are returned.
 *
 *   malloc            the stress run and its summary line
 *   malloc double     frees a block twice: malloc's error report, then SIGABRT
 *   malloc wild       frees a pointer malloc never returned: the same */
#include <mach/mach.h>
#include <malloc/malloc.h>
#include "guest_test.h"

#define SLOTS 4000
#define ROUNDS 24000

struct slot {
    unsigned char *p;
    size_t size;
    uint8_t seed;
};

static struct slot slots[SLOTS];
static uint64_t rng = 0x6d616c6c6f63ull;
static struct { unsigned mallocs, callocs, reallocs, frees, tiny, small, large; } count;

static size_t pick_size(void)
{
    uint64_t r = guest_rand(&rng), kind = r % 40;
    if (kind < 26)
        return 1 + (r >> 8) % 1008;                    /* tiny */
    if (kind < 39)
        return 1009 + (r >> 8) % (15 * 1024 - 1008);  /* small */
    return 15 * 1024 + 1 + (r >> 8) % (128 * 1024);   /* large */
}

static void tally(size_t size)
{
    if (size <= 1008)
        count.tiny++;
    else if (size <= 15 * 1024)
        count.small++;
    else
        count.large++;
}

static void fill(struct slot *s, size_t from)
{
    for (size_t i = from; i < s->size; i++)
        s->p[i] = (unsigned char)(s->seed + i * 7);
}

static void check(const struct slot *s, size_t upto)
{
    for (size_t i = 0; i < upto; i++)
        CHECK(10, s->p[i] == (unsigned char)(s->seed + i * 7));
    CHECK(11, malloc_size(s->p) >= s->size);
    CHECK(12, ((uintptr_t)s->p & 15) == 0);
}

static void allocate(struct slot *s)
{
    s->size = pick_size();
    s->seed = (uint8_t)guest_rand(&rng);
    if (guest_rand(&rng) % 8 == 0) {
        s->p = calloc(1, s->size);
        CHECK(13, s->p != NULL);
        for (size_t i = 0; i < s->size; i++)
            CHECK(14, s->p[i] == 0);
        count.callocs++;
    } else {
        s->p = malloc(s->size);
        CHECK(15, s->p != NULL);
        count.mallocs++;
    }
    tally(s->size);
    fill(s, 0);
}

/* Grows or shrinks by up to 2x: the kept bytes must survive, wherever the block goes. */
static void resize(struct slot *s)
{
    size_t old = s->size, size = guest_rand(&rng) % 2 ? old + 1 + guest_rand(&rng) % (old + 64)
                                                      : 1 + guest_rand(&rng) % old;
    unsigned char *p = realloc(s->p, size);
    CHECK(16, p != NULL);
    s->p = p;
    s->size = size;
    check(s, old < size ? old : size);
    fill(s, old < size ? old : size);
    count.reallocs++;
    tally(size);
}

static void release(struct slot *s)
{
    check(s, s->size);
    free(s->p);
    s->p = NULL;
    count.frees++;
}

static uint64_t virtual_size(void)
{
    task_vm_info_data_t info;
    mach_msg_type_number_t n = TASK_VM_INFO_COUNT;
    CHECK(20, task_info(mach_task_self(), TASK_VM_INFO, (task_info_t)&info, &n) == KERN_SUCCESS);
    return info.virtual_size;
}

/* Distinct size-aligned regions among n pointers. */
static unsigned distinct_regions(void *const *p, int n, uintptr_t region_size)
{
    static uintptr_t seen[64];
    unsigned count = 0;
    for (int i = 0; i < n; i++) {
        uintptr_t base = (uintptr_t)p[i] & ~(region_size - 1);
        unsigned j = 0;
        while (j < count && seen[j] != base)
            j++;
        if (j == count && count < 64)
            seen[count++] = base;
    }
    return count;
}

static void shuffle(int *order, int n)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(guest_rand(&rng) % (uint64_t)(i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* Enough 1000-byte and 15000-byte blocks for several tiny and small regions, then all
 * freed in a random order: the emptied regions go back to the kernel. */
static void many_regions(void)
{
    enum { N = 1600 };
    static void *tinies[N], *smalls[N];
    static int order[N];
    for (int i = 0; i < N; i++) {
        CHECK(30, (tinies[i] = malloc(1000)) && (smalls[i] = malloc(15000)));
        memset(tinies[i], i, 1000);
        memset(smalls[i], i, 15000);
    }
    CHECK(31, distinct_regions(tinies, N, 1u << 20) >= 2);
    CHECK(32, distinct_regions(smalls, N, 8u << 20) >= 3);
    shuffle(order, N);
    for (int i = 0; i < N; i++) {
        unsigned char *t = tinies[order[i]], *s = smalls[order[i]];
        CHECK(33, t[999] == (unsigned char)order[i] && s[14999] == (unsigned char)order[i]);
        free(t);
        free(s);
    }
}

static void free_all_shuffled(void)
{
    static int order[SLOTS];
    shuffle(order, SLOTS);
    for (int i = 0; i < SLOTS; i++)
        if (slots[order[i]].p)
            release(&slots[order[i]]);
}

static int misuse(const char *how)
{
    char *volatile p = malloc(100);   /* volatile: the compiler may not pair these up */
    if (!strcmp(how, "double")) {
        free(p);
        free(p);
    } else {
        free(p + 16);
    }
    return 1;                      /* not reached: malloc aborts */
}

int main(int argc, char **argv)
{
    if (argc > 1)
        return misuse(argv[1]);
    static const size_t warm[] = { 1, 2000, 100000 };   /* tiny, small, large */
    for (int i = 0; i < 3; i++) {   /* the racks' first regions and the large table */
        void *volatile p = malloc(warm[i]);
        free(p);
    }
    uint64_t before = virtual_size();

    for (int round = 0; round < ROUNDS; round++) {
        struct slot *s = &slots[guest_rand(&rng) % SLOTS];
        uint64_t what = guest_rand(&rng) % 4;
        if (!s->p)
            allocate(s);
        else if (what == 0)
            resize(s);
        else if (what == 1)
            release(s);
        else
            check(s, s->size);
    }
    unsigned peak_slots = 0;
    for (int i = 0; i < SLOTS; i++)
        peak_slots += slots[i].p != NULL;
    free_all_shuffled();
    many_regions();
    CHECK(21, malloc_size(slots[0].p) == 0);
    uint64_t after = virtual_size();
    if (after != before)
        fprintf(stderr, "virtual size: %llu before, %llu after\n", (unsigned long long)before,
                (unsigned long long)after);
    CHECK(22, after == before);
    CHECK(23, malloc_good_size(1) == 16 && malloc_good_size(1009) == 1024 &&
              malloc_good_size(20000) == 32768);

    printf("malloc: %u mallocs, %u callocs, %u reallocs, %u frees; sizes: %u tiny, %u small, "
           "%u large; %u blocks live at the end, all freed; patterns intact; "
           "every region returned\n", count.mallocs, count.callocs, count.reallocs, count.frees,
           count.tiny, count.small, count.large, peak_slots);
    return 0;
}
