/* bench_raw: the four guests of the CPU-speed comparison (benchmark only), with no libc,
 * so that the same binary runs under machemu, qemu-aarch64 and a bare Unicorn
 * (tests/bench/raw_unicorn.c), which knows only write and exit.
 * Usage: bench_raw loop N | mem N | chase N | sort N
 *   loop   N million iterations of an integer loop (adds, xors, shifts, a branch)
 *   mem    N passes of an 8 MB memset and an 8 MB memcpy (16-byte stores and loads)
 *   chase  N million loads of a random cyclic pointer chase over 64 MB
 *   sort   N heapsorts of 2M pseudo-random ints
 * Prints one line with a checksum that depends on the mode and N only. Its buffers are
 * in .bss (80 MB), so its memory is known before it starts. */
#include <stddef.h>
#include <stdint.h>

#define MEM_BYTES   (8u << 20)
#define CHASE_BYTES (64u << 20)
#define SORT_INTS   (2u << 20)

static uint64_t chase[CHASE_BYTES / 8];
static uint8_t mem_a[MEM_BYTES] __attribute__((aligned(64)));
static uint8_t mem_b[MEM_BYTES] __attribute__((aligned(64)));
static uint32_t ints[SORT_INTS];

static long sys3(long nr, long a, long b, long c)
{
    register long x8 __asm__("x8") = nr, x0 __asm__("x0") = a, x1 __asm__("x1") = b,
                  x2 __asm__("x2") = c;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
    return x0;
}

static __attribute__((noreturn)) void sys_exit(int status)
{
    for (;;)
        sys3(93, status, 0, 0);
}

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void say(const char *s) { sys3(64, 1, (long)s, (long)length(s)); }

static void say_hex(uint64_t v)
{
    char b[19] = "0x";
    for (int i = 0; i < 16; i++)
        b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
    b[18] = 0;
    say(b);
}

static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static long number(const char *s)
{
    long n = 0;
    while (*s >= '0' && *s <= '9')
        n = n * 10 + (*s++ - '0');
    return n;
}

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static uint64_t run_loop(long n)
{
    uint64_t a = 1, b = 2;
    for (long i = 0; i < n * 1000000; i++) {
        a += b ^ (uint64_t)i;
        b = (b << 1 | b >> 63) + (a & 7 ? 3 : 5);
    }
    return a ^ b;
}

/* 16 bytes a step, as a libc's plain loop would; volatile so the compiler keeps them. */
static void fill(uint8_t *d, uint8_t v, size_t n)
{
    uint64_t w = 0x0101010101010101ull * v;
    for (size_t i = 0; i < n; i += 16) {
        ((volatile uint64_t *)(d + i))[0] = w;
        ((volatile uint64_t *)(d + i))[1] = w;
    }
}

static void copy(uint8_t *d, const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        uint64_t x = ((const volatile uint64_t *)(s + i))[0];
        uint64_t y = ((const volatile uint64_t *)(s + i))[1];
        ((volatile uint64_t *)(d + i))[0] = x;
        ((volatile uint64_t *)(d + i))[1] = y;
    }
}

static uint64_t run_mem(long n)
{
    uint64_t sum = 0;
    for (long i = 0; i < n; i++) {
        fill(mem_a, (uint8_t)(i + 1), MEM_BYTES);
        copy(mem_b, mem_a, MEM_BYTES);
        sum += mem_b[(size_t)i * 4099 % MEM_BYTES];
    }
    return sum;
}

/* One cycle through every slot in a random order (Sattolo's shuffle), then N million
 * dependent loads along it. */
static uint64_t run_chase(long n)
{
    size_t slots = CHASE_BYTES / 8;
    uint64_t seed = 88172645463325252ull;
    for (size_t i = 0; i < slots; i++)
        chase[i] = i;
    for (size_t i = slots - 1; i > 0; i--) {
        size_t j = next_random(&seed) % i;
        uint64_t t = chase[i];
        chase[i] = chase[j];
        chase[j] = t;
    }
    uint64_t at = 0, sum = 0;
    for (long i = 0; i < n * 1000000; i++) {
        at = chase[at];
        sum += at;
    }
    return sum;
}

static void sift_down(uint32_t *a, size_t root, size_t n)
{
    for (size_t child; (child = 2 * root + 1) < n; root = child) {
        if (child + 1 < n && a[child + 1] > a[child])
            child++;
        if (a[root] >= a[child])
            return;
        uint32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
    }
}

static uint64_t run_sort(long n)
{
    uint64_t seed = 2463534242ull, sum = 0;
    for (long r = 0; r < n; r++) {
        for (size_t i = 0; i < SORT_INTS; i++)
            ints[i] = (uint32_t)next_random(&seed);
        for (size_t i = SORT_INTS / 2; i-- > 0;)
            sift_down(ints, i, SORT_INTS);
        for (size_t end = SORT_INTS - 1; end > 0; end--) {
            uint32_t t = ints[0];
            ints[0] = ints[end];
            ints[end] = t;
            sift_down(ints, 0, end);
        }
        for (size_t i = 1; i < SORT_INTS; i++)
            if (ints[i - 1] > ints[i])
                sys_exit(3);
        sum += ints[SORT_INTS / 2];
    }
    return sum;
}

__attribute__((used)) static void start_c(uint64_t *sp)
{
    long argc = (long)sp[0];
    char **argv = (char **)(sp + 1);
    if (argc != 3) {
        say("usage: bench_raw loop|mem|chase|sort N\n");
        sys_exit(2);
    }
    long n = number(argv[2]);
    uint64_t v;
    if (same(argv[1], "loop"))
        v = run_loop(n);
    else if (same(argv[1], "mem"))
        v = run_mem(n);
    else if (same(argv[1], "chase"))
        v = run_chase(n);
    else if (same(argv[1], "sort"))
        v = run_sort(n);
    else
        sys_exit(2);
    say(argv[1]);
    say(": ");
    say_hex(v);
    say("\n");
    sys_exit(0);
}

/* The entry point: the stack holds argc, then argv. */
__asm__(".globl _start\n"
        "_start:\n"
        "  mov x0, sp\n"
        "  bl start_c\n");
