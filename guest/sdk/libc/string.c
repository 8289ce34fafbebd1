/* string.h: byte-at-a-time, except memcpy/memset on aligned words. Built with
 * -ffreestanding so the compiler does not turn these loops into calls to themselves. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int word_aligned(const void *a, const void *b, size_t n)
{
    return n >= 16 && (((uintptr_t)a | (uintptr_t)b) & 7) == 0;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (word_aligned(d, s, n)) {
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(uint64_t *)(void *)d = *(const uint64_t *)(const void *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d <= s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *b, int c, size_t n)
{
    unsigned char *p = b;
    if (word_aligned(p, p, n)) {
        uint64_t w = (unsigned char)c * 0x0101010101010101ull;
        for (; n >= 8; n -= 8, p += 8)
            *(uint64_t *)(void *)p = w;
    }
    while (n--)
        *p++ = (unsigned char)c;
    return b;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    for (const unsigned char *p = s; n; n--, p++)
        if (*p == (unsigned char)c)
            return (void *)p;
    return NULL;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t maxlen)
{
    size_t n = 0;
    while (n < maxlen && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++)
        if (*a != *b || !*a)
            return (unsigned char)*a - (unsigned char)*b;
    return 0;
}

char *strcpy(char *restrict dst, const char *restrict src)
{
    char *d = dst;
    while ((*d++ = *src++))
        ;
    return dst;
}

/* Copies at most n bytes and pads with NULs to n, as C specifies. */
char *strncpy(char *restrict dst, const char *restrict src, size_t n)
{
    size_t i = 0;
    for (; i < n && src[i]; i++)
        dst[i] = src[i];
    for (; i < n; i++)
        dst[i] = 0;
    return dst;
}

char *strcat(char *restrict dst, const char *restrict src)
{
    strcpy(dst + strlen(dst), src);
    return dst;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

char *strrchr(const char *s, int c)
{
    const char *last = NULL;
    for (;; s++) {
        if (*s == (char)c)
            last = s;
        if (!*s)
            return (char *)last;
    }
}

char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (; *haystack; haystack++)
        if (!strncmp(haystack, needle, n))
            return (char *)haystack;
    return n ? NULL : (char *)haystack;
}

char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    return p ? memcpy(p, s, n) : NULL;
}

static const struct { int num; const char *text; } messages[] = {
    { EPERM, "Operation not permitted" }, { ENOENT, "No such file or directory" },
    { ESRCH, "No such process" }, { EINTR, "Interrupted system call" },
    { EIO, "Input/output error" }, { E2BIG, "Argument list too long" },
    { ENOEXEC, "Exec format error" }, { EBADF, "Bad file descriptor" },
    { ECHILD, "No child processes" }, { ENOMEM, "Cannot allocate memory" },
    { EACCES, "Permission denied" }, { EFAULT, "Bad address" }, { EEXIST, "File exists" },
    { ENOTDIR, "Not a directory" }, { EISDIR, "Is a directory" },
    { EINVAL, "Invalid argument" }, { EMFILE, "Too many open files" },
    { ENOTTY, "Inappropriate ioctl for device" }, { ENOSPC, "No space left on device" },
    { ESPIPE, "Illegal seek" }, { EPIPE, "Broken pipe" }, { ERANGE, "Result too large" },
    { EAGAIN, "Resource temporarily unavailable" }, { ENOTSUP, "Operation not supported" },
    { ENAMETOOLONG, "File name too long" }, { ENOSYS, "Function not implemented" },
};

char *strerror(int errnum)
{
    static char unknown[32] = "Unknown error: ";
    for (size_t i = 0; i < sizeof messages / sizeof *messages; i++)
        if (messages[i].num == errnum)
            return (char *)messages[i].text;
    char digits[12], *p = digits + sizeof digits;
    unsigned v = errnum < 0 ? -(unsigned)errnum : (unsigned)errnum;
    *--p = 0;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    if (errnum < 0)
        *--p = '-';
    strcpy(unknown + 15, p);
    return unknown;
}
