/* fuzz_gdb_packet — the GDB remote protocol reader and its helpers (tools/gdb_packet.c):
 * the input is what gdb sends, byte by byte. Every packet that comes out must be framed
 * again (gdbp_frame) into bytes that read back as the same payload; the hex helpers
 * get each payload as the stub hands it to them, a string of exactly its length. */
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/support.h"
#include "tools/gdb_packet.h"

static struct gdbp_reader rd, again;

static void reframe(const char *payload, size_t len)
{
    size_t cap = 2 * len + 4;
    char *f = malloc(cap);
    FZ_CHECK(f);
    int n = gdbp_frame(payload, len, f, cap);
    FZ_CHECK(n >= 4);
    gdbp_reader_init(&again);
    for (int i = 0; i < n - 1; i++)
        FZ_CHECK(gdbp_feed(&again, (uint8_t)f[i]) == GDBP_NONE);
    FZ_CHECK(gdbp_feed(&again, (uint8_t)f[n - 1]) == GDBP_PACKET);
    FZ_CHECK(again.len == len && !memcmp(again.buf, payload, len));
    FZ_CHECK(gdbp_frame(payload, len, f, (size_t)n - 1) == -1);
    free(f);
}

/* As the stub does with a payload: numbers, register values, hex data. */
static void helpers(const char *payload, size_t len)
{
    char *p = malloc(len + 1);
    FZ_CHECK(p);
    memcpy(p, payload, len + 1);
    const char *s = p;
    uint64_t v;
    if (gdbp_parse_hex(&s, &v))
        FZ_CHECK(s > p && s <= p + len);
    gdbp_parse_hex_le(p, 4, &v);
    gdbp_parse_hex_le(p, 8, &v);
    uint8_t *bytes = malloc(len / 2 + 1);
    FZ_CHECK(bytes);
    if (gdbp_hex_decode(p, len & ~(size_t)1, bytes) == 0) {
        char *hex = malloc(len + 1);
        FZ_CHECK(hex);
        gdbp_hex_encode(bytes, len / 2, hex);
        FZ_CHECK(strlen(hex) == (len & ~(size_t)1));
        free(hex);
    }
    gdbp_hex_decode(p, 16, bytes);
    free(bytes);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gdbp_reader_init(&rd);
    for (size_t i = 0; i < size; i++) {
        enum gdbp_item it = gdbp_feed(&rd, data[i]);
        FZ_CHECK(rd.len <= GDBP_MAX);
        if (it != GDBP_PACKET)
            continue;
        FZ_CHECK(rd.buf[rd.len] == 0);
        reframe(rd.buf, rd.len);
        helpers(rd.buf, rd.len);
    }
    return 0;
}
