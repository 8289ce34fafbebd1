/* tools/codec_cmd.c — `machemu codec`: a compression lab over a file of 16 KB pages.
 *
 * Every page goes through compressor_encode (the pool's codecs, so the forms are the
 * ones the machine stores) and back through compressor_decode, which must give the
 * page again. Speeds are pages of input per second of this process's CPU time, over
 * as many passes as make a tenth of a second. A single-value page (the zero page
 * included) counts 4 bytes: its value. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compressor/compressor.h"
#include "compressor/wkdm.h"
#include "tools/codec_cmd.h"

#define PAGE COMPRESSOR_PAGE_SIZE
#define SLOT COMPRESSOR_ENCODE_MAX
#define MIN_SECONDS 0.1

struct codec_opts {
    enum compressor_codec codec;
    enum wkdm_loops loops;
    bool pages, json, vs_lz4;
    long dump;                     /* page to dump, or -1 */
    const char *path;
};

/* The result of one codec over every page. */
struct pass {
    enum compressor_codec codec;
    struct compressor_encoding *enc;
    uint8_t *out;                  /* SLOT bytes per page */
    uint64_t bytes_out;
    double c_mbs, d_mbs;
    uint64_t forms[COMPRESSOR_NFORMS + 1];     /* the last: zero pages */
};

enum { FORM_ZERO = COMPRESSOR_NFORMS };

static void usage(FILE *f)
{
    fprintf(f,
        "usage: machemu codec [--codec wkdm|lz4|hybrid] [--loops portable|sse4.1|avx2|avx512]\n"
        "                     [--pages] [--json] [--dump N] [--vs-lz4] FILE\n"
        "FILE holds 16 KB pages (a raw memory dump; machemu run --dump-pages writes one).\n"
        "  --codec NAME   the codec, as machemu run's (default hybrid)\n"
        "  --loops NAME   WKdm's inner loops (default: the ones chosen for this host)\n"
        "  --pages        one line per page: its form and compressed size\n"
        "  --json         one JSON object: the totals and a \"pages\" array\n"
        "  --dump N       page N's compressed bytes as 32-bit little-endian words, and nothing\n"
        "                 else\n"
        "  --vs-lz4       the same pages through the lz4 codec (liblz4), side by side\n");
}

