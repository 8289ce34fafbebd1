/* Unit tests for tools/gdb_packet.c: framing, checksums, escapes, run-length
 * decoding, acknowledgements and the hex helpers of the GDB remote protocol. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gdb_packet.h"

static struct gdbp_reader rd;

static void setup(void) { gdbp_reader_init(&rd); }

/* Feeds a string; returns the last item that was not GDBP_NONE. */
static enum gdbp_item feed(const char *s)
{
    enum gdbp_item last = GDBP_NONE;
    for (; *s; s++) {
        enum gdbp_item it = gdbp_feed(&rd, (uint8_t)*s);
        if (it != GDBP_NONE)
            last = it;
    }
    return last;
}

START_TEST(checksum_of_known_packets)
{
    ck_assert_uint_eq(gdbp_checksum("OK", 2), 0x9a);
    ck_assert_uint_eq(gdbp_checksum("g", 1), 0x67);
    ck_assert_uint_eq(gdbp_checksum("", 0), 0);
}
END_TEST

START_TEST(frame_plain_and_escaped)
{
    char out[64];
    int n = gdbp_frame("OK", 2, out, sizeof out);
    ck_assert_int_eq(n, 6);
    ck_assert_mem_eq(out, "$OK#9a", 6);
    /* '$', '#', '}' and '*' travel as '}' then the byte xor 0x20. */
    n = gdbp_frame("a#b", 3, out, sizeof out);
    ck_assert_int_eq(n, 8);
    ck_assert_mem_eq(out, "$a}\x03" "b#", 6);
    ck_assert_int_eq(gdbp_frame("OK", 2, out, 5), -1);   /* no room */
}
END_TEST

START_TEST(round_trip_every_byte)
{
    char payload[256], framed[1024];
    for (int i = 0; i < 256; i++)
        payload[i] = (char)i;
    int n = gdbp_frame(payload, sizeof payload, framed, sizeof framed);
    ck_assert_int_gt(n, 0);
    enum gdbp_item last = GDBP_NONE;
    for (int i = 0; i < n; i++) {
        enum gdbp_item it = gdbp_feed(&rd, (uint8_t)framed[i]);
        if (it != GDBP_NONE)
            last = it;
    }
    ck_assert_int_eq(last, GDBP_PACKET);
    ck_assert_uint_eq(rd.len, 256);
    ck_assert_mem_eq(rd.buf, payload, 256);
}
END_TEST

START_TEST(reader_accepts_and_rejects)
{
    ck_assert_int_eq(feed("$qSupported:multiprocess+#c6"), GDBP_PACKET);
    ck_assert_str_eq(rd.buf, "qSupported:multiprocess+");
    ck_assert_int_eq(feed("$qSupported:multiprocess+#c7"), GDBP_BAD_CHECKSUM);
    ck_assert_int_eq(feed("$g#zz"), GDBP_BAD_CHECKSUM);
    ck_assert_int_eq(feed("+"), GDBP_ACK);
    ck_assert_int_eq(feed("-"), GDBP_NACK);
    ck_assert_int_eq(feed("\x03"), GDBP_INTERRUPT);
    /* Noise between packets is ignored; the next packet still parses. */
    ck_assert_int_eq(feed("xyz$g#67"), GDBP_PACKET);
    ck_assert_str_eq(rd.buf, "g");
}
END_TEST

START_TEST(run_length_decoding)
{
    /* "0* " is '0' plus (' ' - 29) = 3 more: "0000". */
    char pkt[32];
    const char *payload = "0* ";
    snprintf(pkt, sizeof pkt, "$%s#%02x", payload, gdbp_checksum(payload, 3));
    ck_assert_int_eq(feed(pkt), GDBP_PACKET);
    ck_assert_str_eq(rd.buf, "0000");
}
END_TEST

START_TEST(overflow_is_reported)
{
    static char big[GDBP_MAX + 16];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    uint8_t sum = gdbp_checksum(big, strlen(big));
    gdbp_feed(&rd, '$');
    for (size_t i = 0; big[i]; i++)
        gdbp_feed(&rd, (uint8_t)big[i]);
    char tail[4];
    snprintf(tail, sizeof tail, "#%02x", sum);
    ck_assert_int_eq(feed(tail), GDBP_OVERFLOW);
    ck_assert_uint_eq(rd.len, GDBP_MAX);
}
END_TEST

START_TEST(hex_helpers)
{
    char out[32];
    uint8_t b[4];
    uint64_t v;
    gdbp_hex_encode("\x01\xab\xff", 3, out);
    ck_assert_str_eq(out, "01abff");
    ck_assert_int_eq(gdbp_hex_decode("01AbfF", 6, b), 0);
    ck_assert_mem_eq(b, "\x01\xab\xff", 3);
    ck_assert_int_eq(gdbp_hex_decode("0g", 2, b), -1);
    ck_assert_int_eq(gdbp_hex_decode("012", 3, b), -1);

    const char *p = "400530,4:rest";
    ck_assert(gdbp_parse_hex(&p, &v));
    ck_assert_uint_eq(v, 0x400530);
    ck_assert_str_eq(p, ",4:rest");
    p = ",";
    ck_assert(!gdbp_parse_hex(&p, &v));
    p = "11112222333344445";                       /* 17 digits: too big */
    ck_assert(!gdbp_parse_hex(&p, &v));

    gdbp_hex_le(0x0000000000400530ull, 8, out);    /* registers are little-endian */
    ck_assert_str_eq(out, "3005400000000000");
    ck_assert_int_eq(gdbp_parse_hex_le(out, 8, &v), 0);
    ck_assert_uint_eq(v, 0x400530);
    gdbp_hex_le(0x60000000, 4, out);
    ck_assert_str_eq(out, "00000060");
}
END_TEST

/* Register and memory packets hand the helpers what is left of the payload, which may
 * be shorter than the digits they want: they stop at its NUL (make asan checks that
 * nothing after it is read: the strings here end where their allocations do). */
START_TEST(hex_helpers_stop_at_the_end)
{
    uint8_t b[8];
    uint64_t v;
    static const char *const shorts[] = { "", "1", "12", "123" };
    for (size_t i = 0; i < sizeof shorts / sizeof *shorts; i++) {
        size_t n = strlen(shorts[i]) + 1;
        char *s = malloc(n);
        ck_assert_ptr_nonnull(s);
        memcpy(s, shorts[i], n);
        ck_assert_int_eq(gdbp_hex_decode(s, 4 + 2 * (n & 1), b), -1);
        ck_assert_int_eq(gdbp_parse_hex_le(s, 4, &v), -1);
        free(s);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gdb_packet");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, checksum_of_known_packets);
    tcase_add_test(tc, frame_plain_and_escaped);
    tcase_add_test(tc, round_trip_every_byte);
    tcase_add_test(tc, reader_accepts_and_rejects);
    tcase_add_test(tc, run_length_decoding);
    tcase_add_test(tc, overflow_is_reported);
    tcase_add_test(tc, hex_helpers);
    tcase_add_test(tc, hex_helpers_stop_at_the_end);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
