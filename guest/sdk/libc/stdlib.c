/* stdlib.h: numbers, the environment, exit and abort. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "syscall.h"

char **environ;

static int digit_value(int c)
{
    if (isdigit(c))
        return c - '0';
    if (isalpha(c))
        return tolower(c) - 'a' + 10;
    return 99;
}

struct parsed {
    unsigned long long value;
    const char *end;               /* past the last digit used */
    int any, overflow;
};

/* The magnitude of the number at s (after sign and prefix) in base; at most limit. */
static struct parsed parse_unsigned(const char *s, int base, unsigned long long limit)
{
    struct parsed r = { 0, s, 0, 0 };
    for (int d; (d = digit_value((unsigned char)*s)) < base; s++) {
        r.any = 1;
        if (r.value > (limit - (unsigned)d) / (unsigned)base)
            r.overflow = 1;
        else
            r.value = r.value * (unsigned)base + (unsigned)d;
    }
    r.end = s;
    if (r.overflow) {
        errno = ERANGE;
        r.value = limit;
    }
    return r;
}

/* Sign, "0x" prefix and base detection; NULL for an unusable base. */
static const char *number_start(const char *s, int *base, int *negative)
{
    if (*base < 0 || *base == 1 || *base > 36) {
        errno = EINVAL;
        return NULL;
    }
    while (isspace((unsigned char)*s))
        s++;
    *negative = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    int hex_prefix = s[0] == '0' && (s[1] | 0x20) == 'x' && isxdigit((unsigned char)s[2]);
    if ((*base == 0 || *base == 16) && hex_prefix) {
        *base = 16;
        return s + 2;
    }
    if (*base == 0)
        *base = s[0] == '0' ? 8 : 10;
    return s;
}

static struct parsed parse(const char *s, char **end, int base, unsigned long long limit,
                           unsigned long long neg_limit, int *negative)
{
    const char *p = number_start(s, &base, negative);
    struct parsed r = { 0, s, 0, 0 };
    if (p)
        r = parse_unsigned(p, base, *negative ? neg_limit : limit);
    if (end)
        *end = (char *)(r.any ? r.end : s);
    return r;
}

static long long to_signed(const char *s, char **end, int base, long long max)
{
    int negative;
    struct parsed r = parse(s, end, base, (unsigned long long)max, (unsigned long long)max + 1,
                            &negative);
    return negative ? (long long)(0 - r.value) : (long long)r.value;
}

/* As C says: a leading '-' negates the unsigned result, unless it overflowed. */
static unsigned long long to_unsigned(const char *s, char **end, int base, unsigned long long max)
{
    int negative;
    struct parsed r = parse(s, end, base, max, max, &negative);
    return negative && !r.overflow ? 0 - r.value : r.value;
}

long strtol(const char *s, char **end, int base) { return (long)to_signed(s, end, base, LONG_MAX); }
long long strtoll(const char *s, char **end, int base) { return to_signed(s, end, base, LLONG_MAX); }
unsigned long strtoul(const char *s, char **end, int base) { return to_unsigned(s, end, base, ULONG_MAX); }
unsigned long long strtoull(const char *s, char **end, int base) { return to_unsigned(s, end, base, ULLONG_MAX); }
int atoi(const char *s) { return (int)strtol(s, NULL, 10); }
long atol(const char *s) { return strtol(s, NULL, 10); }
long long atoll(const char *s) { return strtoll(s, NULL, 10); }
int abs(int j) { return j < 0 ? -j : j; }
long labs(long j) { return j < 0 ? -j : j; }
long long llabs(long long j) { return j < 0 ? -j : j; }

char *getenv(const char *name)
{
    size_t n = strlen(name);
    for (char **e = environ; e && *e; e++)
        if (!strncmp(*e, name, n) && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static uint64_t rand_state = 1;

void srand(unsigned seed) { rand_state = seed; }

int rand(void)
{
    rand_state = rand_state * 6364136223846793005ull + 1442695040888963407ull;
    return (int)(rand_state >> 33);
}

static void swap_bytes(char *a, char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char t = a[i];
        a[i] = b[i];
        b[i] = t;
    }
}

/* Insertion sort: small inputs, no recursion, no allocation. */
void qsort(void *base, size_t nel, size_t width, int (*compar)(const void *, const void *))
{
    char *b = base;
    for (size_t i = 1; i < nel; i++)
        for (size_t j = i; j > 0 && compar(b + (j - 1) * width, b + j * width) > 0; j--)
            swap_bytes(b + (j - 1) * width, b + j * width, width);
}

#define ATEXIT_MAX 32
static void (*atexit_fns[ATEXIT_MAX])(void);
static int atexit_count;

int atexit(void (*func)(void))
{
    if (atexit_count == ATEXIT_MAX)
        return -1;
    atexit_fns[atexit_count++] = func;
    return 0;
}

void exit(int status)
{
    while (atexit_count > 0)
        atexit_fns[--atexit_count]();
    __stdio_flush_all();
    _exit(status);
}

void _Exit(int status) { _exit(status); }

/* As Darwin's: SIGABRT to the process; if that ever returns, a trap. */
void abort(void)
{
    kill(getpid(), SIGABRT);
    __builtin_trap();
}

void __assert_rtn(const char *func, const char *file, int line, const char *expr)
{
    fprintf(stderr, "Assertion failed: (%s), function %s, file %s, line %d.\n", expr, func, file,
            line);
    abort();
}
