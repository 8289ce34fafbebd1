/* printf conversions: %d %i %u %x %X %o %p %s %c %%, the hh h l ll z j t length
 * modifiers, width and precision (also as *), and the - 0 + space # flags. */
#include <stdint.h>
#include <string.h>
#include "format.h"

enum { F_LEFT = 1, F_ZERO = 2, F_PLUS = 4, F_SPACE = 8, F_ALT = 16 };
enum length { L_INT, L_CHAR, L_SHORT, L_LONG, L_LLONG, L_SIZE };

struct spec {
    int flags, width, precision;   /* precision -1: none */
    enum length length;
    char conv;
};

static void emit(struct sink *s, const char *p, size_t n)
{
    if (n) {
        s->put(s, p, n);
        s->count += n;
    }
}

static void pad(struct sink *s, char c, int n)
{
    char buf[32];
    memset(buf, c, sizeof buf);
    for (; n > 0; n -= (int)sizeof buf)
        emit(s, buf, n < (int)sizeof buf ? (size_t)n : sizeof buf);
}

static const char *parse_flags(const char *f, struct spec *sp)
{
    for (;; f++) {
        switch (*f) {
        case '-': sp->flags |= F_LEFT; break;
        case '0': sp->flags |= F_ZERO; break;
        case '+': sp->flags |= F_PLUS; break;
        case ' ': sp->flags |= F_SPACE; break;
        case '#': sp->flags |= F_ALT; break;
        default: return f;
        }
    }
}

static const char *parse_number(const char *f, int *out, va_list *ap)
{
    if (*f == '*') {
        *out = va_arg(*ap, int);
        return f + 1;
    }
    int v = 0;
    while (*f >= '0' && *f <= '9')
        v = v * 10 + (*f++ - '0');
    *out = v;
    return f;
}

static const char *parse_length(const char *f, struct spec *sp)
{
    switch (*f) {
    case 'h':
        sp->length = f[1] == 'h' ? L_CHAR : L_SHORT;
        return f + (f[1] == 'h' ? 2 : 1);
    case 'l':
        sp->length = f[1] == 'l' ? L_LLONG : L_LONG;
        return f + (f[1] == 'l' ? 2 : 1);
    case 'z': case 'j': case 't':
        sp->length = L_SIZE;
        return f + 1;
    default:
        return f;
    }
}

/* Reads one conversion specification after the '%'; returns what follows it. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
    *sp = (struct spec){ .precision = -1 };
    f = parse_flags(f, sp);
    f = parse_number(f, &sp->width, ap);
    if (sp->width < 0) {               /* a negative * width means '-' */
        sp->flags |= F_LEFT;
        sp->width = -sp->width;
    }
    if (*f == '.') {
        f = parse_number(f + 1, &sp->precision, ap);
        if (sp->precision < 0)
            sp->precision = -1;
    }
    f = parse_length(f, sp);
    sp->conv = *f;
    return *f ? f + 1 : f;
}

static int64_t signed_arg(enum length len, va_list *ap)
{
    switch (len) {
    case L_CHAR: return (signed char)va_arg(*ap, int);
    case L_SHORT: return (short)va_arg(*ap, int);
    case L_LONG: case L_LLONG: case L_SIZE: return va_arg(*ap, long long);
    default: return va_arg(*ap, int);
    }
}

static uint64_t unsigned_arg(enum length len, va_list *ap)
{
    switch (len) {
    case L_CHAR: return (unsigned char)va_arg(*ap, unsigned);
    case L_SHORT: return (unsigned short)va_arg(*ap, unsigned);
    case L_LONG: case L_LLONG: case L_SIZE: return va_arg(*ap, unsigned long long);
    default: return va_arg(*ap, unsigned);
    }
}

/* Digits of v in base (most significant first) into the end of buf; returns the start. */
static char *digits(char *end, uint64_t v, unsigned base, int upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = end;
    while (v) {
        *--p = set[v % base];
        v /= base;
    }
    return p;
}

