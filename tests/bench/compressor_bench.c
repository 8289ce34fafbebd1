/* tests/bench/compressor_bench.c — WKdm, LZ4 and hybrid side by side on 16 KB page
 * corpora built here (run by scripts/bench.sh; see BENCHMARKS.md).
 *
 *   compressor_bench [PAGES [REPS [LOOPS]]]   (default 1536 pages per corpus, best
 *                                             of 5, the fastest WKdm loops the CPU runs;
 *                                             LOOPS: portable, sse4.1 or avx512) 
 *
 * Corpora: the heap of a python3 process started for the purpose (read through
 * /proc/PID/mem), a guest-like heap made by a small allocator run, C headers from
 * /usr/include, executable segments of x86-64 and AArch64 shared libraries, random
 * and zero pages. For each codec: MB/s compressed and decompressed (10^6 bytes of
 * uncompressed data per second of this thread's CPU time, best of REPS) and the
 * ratio (bytes in / bytes out; a single-value page counts 4 bytes, its value).
 * WKdm runs without a budget, LZ4 is LZ4_compress_default, hybrid is the pool's
 * codec choice (WKdm, LZ4 when WKdm reaches 12 KB, raw over 14 KB). Every page is
 * checked to round-trip before anything is timed. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compressor/compressor.h"
#include "compressor/wkdm.h"

#define PAGE COMPRESSOR_PAGE_SIZE

struct corpus {
    const char *name;
    uint8_t *pages;
    size_t n, cap;
    bool heap;                     /* the goals are stated for heap pages */
};

static void die(const char *what)
{
    fprintf(stderr, "compressor_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void corpus_init(struct corpus *c, const char *name, size_t cap, bool heap)
{
    *c = (struct corpus){ .name = name, .cap = cap, .heap = heap };
    c->pages = aligned_alloc(PAGE, cap * PAGE);
    if (!c->pages)
        die("out of memory");
}

static bool corpus_full(const struct corpus *c) { return c->n >= c->cap; }

/* Appends bytes to the corpus as a stream; a partial last page is dropped later. */
struct stream {
    struct corpus *c;
    size_t fill;
};

static void stream_add(struct stream *s, const uint8_t *p, size_t len)
{
    while (len && !corpus_full(s->c)) {
        size_t k = PAGE - s->fill < len ? PAGE - s->fill : len;
        memcpy(s->c->pages + s->c->n * PAGE + s->fill, p, k);
        s->fill += k, p += k, len -= k;
        if (s->fill == PAGE)
            s->c->n++, s->fill = 0;
    }
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? 2 * cap : 1 << 16;
            uint8_t *b = realloc(buf, cap);
            if (!b)
                die("out of memory");
            buf = b;
        }
        size_t k = fread(buf + *len, 1, cap - *len, f);
        if (k == 0)
            break;
        *len += k;
    }
    fclose(f);
    return buf;
}

/* ---- text and code from the host's files ------------------------------------ */

/* Calls add(stream, path) for the files of dir whose names contain `has`, in name
 * order, until the corpus is full. */
static void each_file(const char *dir, const char *has, struct stream *s,
                      void (*add)(struct stream *, const char *))
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    for (int i = 0; i < n; i++) {
        if (strstr(names[i]->d_name, has) && !corpus_full(s->c)) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
            add(s, path);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
}

static void add_whole_file(struct stream *s, const char *path)
{
    size_t len;
    uint8_t *buf = read_file(path, &len);
    if (buf)
        stream_add(s, buf, len);
    free(buf);
}

/* The executable PT_LOAD segments of an ELF64 file. */
static void add_code_segments(struct stream *s, const char *path)
{
    size_t len;
    uint8_t *buf = read_file(path, &len);
    if (!buf || len < sizeof(Elf64_Ehdr) || memcmp(buf, ELFMAG, SELFMAG) || buf[EI_CLASS] != ELFCLASS64) {
        free(buf);
        return;
    }
    Elf64_Ehdr eh;
    memcpy(&eh, buf, sizeof eh);
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        size_t at = eh.e_phoff + (size_t)i * sizeof ph;
        if (at + sizeof ph > len)
            break;
        memcpy(&ph, buf + at, sizeof ph);
        if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && ph.p_offset + ph.p_filesz <= len)
            stream_add(s, buf + ph.p_offset, ph.p_filesz);
    }
    free(buf);
}