static int bad(const char *fmt, const char *arg)
{
    fprintf(stderr, "machemu: codec: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 2;
}

static int parse(int argc, char **argv, struct codec_opts *o)
{
    static const struct option opts[] = {
        { "codec", required_argument, NULL, 'c' }, { "loops", required_argument, NULL, 'l' },
        { "pages", no_argument, NULL, 'p' },       { "json", no_argument, NULL, 'j' },
        { "dump", required_argument, NULL, 'd' },  { "vs-lz4", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
    };
    *o = (struct codec_opts){ .codec = COMPRESSOR_CODEC_HYBRID, .loops = wkdm_loops_current(), .dump = -1 };
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        char *end;
        switch (ch) {
        case 'c':
            if (compressor_codec_parse(optarg, &o->codec) < 0)
                return -bad("unknown codec '%s' (wkdm, lz4 or hybrid)", optarg);
            break;
        case 'l':
            if (wkdm_loops_parse(optarg, &o->loops) < 0)
                return -bad("unknown loops '%s' (portable, sse4.1, avx2 or avx512)", optarg);
            if (!wkdm_loops_usable(o->loops))
                return -bad("this CPU does not run the %s loops", optarg);
            break;
        case 'p': o->pages = true; break;
        case 'j': o->json = true; break;
        case 'v': o->vs_lz4 = true; break;
        case 'd':
            errno = 0;
            o->dump = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || o->dump < 0)
                return -bad("--dump wants a page number, not '%s'", optarg);
            break;
        case 'h': usage(stdout); return 0;
        case ':': return -bad("%s needs a value", argv[optind - 1]);
        default: return -bad("unknown option '%s' (see machemu codec --help)", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return -bad("%s", optind == argc ? "no FILE given" : "one FILE only");
    o->path = argv[optind];
    return 1;
}

/* The whole file, a multiple of PAGE bytes; NULL after one line on stderr. */
static uint8_t *read_pages(const char *path, size_t *npages)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        fprintf(stderr, "machemu: codec: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    const char *why = !S_ISREG(st.st_mode) ? "not a regular file"
                      : st.st_size == 0    ? "empty: no page in it"
                      : st.st_size % PAGE  ? "its size is not a multiple of 16 KB (a partial last page)"
                                           : NULL;
    uint8_t *buf = why ? NULL : aligned_alloc(PAGE, (size_t)st.st_size);
    if (!why && !buf)
        why = "too big to hold in memory";
    size_t got = 0;
    while (!why && got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n <= 0)
            why = n < 0 ? strerror(errno) : "shorter than it said";
        else
            got += (size_t)n;
    }
    close(fd);
    if (why) {
        fprintf(stderr, "machemu: codec: %s: %s\n", path, why);
        free(buf);
        return NULL;
    }
    *npages = got / PAGE;
    return buf;
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint32_t stored_bytes(const struct compressor_encoding *e)
{
    return e->form == COMPRESSOR_FORM_SINGLE ? 4 : e->size;
}

static int form_index(const struct compressor_encoding *e)
{
    return e->form == COMPRESSOR_FORM_SINGLE && e->value == 0 ? FORM_ZERO : (int)e->form;
}

static const char *form_name(int f)
{
    return f == FORM_ZERO ? "zero" : compressor_form_name((enum compressor_form)f);
}

/* The order forms are listed in: cheapest first. */
static const int form_order[] = {
    FORM_ZERO, COMPRESSOR_FORM_SINGLE, COMPRESSOR_FORM_SPARSE, COMPRESSOR_FORM_WKDM,
    COMPRESSOR_FORM_LZ4, COMPRESSOR_FORM_RAW,
};
#define NFORMS_LISTED (sizeof form_order / sizeof form_order[0])

/* Encodes and decodes every page, timing both; 0, or 1 after a line naming the first
 * page that did not come back. */
static int run_pass(struct pass *p, const uint8_t *pages, size_t n)
{
    uint8_t *back = aligned_alloc(PAGE, PAGE);
    if (!back)
        return fprintf(stderr, "machemu: codec: out of memory\n"), 1;
    unsigned passes = 0;
    double t0 = cpu_now(), t;
    do {
        for (size_t i = 0; i < n; i++)
            compressor_encode(p->codec, pages + i * PAGE, p->out + i * SLOT, &p->enc[i]);
        passes++;
    } while ((t = cpu_now() - t0) < MIN_SECONDS);
    p->c_mbs = (double)n * PAGE * passes / t / 1e6;
    for (size_t i = 0; i < n; i++) {
        if (compressor_decode(&p->enc[i], p->out + i * SLOT, back) < 0 || memcmp(back, pages + i * PAGE, PAGE)) {
            fprintf(stderr, "machemu: codec: page %zu did not round-trip through %s (%s form)\n", i,
                    compressor_codec_name(p->codec), compressor_form_name(p->enc[i].form));
            free(back);
            return 1;
        }
        p->bytes_out += stored_bytes(&p->enc[i]);
        p->forms[form_index(&p->enc[i])]++;
    }
    passes = 0;
    t0 = cpu_now();
    do {
        for (size_t i = 0; i < n; i++)
            compressor_decode(&p->enc[i], p->out + i * SLOT, back);
        passes++;
    } while ((t = cpu_now() - t0) < MIN_SECONDS);
    p->d_mbs = (double)n * PAGE * passes / t / 1e6;
    free(back);
    return 0;
}

static int pass_init(struct pass *p, enum compressor_codec codec, size_t n)
{
    *p = (struct pass){ .codec = codec };
    p->enc = calloc(n, sizeof *p->enc);
    p->out = malloc(n * SLOT);
    if (!p->enc || !p->out)
        return fprintf(stderr, "machemu: codec: out of memory\n"), -1;
    return 0;
}

static void pass_free(struct pass *p)
{
    free(p->enc);
    free(p->out);
}

/* Page n's stored bytes (a single value: its 4 bytes), 8 words to a line. */
static void dump_page(const struct pass *p, size_t n)
{
    const struct compressor_encoding *e = &p->enc[n];
    uint8_t bytes[SLOT + 4] = { 0 };
    uint32_t len = stored_bytes(e);
    if (e->form == COMPRESSOR_FORM_SINGLE)
        memcpy(bytes, &e->value, 4);
    else
        memcpy(bytes, p->out + n * SLOT, len);
    for (uint32_t off = 0; off < len; off += 4) {
        uint32_t w = (uint32_t)bytes[off] | (uint32_t)bytes[off + 1] << 8 | (uint32_t)bytes[off + 2] << 16 |
                     (uint32_t)bytes[off + 3] << 24;
        printf("%08x%c", w, off + 4 >= len || off % 32 == 28 ? '\n' : ' ');
    }
}

static double ratio(size_t n, uint64_t out) { return out ? (double)n * PAGE / (double)out : 0; }

static void print_text(const struct codec_opts *o, const struct pass *p, const struct pass *lz4, size_t n)
{
    if (o->pages)
        for (size_t i = 0; i < n; i++)
            printf("page %-8zu %-6s %5u bytes\n", i, form_name(form_index(&p->enc[i])), stored_bytes(&p->enc[i]));
    printf("file          %s\n", o->path);
    printf("codec         %s\n", compressor_codec_name(p->codec));
    printf("loops         %s\n", wkdm_loops_name(o->loops));
    printf("pages         %zu\n", n);
    printf("bytes in      %llu\n", (unsigned long long)n * PAGE);
    printf("bytes out     %llu\n", (unsigned long long)p->bytes_out);
    printf("ratio         %.2f\n", ratio(n, p->bytes_out));
    printf("compress      %.0f MB/s\n", p->c_mbs);
    printf("decompress    %.0f MB/s\n", p->d_mbs);
    printf("forms        ");
    for (size_t k = 0; k < NFORMS_LISTED; k++)
        printf(" %s %llu%s", form_name(form_order[k]), (unsigned long long)p->forms[form_order[k]],
               k + 1 < NFORMS_LISTED ? "," : "\n");
    printf("round trip    verified, %zu pages\n", n);
    if (lz4) {
        printf("lz4           ratio %.2f, compress %.0f MB/s, decompress %.0f MB/s\n", ratio(n, lz4->bytes_out),
               lz4->c_mbs, lz4->d_mbs);
        printf("%-6s / lz4  ratio %.2fx, compress %.2fx, decompress %.2fx\n", compressor_codec_name(p->codec),
               ratio(n, p->bytes_out) / ratio(n, lz4->bytes_out), p->c_mbs / lz4->c_mbs, p->d_mbs / lz4->d_mbs);
    }
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void json_totals(const struct pass *p, size_t n)
{
    printf("\"bytes_out\": %llu, \"ratio\": %.4f, \"compress_mbs\": %.1f, \"decompress_mbs\": %.1f",
           (unsigned long long)p->bytes_out, ratio(n, p->bytes_out), p->c_mbs, p->d_mbs);
}

static void print_json(const struct codec_opts *o, const struct pass *p, const struct pass *lz4, size_t n)
{
    printf("{\"file\": ");
    json_string(o->path);
    printf(", \"codec\": \"%s\", \"loops\": \"%s\", \"page_count\": %zu, \"bytes_in\": %llu, ",
           compressor_codec_name(p->codec), wkdm_loops_name(o->loops), n, (unsigned long long)n * PAGE);
    json_totals(p, n);
    printf(", \"round_trip\": true, \"forms\": {");
    for (size_t k = 0; k < NFORMS_LISTED; k++)
        printf("\"%s\": %llu%s", form_name(form_order[k]), (unsigned long long)p->forms[form_order[k]],
               k + 1 < NFORMS_LISTED ? ", " : "}");
    if (lz4) {
        printf(", \"lz4\": {");
        json_totals(lz4, n);
        printf("}");
    }
    printf(", \"pages\": [");
    for (size_t i = 0; i < n; i++)
        printf("%s{\"page\": %zu, \"form\": \"%s\", \"bytes\": %u}", i ? ", " : "", i,
               form_name(form_index(&p->enc[i])), stored_bytes(&p->enc[i]));
    printf("]}\n");
}

int codec_main(int argc, char **argv)
{
    struct codec_opts o;
    int rc = parse(argc, argv, &o);
    if (rc <= 0)
        return -rc;
    size_t n;
    uint8_t *pages = read_pages(o.path, &n);
    if (!pages)
        return 2;
    if (o.dump >= 0 && (size_t)o.dump >= n) {
        free(pages);
        fprintf(stderr, "machemu: codec: --dump %ld: %s has %zu pages (0 to %zu)\n", o.dump, o.path, n, n - 1);
        return 2;
    }
    wkdm_set_loops(o.loops);
    struct pass p = { 0 }, lz4 = { 0 };
    bool with_lz4 = o.vs_lz4 && o.dump < 0;
    rc = 2;
    if (pass_init(&p, o.codec, n) == 0 && (!with_lz4 || pass_init(&lz4, COMPRESSOR_CODEC_LZ4, n) == 0)) {
        rc = run_pass(&p, pages, n);
        if (rc == 0 && with_lz4)
            rc = run_pass(&lz4, pages, n);
        if (rc == 0 && o.dump >= 0)
            dump_page(&p, (size_t)o.dump);
        else if (rc == 0 && o.json)
            print_json(&o, &p, with_lz4 ? &lz4 : NULL, n);
        else if (rc == 0)
            print_text(&o, &p, with_lz4 ? &lz4 : NULL, n);
    }
    pass_free(&lz4);
    pass_free(&p);
    free(pages);
    return rc;
}
