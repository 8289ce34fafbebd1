/* tools/gdb_packet.c — GDB remote protocol framing (see gdb_packet.h). */
#include <string.h>
#include "tools/gdb_packet.h"

enum { ST_IDLE, ST_DATA, ST_RLE, ST_CS1, ST_CS2 };

void gdbp_reader_init(struct gdbp_reader *r)
{
    memset(r, 0, sizeof *r);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void put(struct gdbp_reader *r, char c)
{
    if (r->len < GDBP_MAX)
        r->buf[r->len++] = c;
    else
        r->overflow = true;
}

/* Run-length: the byte before '*' repeated (count char - 29) more times. */
static void repeat_last(struct gdbp_reader *r, uint8_t count)
{
    if (r->len == 0 || count < 29 + 3)
        return;                    /* malformed; the checksum decides */
    char last = r->buf[r->len - 1];
    for (int i = 0; i < count - 29; i++)
        put(r, last);
}

static enum gdbp_item data_byte(struct gdbp_reader *r, uint8_t c)
{
    if (c == '#' && !r->escape) {
        r->state = ST_CS1;
        return GDBP_NONE;
    }
    r->sum += c;
    if (r->state == ST_RLE) {          /* the count byte after '*' */
        r->state = ST_DATA;
        repeat_last(r, c);
    } else if (r->escape) {
        r->escape = false;
        put(r, (char)(c ^ 0x20));
    } else if (c == '}') {
        r->escape = true;
    } else if (c == '*') {
        r->state = ST_RLE;
    } else {
        put(r, (char)c);
    }
    return GDBP_NONE;
}

enum gdbp_item gdbp_feed(struct gdbp_reader *r, uint8_t c)
{
    switch (r->state) {
    case ST_IDLE:
        if (c == '$') {
            r->state = ST_DATA;
            r->len = 0;
            r->sum = 0;
            r->escape = r->overflow = false;
            return GDBP_NONE;
        }
        return c == '+' ? GDBP_ACK : c == '-' ? GDBP_NACK : c == 0x03 ? GDBP_INTERRUPT : GDBP_NONE;
    case ST_CS1:
        r->cs[0] = (char)c;
        r->state = ST_CS2;
        return GDBP_NONE;
    case ST_CS2: {
        r->state = ST_IDLE;
        int hi = hexval(r->cs[0]), lo = hexval(c);
        r->buf[r->len] = 0;
        if (hi < 0 || lo < 0 || (uint8_t)(hi << 4 | lo) != r->sum)
            return GDBP_BAD_CHECKSUM;
        return r->overflow ? GDBP_OVERFLOW : GDBP_PACKET;
    }
    default:
        return data_byte(r, c);
    }
}

uint8_t gdbp_checksum(const void *p, size_t n)
{
    uint8_t s = 0;
    for (size_t i = 0; i < n; i++)
        s += ((const uint8_t *)p)[i];
    return s;
}

int gdbp_frame(const void *payload, size_t len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = payload;
    size_t o = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return -1;
    out[o++] = '$';
    for (size_t i = 0; i < len; i++) {
        bool esc = p[i] == '$' || p[i] == '#' || p[i] == '}' || p[i] == '*';
        if (o + (esc ? 2 : 1) + 3 > cap)
            return -1;
        if (esc) {
            out[o++] = '}';
            sum += '}';
        }
        uint8_t c = esc ? p[i] ^ 0x20 : p[i];
        out[o++] = (char)c;
        sum += c;
    }
    out[o++] = '#';
    out[o++] = hex[sum >> 4];
    out[o++] = hex[sum & 15];
    return (int)o;
}

void gdbp_hex_encode(const void *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        uint8_t b = ((const uint8_t *)in)[i];
        out[2 * i] = hex[b >> 4];
        out[2 * i + 1] = hex[b & 15];
    }
    out[2 * n] = 0;
}

int gdbp_hex_decode(const char *in, size_t nchars, void *out)
{
    if (nchars % 2)
        return -1;
    for (size_t i = 0; i < nchars; i += 2) {
        /* A short string ends at a bad digit, its NUL: read nothing after that. */
        int hi = hexval(in[i]), lo = hi < 0 ? -1 : hexval(in[i + 1]);
        if (lo < 0)
            return -1;
        ((uint8_t *)out)[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

bool gdbp_parse_hex(const char **s, uint64_t *v)
{
    const char *p = *s;
    uint64_t x = 0;
    int d;
    while ((d = hexval(*p)) >= 0) {
        if (x >> 60)
            return false;
        x = x << 4 | (uint64_t)d;
        p++;
    }
    if (p == *s)
        return false;
    *v = x;
    *s = p;
    return true;
}

void gdbp_hex_le(uint64_t v, int bytes, char *out)
{
    uint8_t b[8];
    for (int i = 0; i < bytes; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    gdbp_hex_encode(b, (size_t)bytes, out);
}

int gdbp_parse_hex_le(const char *in, int bytes, uint64_t *v)
{
    uint8_t b[8];
    if (bytes > 8 || gdbp_hex_decode(in, (size_t)bytes * 2, b) < 0)
        return -1;
    *v = 0;
    for (int i = 0; i < bytes; i++)
        *v |= (uint64_t)b[i] << (8 * i);
    return 0;
}