/* ---- a python3 process's heap --------------------------------------------------- */

static const char python_program[] =
    "import random, sys\n"
    "random.seed(1)\n"
    "objs = []\n"
    "for i in range(150000):\n"
    "    objs.append({'id': i, 'name': 'user%d' % i, 'score': random.random() * 100,\n"
    "                 'tags': ['t%d' % (i % 17), 'x'], 'parent': objs[i // 2] if i else None})\n"
    "words = [str(i) * 3 for i in range(60000)]\n"
    "sys.stdout.write('ready\\n'); sys.stdout.flush()\n"
    "sys.stdin.read()\n";

static pid_t start_python(int *to_child)
{
    int in[2], out[2];
    if (pipe(in) < 0 || pipe(out) < 0)
        die("pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        execlp("python3", "python3", "-c", python_program, (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    char line[16] = "";
    ssize_t k = read(out[0], line, sizeof line - 1);
    close(out[0]);
    *to_child = in[1];
    if (k <= 0 || strncmp(line, "ready", 5) != 0) {
        close(in[1]);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

/* The process's writable private anonymous mappings and [heap], page by page. */
static void read_heap_pages(struct corpus *c, pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *maps = fopen(path, "r");
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int mem = open(path, O_RDONLY);
    if (!maps || mem < 0) {
        if (maps)
            fclose(maps);
        return;
    }
    char line[512];
    while (fgets(line, sizeof line, maps) && !corpus_full(c)) {
        unsigned long lo, hi, off;
        char perms[8], name[256] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %255s", &lo, &hi, perms, &off, name) < 4)
            continue;
        if (strcmp(perms, "rw-p") || (name[0] && strcmp(name, "[heap]")))
            continue;
        for (unsigned long a = lo; a + PAGE <= hi && !corpus_full(c); a += PAGE)
            if (pread(mem, c->pages + c->n * PAGE, PAGE, (off_t)a) == PAGE)
                c->n++;
    }
    fclose(maps);
    close(mem);
}

static void corpus_python_heap(struct corpus *c)
{
    int to_child;
    pid_t pid = start_python(&to_child);
    if (pid < 0)
        return;
    read_heap_pages(c, pid);
    close(to_child);                              /* python3 reads EOF and exits */
    waitpid(pid, NULL, 0);
}

/* ---- a guest-like heap ------------------------------------------------------------ */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A small malloc (16-byte chunk headers as glibc's, sizes rounded to 16, freed
 * chunks linked through their first words) run by a program that builds linked
 * lists, tree nodes, strings, arrays of doubles and small objects, at the
 * addresses an arm64 process would use. */
static void corpus_guest_heap(struct corpus *c)
{
    const uint64_t base = 0x0000000102c04000ull;
    size_t size = c->cap * PAGE, top = 0;
    uint8_t *h = c->pages;
    memset(h, 0, size);
    static const char *const words[] = { "view", "controller", "cell", "image", "layer", "cache",
                                         "request", "session", "label", "button", "index", "path" };
    uint64_t s = 42, last[8] = { 0 }, free_head = 0;
    while (top + 1024 < size) {
        uint64_t r = rnd(&s);
        size_t len = (size_t[]){ 32, 48, 64, 24, 256 }[r % 5];
        if (r % 5 == 2)
            len = 16 + (r >> 8) % 80;
        len = (len + 15) & ~(size_t)15;
        uint8_t *chunk = h + top, *p = chunk + 16;
        uint64_t addr = base + top + 16;
        put64(chunk + 8, (len + 16) | 1);
        switch (r % 5) {
        case 0:                                     /* list node: next, prev, key, refcount */
            put64(p, last[0]);
            put64(p + 8, last[1]);
            put64(p + 16, (r >> 20) & 0xffff);
            put64(p + 24, 1);
            last[1] = last[0], last[0] = addr;
            break;
        case 1:                                     /* tree node: left, right, parent, key, value */
            put64(p, last[2]);
            put64(p + 8, (r >> 30) & 1 ? last[3] : 0);
            put64(p + 16, last[4]);
            put64(p + 24, r >> 40);
            put64(p + 32, last[0]);
            last[4] = last[3], last[3] = last[2], last[2] = addr;
            break;
        case 2:                                     /* string */
            for (size_t k = 0; k + 12 < len;) {
                const char *w = words[rnd(&s) % 12];
                size_t wl = strlen(w);
                memcpy(p + k, w, wl);
                k += wl;
                p[k++] = '_';
            }
            break;
        case 3:                                     /* small object: isa, flags, count */
            put64(p, base - 0x4000 + 0x40 * (r >> 50 & 7));
            put64(p + 8, 0x80000000ull | (r >> 20 & 0xff));
            break;
        default:                                    /* array of doubles */
            for (size_t k = 0; k < len; k += 8) {
                double d = (double)(rnd(&s) % 10000) / 8.0;
                memcpy(p + k, &d, 8);
            }
        }
        if (rnd(&s) % 4 == 0) {                     /* freed: linked, the rest stale */
            put64(p, free_head);
            put64(p + 8, 0);
            free_head = addr;
        }
        top += len + 16;
    }
    c->n = c->cap;
}

static void corpus_random(struct corpus *c)
{
    uint64_t s = 7;
    for (size_t i = 0; i < c->cap * PAGE; i += 8)
        put64(c->pages + i, rnd(&s));
    c->n = c->cap;
}

/* ---- measuring ------------------------------------------------------------------ */

struct codec {
    const char *name;
    /* Encodes page i; returns the bytes it occupies (4 for a single value). */
    uint32_t (*encode)(const uint8_t *page, uint8_t *out, struct compressor_encoding *e);
    int (*decode)(const uint8_t *in, const struct compressor_encoding *e, uint8_t *page);
};

/* A page WKdm refuses (its early abort) is kept raw, as XNU's WKdm-only mode does. */
static uint32_t wkdm_enc(const uint8_t *page, uint8_t *out, struct compressor_encoding *e)
{
    int n = wkdm_compress(page, out, WKDM_MAX_OUT, &e->value);
    e->form = n < 0 ? COMPRESSOR_FORM_RAW : COMPRESSOR_FORM_WKDM;
    if (n < 0) {
        memcpy(out, page, PAGE);
        n = PAGE;
    }
    e->size = (uint32_t)n;
    return n ? (uint32_t)n : 4;
}

static int wkdm_dec(const uint8_t *in, const struct compressor_encoding *e, uint8_t *page)
{
    if (e->form == COMPRESSOR_FORM_RAW) {
        memcpy(page, in, PAGE);
        return 0;
    }
    if (e->size == 0) {
        wkdm_fill(page, e->value);
        return 0;
    }
    return wkdm_decompress(in, e->size, page);
}

static uint32_t lz4_enc(const uint8_t *page, uint8_t *out, struct compressor_encoding *e)
{
    e->size = (uint32_t)LZ4_compress_default((const char *)page, (char *)out, PAGE, LZ4_compressBound(PAGE));
    return e->size;
}

static int lz4_dec(const uint8_t *in, const struct compressor_encoding *e, uint8_t *page)
{
    return LZ4_decompress_safe((const char *)in, (char *)page, (int)e->size, PAGE) == PAGE ? 0 : -1;
}

static uint32_t hybrid_enc(const uint8_t *page, uint8_t *out, struct compressor_encoding *e)
{
    compressor_encode(COMPRESSOR_CODEC_HYBRID, page, out, e);
    return e->form == COMPRESSOR_FORM_SINGLE ? 4 : e->size;
}

static int hybrid_dec(const uint8_t *in, const struct compressor_encoding *e, uint8_t *page)
{
    return compressor_decode(e, in, page);
}

static const struct codec codecs[] = {
    { "WKdm", wkdm_enc, wkdm_dec },
    { "LZ4", lz4_enc, lz4_dec },
    { "hybrid", hybrid_enc, hybrid_dec },
};
#define NCODECS 3

#define SLOT (WKDM_MAX_OUT + 64)   /* room per page in the output buffer */

struct result {
    double c_mbs, d_mbs, ratio;
    size_t lz4_pages;              /* hybrid: pages that went to LZ4 */
};

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t encode_all(const struct codec *k, const struct corpus *c, uint8_t *out,
                           struct compressor_encoding *enc)
{
    uint64_t bytes = 0;
    for (size_t i = 0; i < c->n; i++)
        bytes += k->encode(c->pages + i * PAGE, out + i * SLOT, &enc[i]);
    return bytes;
}

static void decode_all(const struct codec *k, const struct corpus *c, const uint8_t *out,
                       const struct compressor_encoding *enc, uint8_t *page)
{
    for (size_t i = 0; i < c->n; i++)
        k->decode(out + i * SLOT, &enc[i], page);
}

static struct result measure(const struct codec *k, const struct corpus *c, unsigned reps,
                             uint8_t *out, struct compressor_encoding *enc)
{
    struct result r = { 0 };
    uint8_t *page = aligned_alloc(PAGE, PAGE);
    if (!page)
        die("out of memory");
    uint64_t bytes = encode_all(k, c, out, enc);
    for (size_t i = 0; i < c->n; i++) {
        if (k->decode(out + i * SLOT, &enc[i], page) < 0 || memcmp(page, c->pages + i * PAGE, PAGE)) {
            fprintf(stderr, "compressor_bench: %s does not round-trip page %zu of %s\n", k->name, i, c->name);
            exit(1);
        }
        r.lz4_pages += enc[i].form == COMPRESSOR_FORM_LZ4;
    }
    double best_c = 1e9, best_d = 1e9;
    for (unsigned rep = 0; rep < reps; rep++) {
        double t0 = cpu_seconds();
        encode_all(k, c, out, enc);
        double t1 = cpu_seconds();
        decode_all(k, c, out, enc, page);
        double t2 = cpu_seconds();
        best_c = t1 - t0 < best_c ? t1 - t0 : best_c;
        best_d = t2 - t1 < best_d ? t2 - t1 : best_d;
    }
    double mb = (double)c->n * PAGE / 1e6;
    r.c_mbs = mb / best_c;
    r.d_mbs = mb / best_d;
    r.ratio = (double)c->n * PAGE / (double)(bytes ? bytes : 1);
    free(page);
    return r;
}

static size_t count_single(const struct corpus *c)
{
    size_t n = 0;
    uint32_t v;
    for (size_t i = 0; i < c->n; i++)
        n += wkdm_single(c->pages + i * PAGE, &v);
    return n;
}

static const char *verdict(bool met) { return met ? "met" : "NOT met"; }

static void report(const struct corpus *c, unsigned reps)
{
    if (c->n == 0) {
        printf("%-14s (no pages: source not available here)\n", c->name);
        return;
    }
    uint8_t *out = malloc(c->n * SLOT);
    struct compressor_encoding *enc = malloc(c->n * sizeof *enc);
    if (!out || !enc)
        die("out of memory");
    struct result r[NCODECS];
    for (int k = 0; k < NCODECS; k++)
        r[k] = measure(&codecs[k], c, reps, out, enc);
    printf("%-14s %5zu %4.0f%% |%7.0f %7.0f %6.2f |%7.0f %7.0f %6.2f |%7.0f %7.0f %6.2f %4.0f%% |%5.2f %5.2f %5.2f\n",
           c->name, c->n, 100.0 * (double)count_single(c) / (double)c->n,
           r[0].c_mbs, r[0].d_mbs, r[0].ratio, r[1].c_mbs, r[1].d_mbs, r[1].ratio,
           r[2].c_mbs, r[2].d_mbs, r[2].ratio, 100.0 * (double)r[2].lz4_pages / (double)c->n,
           r[0].c_mbs / r[1].c_mbs, r[0].d_mbs / r[1].d_mbs, r[0].ratio / r[1].ratio);
    /* The speed goals on heap pages, by loop set (SSE4.1 the lowest; no goal for the
     * portable loops). The ratio is WKdm's format's, with no goal. */
    enum wkdm_loops l = wkdm_loops_current();
    double c_goal = l == WKDM_LOOPS_SSE41 ? 1.5 : 2.0, d_goal = l == WKDM_LOOPS_SSE41 ? 0.8 : 1.0;
    if (c->heap && l != WKDM_LOOPS_PORTABLE)
        printf("%-14s goals (%s): WKdm compress >= %.1fx LZ4 %s, decompress >= %.1fx %s\n", "",
               wkdm_loops_name(l), c_goal, verdict(r[0].c_mbs >= c_goal * r[1].c_mbs), d_goal,
               verdict(r[0].d_mbs >= d_goal * r[1].d_mbs));
    free(out);
    free(enc);
}

/* The WKdm loops named on the command line (the fastest the CPU runs up to them);
 * -1 if the name is unknown. */
static int parse_loops(const char *name)
{
    enum wkdm_loops l;
    return wkdm_loops_parse(name, &l) < 0 ? -1 : (int)l;
}

int main(int argc, char **argv)
{
    size_t npages = argc > 1 ? strtoul(argv[1], NULL, 0) : 1536;
    unsigned reps = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 0) : 5;
    int loops = argc > 3 ? parse_loops(argv[3]) : (int)wkdm_loops_current();
    if (npages == 0 || npages > 65536 || reps == 0 || reps > 1000 || loops < 0 || argc > 4) {
        fprintf(stderr, "usage: compressor_bench [PAGES (1..65536) [REPS (1..1000) [portable|sse4.1|avx2|avx512]]]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    printf("WKdm loops: %s\n", wkdm_loops_name(wkdm_set_loops((enum wkdm_loops)loops)));
    printf("%-14s %5s %5s | %-22s | %-22s | %-28s | %s\n", "", "", "", "WKdm", "LZ4",
           "hybrid", "WKdm / LZ4");
    printf("%-14s %5s %5s |%7s %7s %6s |%7s %7s %6s |%7s %7s %6s %5s |%5s %5s %5s\n", "corpus", "pages",
           "1val", "c MB/s", "d MB/s", "ratio", "c MB/s", "d MB/s", "ratio", "c MB/s", "d MB/s",
           "ratio", "lz4", "c", "d", "ratio");

    struct corpus c;
    corpus_init(&c, "python3 heap", npages, true);
    corpus_python_heap(&c);
    report(&c, reps);
    free(c.pages);

    corpus_init(&c, "guest heap", npages, true);
    corpus_guest_heap(&c);
    report(&c, reps);
    free(c.pages);

    struct stream s;
    corpus_init(&c, "text", npages, false);
    s = (struct stream){ &c, 0 };
    each_file("/usr/include", ".h", &s, add_whole_file);
    each_file("/usr/include/linux", ".h", &s, add_whole_file);
    report(&c, reps);
    free(c.pages);

    corpus_init(&c, "code x86-64", npages, false);
    s = (struct stream){ &c, 0 };
    each_file("/usr/lib/x86_64-linux-gnu", ".so", &s, add_code_segments);
    report(&c, reps);
    free(c.pages);

    corpus_init(&c, "code arm64", npages, false);
    s = (struct stream){ &c, 0 };
    each_file("/usr/aarch64-linux-gnu/lib", ".so", &s, add_code_segments);
    report(&c, reps);
    free(c.pages);

    corpus_init(&c, "random", npages / 4, false);
    corpus_random(&c);
    report(&c, reps);
    free(c.pages);

    corpus_init(&c, "zero", npages / 4, false);
    memset(c.pages, 0, c.cap * PAGE);
    c.n = c.cap;
    report(&c, reps);
    free(c.pages);
    return 0;
}
