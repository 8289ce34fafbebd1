/* The printf engine: formats into a sink, which stdio.c and the string functions
 * provide. Private to the libc. */
#ifndef LIBC_FORMAT_H
#define LIBC_FORMAT_H

#include <stdarg.h>
#include <stddef.h>

struct sink {
    void (*put)(struct sink *s, const char *p, size_t n);
    size_t count;                  /* bytes produced so far (what printf returns) */
};

int __format(struct sink *s, const char *fmt, va_list ap);

#endif
