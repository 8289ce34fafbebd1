/* pie: a position-independent Mach-O, slid by the loader, its rebases applied:
 * pointers in data (strings, functions, a nested structure, a pointer to data) all
 * point at the slid image. The slide goes to stderr (it depends on --seed).
 * nopie.c is the same program linked with -no_pie: no slide. */
#include "guest_test.h"

#define LINK_ADDRESS 0x100000000ull
#define MH_MAGIC_64 0xfeedfacfu

int main(void);

/* The Mach-O header starts __TEXT: the first 16 KB page at or below main that holds
 * MH_MAGIC_64. (ld64.lld 14 gets _mh_execute_header wrong in -no_pie links.) */
static const uint32_t *image_header(void)
{
    uintptr_t page = (uintptr_t)&main & ~(uintptr_t)16383;
    while (*(const uint32_t *)page != MH_MAGIC_64)
        page -= 16384;
    return (const uint32_t *)page;
}

static int add(int a, int b) { return a + b; }
static int sub(int a, int b) { return a - b; }
static int mul(int a, int b) { return a * b; }

static const char *const names[] = { "add", "sub", "mul" };
static int (*const ops[])(int, int) = { add, sub, mul };
static int counter = 5;
static int *const counter_ptr = &counter;
static const struct { const char *label; int (*op)(int, int); const int *value; } table[] = {
    { "seven plus", add, &counter }, { "seven times", mul, &counter },
};

int main(void)
{
    const uint32_t *header = image_header();
    uint64_t slide = (uint64_t)(uintptr_t)header - LINK_ADDRESS;
    fprintf(stderr, "slide 0x%llx\n", (unsigned long long)slide);
#ifdef NO_PIE
    CHECK(10, slide == 0);
    printf("no_pie: loaded at its link address, no slide\n");
#else
    CHECK(11, slide != 0 && slide % 16384 == 0 && slide < (1ull << 30));
    printf("pie: slid by a nonzero multiple of 16 KB below 1 GB\n");
#endif
    for (int i = 0; i < 3; i++)
        printf("%s(6, 3) = %d\n", names[i], ops[i](6, 3));
    *counter_ptr += 2;
    for (int i = 0; i < 2; i++)
        printf("%s %d = %d\n", table[i].label, *table[i].value, table[i].op(7, *table[i].value));
    CHECK(12, (uintptr_t)names[0] > (uintptr_t)header && header[1] == 0x0100000c /* arm64 */);
    return 0;
}
