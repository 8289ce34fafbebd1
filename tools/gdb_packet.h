/* tools/gdb_packet.h — the GDB remote serial protocol's framing, with no I/O.
 *
 * A packet is "$payload#cc" (cc: the payload's byte sum mod 256 in two hex digits);
 * '}' escapes the next byte (xor 0x20) and "X*n" repeats X n-29 more times. Between
 * packets the peer sends '+' / '-' acknowledgements and 0x03 to interrupt. */
#ifndef TOOLS_GDB_PACKET_H
#define TOOLS_GDB_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDBP_MAX 16384             /* largest payload accepted (and advertised) */

enum gdbp_item {
    GDBP_NONE,                     /* need more bytes */
    GDBP_PACKET,                   /* a checked packet: payload in buf[0..len) (NUL-ended) */
    GDBP_BAD_CHECKSUM,             /* a packet arrived damaged: answer '-' */
    GDBP_ACK,
    GDBP_NACK,
    GDBP_INTERRUPT,
    GDBP_OVERFLOW,                 /* payload longer than GDBP_MAX: dropped */
};

struct gdbp_reader {
    char buf[GDBP_MAX + 1];
    size_t len;
    int state;
    uint8_t sum;
    char cs[2];
    bool escape, overflow;
};

void gdbp_reader_init(struct gdbp_reader *r);
enum gdbp_item gdbp_feed(struct gdbp_reader *r, uint8_t c);

uint8_t gdbp_checksum(const void *p, size_t n);
/* "$escaped-payload#cc" into out; its length, or -1 if cap is too small. */
int gdbp_frame(const void *payload, size_t len, char *out, size_t cap);

/* Two lowercase hex digits per byte, NUL-terminated (out holds 2n+1). */
void gdbp_hex_encode(const void *in, size_t n, char *out);
/* nchars hex digits (even) into nchars/2 bytes; -1 on a bad digit or odd count. A
 * string shorter than nchars gives -1 and is not read past its NUL. */
int gdbp_hex_decode(const char *in, size_t nchars, void *out);
/* A hex number at *s, advancing *s; false if there is no digit or it overflows. */
bool gdbp_parse_hex(const char **s, uint64_t *v);
/* Little-endian value of `bytes` bytes as hex (register encoding); out holds 2*bytes+1. */
void gdbp_hex_le(uint64_t v, int bytes, char *out);
/* The reverse: -1 on bad input. */
int gdbp_parse_hex_le(const char *in, int bytes, uint64_t *v);

#endif
