/* stdio: three streams on file descriptors 0-2. stdout is line buffered on a
 * character device (a terminal) and fully buffered otherwise, stderr unbuffered, as
 * on Darwin; exit() flushes. Also the string printf family. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "format.h"
#include "syscall.h"

struct __sFILE {
    int fd;
    int mode;                      /* _IOFBF, _IOLBF, _IONBF; -1: decide on first write */
    int error, eof;
    size_t len;                    /* bytes waiting in buf */
    char buf[4096];
};

static FILE streams[3] = {
    { .fd = 0, .mode = _IONBF }, { .fd = 1, .mode = -1 }, { .fd = 2, .mode = _IONBF },
};
FILE *__stdinp = &streams[0], *__stdoutp = &streams[1], *__stderrp = &streams[2];

static int write_all(FILE *f, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            f->error = 1;
            return EOF;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int fflush(FILE *f)
{
    if (!f) {
        __stdio_flush_all();
        return 0;
    }
    size_t n = f->len;
    f->len = 0;
    return write_all(f, f->buf, n);
}

void __stdio_flush_all(void)
{
    fflush(stdout);
    fflush(stderr);
}

int setvbuf(FILE *restrict f, char *restrict buf, int mode, size_t size)
{
    (void)buf;
    (void)size;
    if (mode != _IOFBF && mode != _IOLBF && mode != _IONBF)
        return EOF;
    fflush(f);
    f->mode = mode;
    return 0;
}

/* Appends n bytes; flushes when full, or at a newline when line buffered. */
static int put_bytes(FILE *f, const char *p, size_t n)
{
    if (f->mode < 0)
        f->mode = isatty(f->fd) ? _IOLBF : _IOFBF;
    if (f->mode == _IONBF)
        return write_all(f, p, n);
    while (n) {
        size_t room = sizeof f->buf - f->len, k = n < room ? n : room;
        memcpy(f->buf + f->len, p, k);
        f->len += k;
        int newline = f->mode == _IOLBF && memchr(p, '\n', k);
        p += k;
        n -= k;
        if ((f->len == sizeof f->buf || newline) && fflush(f) == EOF)
            return EOF;
    }
    return 0;
}

size_t fwrite(const void *restrict ptr, size_t size, size_t nitems, FILE *restrict f)
{
    if (!size || !nitems)
        return 0;
    return put_bytes(f, ptr, size * nitems) == EOF ? 0 : nitems;
}

int fputc(int c, FILE *f)
{
    char ch = (char)c;
    return put_bytes(f, &ch, 1) == EOF ? EOF : (unsigned char)c;
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }
int fputs(const char *restrict s, FILE *restrict f) { return put_bytes(f, s, strlen(s)) == EOF ? EOF : 0; }
int ferror(FILE *f) { return f->error; }
int feof(FILE *f) { return f->eof; }
int fileno(FILE *f) { return f->fd; }

int puts(const char *s)
{
    return fputs(s, stdout) == EOF || fputc('\n', stdout) == EOF ? EOF : 0;
}

void perror(const char *s)
{
    if (s && *s)
        fprintf(stderr, "%s: %s\n", s, strerror(errno));
    else
        fprintf(stderr, "%s\n", strerror(errno));
}

/* --- printf to a stream ------------------------------------------------------- */

struct stream_sink {
    struct sink sink;
    FILE *f;
    int failed;
};

static void stream_put(struct sink *s, const char *p, size_t n)
{
    struct stream_sink *ss = (struct stream_sink *)s;
    if (put_bytes(ss->f, p, n) == EOF)
        ss->failed = 1;
}

int vfprintf(FILE *restrict f, const char *restrict fmt, va_list ap)
{
    struct stream_sink ss = { { stream_put, 0 }, f, 0 };
    int n = __format(&ss.sink, fmt, ap);
    return ss.failed ? -1 : n;
}

int vprintf(const char *restrict fmt, va_list ap) { return vfprintf(stdout, fmt, ap); }

int fprintf(FILE *restrict f, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(stdout, fmt, ap);
    va_end(ap);
    return n;
}

/* --- printf to a string ------------------------------------------------------- */

struct string_sink {
    struct sink sink;
    char *buf;
    size_t cap;                    /* bytes buf can take, the NUL included */
};

static void string_put(struct sink *s, const char *p, size_t n)
{
    struct string_sink *ss = (struct string_sink *)s;
    size_t at = s->count;
    if (at + 1 < ss->cap)
        memcpy(ss->buf + at, p, at + n + 1 <= ss->cap ? n : ss->cap - 1 - at);
}

int vsnprintf(char *restrict buf, size_t size, const char *restrict fmt, va_list ap)
{
    struct string_sink ss = { { string_put, 0 }, buf, size };
    int n = __format(&ss.sink, fmt, ap);
    if (size)
        buf[ss.sink.count < size ? ss.sink.count : size - 1] = 0;
    return n;
}

int vsprintf(char *restrict buf, const char *restrict fmt, va_list ap)
{
    return vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);
}

int snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int sprintf(char *restrict buf, const char *restrict fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, (size_t)-1 >> 1, fmt, ap);
    va_end(ap);
    return n;
}

/* --- input -------------------------------------------------------------------- */

int fgetc(FILE *f)
{
    unsigned char c;
    if (f == stdin)
        fflush(stdout);            /* a prompt appears before the program waits */
    ssize_t n = read(f->fd, &c, 1);
    if (n == 1)
        return c;
    if (n == 0)
        f->eof = 1;
    else
        f->error = 1;
    return EOF;
}

int getc(FILE *f) { return fgetc(f); }
int getchar(void) { return fgetc(stdin); }

char *fgets(char *restrict s, int size, FILE *restrict f)
{
    int i = 0;
    while (i + 1 < size) {
        int c = fgetc(f);
        if (c == EOF)
            break;
        s[i++] = (char)c;
        if (c == '\n')
            break;
    }
    if (i == 0 || size <= 0)
        return NULL;
    s[i] = 0;
    return s;
}