/* prefix (sign, 0x), zeros to the precision, the digits; padded to the width. */
static void put_number(struct sink *s, const struct spec *sp, const char *prefix,
                       const char *num, int ndigits)
{
    int plen = (int)strlen(prefix);
    int zeros = sp->precision > ndigits ? sp->precision - ndigits : 0;
    int body = plen + zeros + ndigits;
    int fill = sp->width > body ? sp->width - body : 0;
    if ((sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->precision < 0) {
        zeros += fill;
        fill = 0;
    }
    if (!(sp->flags & F_LEFT))
        pad(s, ' ', fill);
    emit(s, prefix, (size_t)plen);
    pad(s, '0', zeros);
    emit(s, num, (size_t)ndigits);
    if (sp->flags & F_LEFT)
        pad(s, ' ', fill);
}

static void format_integer(struct sink *s, const struct spec *sp, va_list *ap)
{
    char buf[32], *end = buf + sizeof buf;
    const char *prefix = "";
    uint64_t v;
    unsigned base = sp->conv == 'o' ? 8 : sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p' ? 16 : 10;
    if (sp->conv == 'd' || sp->conv == 'i') {
        int64_t sv = signed_arg(sp->length, ap);
        v = sv < 0 ? 0 - (uint64_t)sv : (uint64_t)sv;
        prefix = sv < 0 ? "-" : sp->flags & F_PLUS ? "+" : sp->flags & F_SPACE ? " " : "";
    } else if (sp->conv == 'p') {
        v = (uint64_t)(uintptr_t)va_arg(*ap, void *);
        prefix = "0x";
    } else {
        v = unsigned_arg(sp->length, ap);
        if ((sp->flags & F_ALT) && v && base == 16)
            prefix = sp->conv == 'X' ? "0X" : "0x";
    }
    char *p = digits(end, v, base, sp->conv == 'X');
    if (v == 0 && sp->precision != 0)
        *--p = '0';                        /* zero prints one digit unless precision is 0 */
    if (sp->conv == 'o' && (sp->flags & F_ALT) && (p == end || *p != '0') &&
        sp->precision <= end - p)
        *--p = '0';                        /* # makes octal start with 0 */
    put_number(s, sp, prefix, p, (int)(end - p));
}

static void format_text(struct sink *s, const struct spec *sp, const char *text, size_t n)
{
    int fill = sp->width > (int)n ? sp->width - (int)n : 0;
    if (!(sp->flags & F_LEFT))
        pad(s, ' ', fill);
    emit(s, text, n);
    if (sp->flags & F_LEFT)
        pad(s, ' ', fill);
}

static void format_one(struct sink *s, const struct spec *sp, va_list *ap)
{
    switch (sp->conv) {
    case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'p':
        format_integer(s, sp, ap);
        return;
    case 'c': {
        char c = (char)va_arg(*ap, int);
        format_text(s, sp, &c, 1);
        return;
    }
    case 's': {
        const char *str = va_arg(*ap, const char *);
        if (!str)
            str = "(null)";
        format_text(s, sp, str, sp->precision >= 0 ? strnlen(str, (size_t)sp->precision) : strlen(str));
        return;
    }
    case '%':
        emit(s, "%", 1);
        return;
    default:                               /* unknown: printed as written */
        emit(s, "%", 1);
        if (sp->conv)
            emit(s, &sp->conv, 1);
    }
}

int __format(struct sink *s, const char *fmt, va_list ap)
{
    va_list args;
    va_copy(args, ap);
    while (*fmt) {
        const char *pct = strchr(fmt, '%');
        size_t n = pct ? (size_t)(pct - fmt) : strlen(fmt);
        emit(s, fmt, n);
        if (!pct)
            break;
        struct spec sp;
        fmt = parse_spec(pct + 1, &sp, &args);
        format_one(s, &sp, &args);
    }
    va_end(args);
    return s->count > 0x7fffffff ? -1 : (int)s->count;
}
