/* emu/macho.c — loading a static arm64 Mach-O executable (MH_EXECUTE).
 *
 * What XNU's exec does for such an image, plus the little that dyld would do for a
 * static one (there is no dyld here):
 *  - LC_SEGMENT_64 segments are mapped copy-on-write from the file's vnode object,
 *    zero fill past filesize; they must be 16 KB aligned, as the arm64 linkers make them.
 *  - __PAGEZERO is not mapped: as XNU does, it raises the map's lowest address, so a
 *    NULL access is KERN_INVALID_ADDRESS and nothing can ever be allocated there.
 *  - An MH_PIE image is slid by a whole number of 16 KB pages below 1 GB (XNU's arm64
 *    range), chosen from --seed and the pid; page zero grows by the slide, and the
 *    rebase opcodes of LC_DYLD_INFO[_ONLY] (what ld64.lld emits) are applied.
 *  - The stack (1 MB, iOS's main-thread size, or LC_MAIN's stacksize) ends at XNU's
 *    arm64 USRSTACK64 and holds argc, argv, envp and apple[] ("executable_path=...").
 *  - LC_MAIN's entry starts with x0-x3 = argc, argv, envp, apple, and lr pointing at a
 *    one-page stub that calls exit(x0): returning from main exits with its value (the
 *    SDK's start routine instead calls main and then libc's exit, which flushes stdio).
 *    LC_UNIXTHREAD gives the pc instead; the registers and stack are the same. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "emu/internal.h"

#define MH_MAGIC_64        0xfeedfacfu
#define MH_CIGAM_64        0xcffaedfeu
#define MH_MAGIC           0xfeedfaceu
#define MH_CIGAM           0xcefaedfeu
#define FAT_MAGIC_BE       0xbebafecau   /* 0xcafebabe as stored, read little-endian */
#define FAT_MAGIC_64_BE    0xbfbafecau
#define CPU_TYPE_ARM64     0x0100000cu
#define CPU_SUBTYPE_MASK   0xff000000u
#define CPU_SUBTYPE_ARM64E 2u
#define MH_EXECUTE         2u
#define MH_PIE             0x200000u

#define LC_REQ_DYLD             0x80000000u
#define LC_UNIXTHREAD           0x5u
#define LC_LOAD_DYLIB           0xcu
#define LC_SEGMENT_64           0x19u
#define LC_LAZY_LOAD_DYLIB      0x20u
#define LC_DYLD_INFO            0x22u
#define LC_ENCRYPTION_INFO_64   0x2cu
#define LC_LOAD_WEAK_DYLIB      (0x18u | LC_REQ_DYLD)
#define LC_REEXPORT_DYLIB       (0x1fu | LC_REQ_DYLD)
#define LC_DYLD_INFO_ONLY       (0x22u | LC_REQ_DYLD)
#define LC_LOAD_UPWARD_DYLIB    (0x23u | LC_REQ_DYLD)
#define LC_MAIN                 (0x28u | LC_REQ_DYLD)
#define LC_DYLD_CHAINED_FIXUPS  (0x34u | LC_REQ_DYLD)

#define ARM_THREAD_STATE64       6u
#define ARM_THREAD_STATE64_COUNT 68u      /* 32-bit words: x0-x28, fp, lr, sp, pc, cpsr, pad */
#define THREAD_STATE_PC          256u     /* byte offset of pc in the state */

#define REBASE_TYPE_POINTER                      1
#define REBASE_OPCODE_DONE                       0x00
#define REBASE_OPCODE_SET_TYPE_IMM               0x10
#define REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB 0x20
#define REBASE_OPCODE_ADD_ADDR_ULEB              0x30
#define REBASE_OPCODE_ADD_ADDR_IMM_SCALED        0x40
#define REBASE_OPCODE_DO_REBASE_IMM_TIMES        0x50
#define REBASE_OPCODE_DO_REBASE_ULEB_TIMES       0x60
#define REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB    0x70
#define REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB 0x80

#define USRSTACK64         0x16fe00000ull /* XNU's arm64 stack top */
#define MAIN_STACK_SIZE    (1ull << 20)   /* iOS main thread */
#define MAX_STACK_SIZE     (512ull << 20)
#define EXIT_STUB          USRSTACK64     /* the page just above the stack */
#define MAX_SLIDE_PAGES    (1u << 16)
#define MAX_SEGMENTS       32
#define MACH_HEADER_SIZE   32u
#define SEGMENT_CMD_SIZE   72u
#define SECTION_SIZE       80u

struct segment {
    char name[17];
    uint64_t vmaddr, vmsize, fileoff, filesize;   /* as linked */
    uint32_t maxprot, initprot;
    bool pagezero;
};

struct macho {
    const char *path;
    int fd;
    uint64_t size;
    uint32_t cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags;
    uint8_t *cmds;
    struct segment seg[MAX_SEGMENTS];
    int nseg;
    bool has_main, has_thread, has_dyld_info;
    uint64_t entryoff, stacksize, thread_pc;
    uint32_t rebase_off, rebase_size;
    uint32_t cache_uuid_off;       /* of __TEXT,__shared_cache; 0: none */
    uint64_t slide;
    uint64_t lo, hi;               /* extent of the mapped segments, slid */
    char *err;
    size_t errlen;
};

static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int bad(struct macho *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct macho *m, const char *fmt, ...)
{
    char why[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return loader_fail(m->err, m->errlen, m->path, why);
}

bool macho_is_macho(const uint8_t magic[4])
{
    uint32_t v = get32(magic);
    return v == MH_MAGIC_64 || v == MH_CIGAM_64 || v == MH_MAGIC || v == MH_CIGAM ||
           v == FAT_MAGIC_BE || v == FAT_MAGIC_64_BE;
}

/* --- the header and the load commands ---------------------------------------- */

static int check_header(struct macho *m)
{
    uint8_t h[MACH_HEADER_SIZE];
    if (m->size < sizeof h || loader_read_at(m->fd, h, sizeof h, 0) < 0)
        return bad(m, "truncated Mach-O header (%llu bytes)", (unsigned long long)m->size);
    uint32_t magic = get32(h);
    if (magic == FAT_MAGIC_BE || magic == FAT_MAGIC_64_BE)
        return bad(m, "universal (fat) Mach-O: extract the arm64 slice first (lipo -thin arm64)");
    if (magic == MH_MAGIC || magic == MH_CIGAM)
        return bad(m, "32-bit Mach-O: machemu runs 64-bit arm64 executables");
    if (magic == MH_CIGAM_64)
        return bad(m, "big-endian Mach-O: machemu runs little-endian arm64 executables");
    if (magic != MH_MAGIC_64)
        return bad(m, "bad Mach-O magic 0x%08x", magic);
    m->cputype = get32(h + 4);
    m->cpusubtype = get32(h + 8) & ~CPU_SUBTYPE_MASK;
    m->filetype = get32(h + 12);
    m->ncmds = get32(h + 16);
    m->sizeofcmds = get32(h + 20);
    m->flags = get32(h + 24);
    if (m->cputype != CPU_TYPE_ARM64)
        return bad(m, "Mach-O for cputype 0x%x, not arm64 (0x%x)", m->cputype, CPU_TYPE_ARM64);
    if (m->cpusubtype == CPU_SUBTYPE_ARM64E)
        return bad(m, "arm64e (pointer authentication) Mach-O: build for plain arm64");
    if (m->filetype != MH_EXECUTE)
        return bad(m, "Mach-O filetype %u is not an executable (MH_EXECUTE)", m->filetype);
    if (m->sizeofcmds > m->size - sizeof h || m->ncmds > m->sizeofcmds / 8)
        return bad(m, "load commands (%u, %u bytes) run past the end of the file",
                   m->ncmds, m->sizeofcmds);
    if (m->ncmds == 0)
        return bad(m, "no load commands");
    m->cmds = malloc(m->sizeofcmds);
    if (!m->cmds || loader_read_at(m->fd, m->cmds, m->sizeofcmds, sizeof h) < 0)
        return bad(m, "cannot read the load commands");
    return 0;
}

static int parse_segment(struct macho *m, const uint8_t *c, uint32_t size)
{
    if (size < SEGMENT_CMD_SIZE)
        return bad(m, "LC_SEGMENT_64 command too short (%u bytes)", size);
    if (m->nseg == MAX_SEGMENTS)
        return bad(m, "more than %d segments", MAX_SEGMENTS);
    struct segment *s = &m->seg[m->nseg++];
    memcpy(s->name, c + 8, 16);
    s->name[16] = 0;
    for (char *p = s->name; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            *p = '?';
    s->vmaddr = get64(c + 24);
    s->vmsize = get64(c + 32);
    s->fileoff = get64(c + 40);
    s->filesize = get64(c + 48);
    s->maxprot = get32(c + 56);
    s->initprot = get32(c + 60);
    uint32_t nsects = get32(c + 64);
    if ((uint64_t)nsects * SECTION_SIZE > size - SEGMENT_CMD_SIZE)
        return bad(m, "segment %s: %u sections do not fit its command", s->name, nsects);
    if ((s->maxprot | s->initprot) & ~VM_PROT_ALL || (s->initprot & ~s->maxprot))
        return bad(m, "segment %s: bad protection %x/%x", s->name, s->initprot, s->maxprot);
    if (s->filesize > s->vmsize)
        return bad(m, "segment %s: filesize 0x%llx larger than vmsize 0x%llx", s->name,
                   (unsigned long long)s->filesize, (unsigned long long)s->vmsize);
    if (s->filesize && (s->fileoff > m->size || m->size - s->fileoff < s->filesize))
        return bad(m, "segment %s: file range [0x%llx, +0x%llx) past the end of the file (%llu bytes)",
                   s->name, (unsigned long long)s->fileoff, (unsigned long long)s->filesize,
                   (unsigned long long)m->size);
    if (s->vmaddr + s->vmsize < s->vmaddr || round_page(s->vmaddr + s->vmsize) > VA_USER_END ||
        round_page(s->vmaddr + s->vmsize) < s->vmaddr)
        return bad(m, "segment %s: [0x%llx, +0x%llx) outside the 47-bit address space", s->name,
                   (unsigned long long)s->vmaddr, (unsigned long long)s->vmsize);
    if ((s->vmaddr & PAGE_MASK) || (s->filesize && (s->fileoff & PAGE_MASK)))
        return bad(m, "segment %s: address 0x%llx or file offset 0x%llx not 16 KB aligned",
                   s->name, (unsigned long long)s->vmaddr, (unsigned long long)s->fileoff);
    s->pagezero = s->vmaddr == 0 && s->filesize == 0 && s->initprot == 0 && s->maxprot == 0 &&
                  s->vmsize != 0;
    for (uint32_t i = 0; i < nsects; i++) {
        const uint8_t *r = c + SEGMENT_CMD_SIZE + i * SECTION_SIZE;
        if (!strncmp((const char *)r, "__shared_cache", 16) &&
            !strncmp((const char *)r + 16, "__TEXT", 16)) {
            uint32_t off = get32(r + 48);
            if (get64(r + 40) != 16 || off == 0 || off > m->size || m->size - off < 16)
                return bad(m, "section __TEXT,__shared_cache is not a 16-byte cache UUID");
            m->cache_uuid_off = off;
        }
    }
    return 0;
}

static int parse_main(struct macho *m, const uint8_t *c, uint32_t size)
{
    if (size < 24)
        return bad(m, "LC_MAIN command too short");
    if (m->has_main)
        return bad(m, "more than one LC_MAIN");
    m->has_main = true;
    m->entryoff = get64(c + 8);
    m->stacksize = get64(c + 16);
    if (m->stacksize > MAX_STACK_SIZE)
        return bad(m, "LC_MAIN stack size 0x%llx larger than %llu MB",
                   (unsigned long long)m->stacksize, MAX_STACK_SIZE >> 20);
    return 0;
}

static int parse_thread(struct macho *m, const uint8_t *c, uint32_t size)
{
    if (m->has_thread)
        return bad(m, "more than one LC_UNIXTHREAD");
    for (uint32_t at = 8; size - at >= 8;) {
        uint32_t flavor = get32(c + at), count = get32(c + at + 4);
        if (count > (size - at - 8) / 4)
            return bad(m, "LC_UNIXTHREAD: thread state runs past its command");
        if (flavor == ARM_THREAD_STATE64 && count == ARM_THREAD_STATE64_COUNT) {
            m->has_thread = true;
            m->thread_pc = get64(c + at + 8 + THREAD_STATE_PC);
            return 0;
        }
        at += 8 + count * 4;
    }
    return bad(m, "LC_UNIXTHREAD without an ARM_THREAD_STATE64");
}

static int parse_dyld_info(struct macho *m, const uint8_t *c, uint32_t size)
{
    if (size < 48)
        return bad(m, "LC_DYLD_INFO command too short");
    m->has_dyld_info = true;
    m->rebase_off = get32(c + 8);
    m->rebase_size = get32(c + 12);
    if ((uint64_t)m->rebase_off + m->rebase_size > m->size)
        return bad(m, "rebase information past the end of the file");
    if (get32(c + 20) || get32(c + 36))
        return bad(m, "imports symbols (dyld bind information): machemu runs static executables");
    return 0;
}

static int refuse_dylib(struct macho *m, const uint8_t *c, uint32_t size)
{
    uint32_t off = size >= 12 ? get32(c + 8) : size;
    char name[80] = "?";
    if (off < size) {
        size_t n = strnlen((const char *)c + off, size - off);
        snprintf(name, sizeof name, "%.*s", (int)(n < 79 ? n : 79), (const char *)c + off);
    }
    return bad(m, "links against the dynamic library %s: machemu runs static executables", name);
}

static int parse_command(struct macho *m, const uint8_t *c, uint32_t cmd, uint32_t size)
{
    switch (cmd) {
    case LC_SEGMENT_64: return parse_segment(m, c, size);
    case LC_MAIN: return parse_main(m, c, size);
    case LC_UNIXTHREAD: return parse_thread(m, c, size);
    case LC_DYLD_INFO:
    case LC_DYLD_INFO_ONLY: return parse_dyld_info(m, c, size);
    case LC_LOAD_DYLIB:
    case LC_LOAD_WEAK_DYLIB:
    case LC_REEXPORT_DYLIB:
    case LC_LAZY_LOAD_DYLIB:
    case LC_LOAD_UPWARD_DYLIB: return refuse_dylib(m, c, size);
    case LC_DYLD_CHAINED_FIXUPS:
        return bad(m, "uses chained fixups (LC_DYLD_CHAINED_FIXUPS), which machemu does not apply; "
                      "link with ld64.lld or -Wl,-no_fixup_chains");
    case LC_ENCRYPTION_INFO_64:
        if (size >= 20 && get32(c + 16))
            return bad(m, "encrypted (LC_ENCRYPTION_INFO_64 cryptid %u)", get32(c + 16));
        return 0;
    default:
        return 0;                  /* symbols, UUID, versions, dyld's name: not needed */
    }
}

static int parse_commands(struct macho *m)
{
    uint32_t at = 0;
    for (uint32_t i = 0; i < m->ncmds; i++) {
        if (m->sizeofcmds - at < 8)
            return bad(m, "load command %u runs past the end of the load commands", i);
        const uint8_t *c = m->cmds + at;
        uint32_t cmd = get32(c), size = get32(c + 4);
        if (size < 8 || size % 8 || size > m->sizeofcmds - at)
            return bad(m, "load command %u (0x%x) has a bad size %u", i, cmd, size);
        if (parse_command(m, c, cmd, size) < 0)
            return -1;
        at += size;
    }
    return 0;
}

/* --- the layout: overlaps, the entry, the slide -------------------------------- */

static uint64_t seg_end(const struct segment *s) { return round_page(s->vmaddr + s->vmsize); }

static int check_layout(struct macho *m, uint64_t ram)
{
    m->lo = UINT64_MAX;
    m->hi = 0;
    for (int i = 0; i < m->nseg; i++) {
        const struct segment *a = &m->seg[i];
        for (int j = i + 1; j < m->nseg; j++) {
            const struct segment *b = &m->seg[j];
            if (a->vmsize && b->vmsize && a->vmaddr < seg_end(b) && b->vmaddr < seg_end(a))
                return bad(m, "segments %s and %s overlap", a->name, b->name);
        }
        if (a->pagezero || !a->vmsize)
            continue;
        if ((a->initprot & VM_PROT_WRITE) && a->vmsize > ram)
            return bad(m, "segment %s: 0x%llx bytes, more than the guest's RAM", a->name,
                       (unsigned long long)a->vmsize);
        if (a->vmaddr < MAP_MIN_DEFAULT)
            return bad(m, "segment %s at 0x%llx: below 64 KB", a->name,
                       (unsigned long long)a->vmaddr);
        if (a->vmaddr < m->lo)
            m->lo = a->vmaddr;
        if (seg_end(a) > m->hi)
            m->hi = seg_end(a);
    }
    if (m->hi == 0)
        return bad(m, "no segment to map");
    return 0;
}

/* The segment containing [addr, addr+len) as linked, or NULL. */
static const struct segment *segment_at(const struct macho *m, uint64_t addr, uint64_t len)
{
    for (int i = 0; i < m->nseg; i++) {
        const struct segment *s = &m->seg[i];
        if (!s->pagezero && addr >= s->vmaddr && len <= s->vmsize && addr - s->vmaddr <= s->vmsize - len)
            return s;
    }
    return NULL;
}

/* The entry point as linked: LC_MAIN counts from the segment holding the header. */
static int find_entry(struct macho *m, uint64_t *pc)
{
    if (m->has_main && m->has_thread)
        return bad(m, "both LC_MAIN and LC_UNIXTHREAD");
    if (!m->has_main && !m->has_thread)
        return bad(m, "no entry point (neither LC_MAIN nor LC_UNIXTHREAD)");
    if (m->has_thread) {
        *pc = m->thread_pc;
    } else {
        const struct segment *hdr = NULL;
        for (int i = 0; i < m->nseg && !hdr; i++)
            if (m->seg[i].fileoff == 0 && m->seg[i].filesize)
                hdr = &m->seg[i];
        if (!hdr)
            return bad(m, "no segment maps the Mach-O header, which LC_MAIN's entryoff counts from");
        *pc = hdr->vmaddr + m->entryoff;
    }
    const struct segment *s = segment_at(m, *pc, 4);
    if (!s || !(s->initprot & VM_PROT_EXECUTE) || (*pc & 3))
        return bad(m, "entry point 0x%llx is not in an executable segment", (unsigned long long)*pc);
    return 0;
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* Deterministic ASLR: 1..65535 pages, from the seed and the pid. */
static uint64_t pick_slide(const struct emu *emu, const struct task *t)
{
    uint64_t r = mix64(emu->opt.seed ^ mix64((uint64_t)t->pid));
    return (1 + r % (MAX_SLIDE_PAGES - 1)) * PAGE_SIZE;
}

/* --- mapping ------------------------------------------------------------------- */

static const char *segment_tag(const struct segment *s)
{
    static const char *const known[] = { "__TEXT", "__DATA", "__DATA_CONST", "__DATA_DIRTY",
                                         "__LINKEDIT", "__AUTH", "__AUTH_CONST", "__OBJC_CONST" };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (!strcmp(s->name, known[i]))
            return known[i];
    return "Mach-O segment";
}

static int map_segment(struct emu *emu, struct task *t, struct macho *m, struct vm_object *fobj,
                       const struct segment *s)
{
    const char *tag = segment_tag(s);
    uint64_t start = s->vmaddr + m->slide, file_end = start + round_page(s->filesize);
    uint64_t end = seg_end(s) + m->slide;
    if (s->filesize && loader_map_file(t, fobj, start, file_end - start, s->fileoff, tag) != KERN_SUCCESS)
        return bad(m, "segment %s: cannot map it at 0x%llx", s->name, (unsigned long long)start);
    if (file_end < end && loader_map_anon(t, file_end, end - file_end, tag) != KERN_SUCCESS)
        return bad(m, "segment %s: cannot map its zero fill", s->name);
    if (s->vmsize > s->filesize && loader_zero_to_page_end(emu, start + s->filesize) < 0)
        return bad(m, "segment %s: out of guest memory", s->name);
    return 0;
}

static void protect_segments(struct task *t, const struct macho *m)
{
    for (int i = 0; i < m->nseg; i++) {
        const struct segment *s = &m->seg[i];
        if (s->pagezero || !s->vmsize)
            continue;
        uint64_t start = s->vmaddr + m->slide, end = seg_end(s) + m->slide;
        vm_map_protect(t->map, start, end, s->maxprot, true);
        vm_map_protect(t->map, start, end, s->initprot, false);
    }
}

/* --- rebasing ------------------------------------------------------------------ */

struct opcodes {
    const uint8_t *p, *end;
    bool overflow;
};

static uint64_t uleb(struct opcodes *o)
{
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (o->p == o->end || shift > 63) {
            o->overflow = true;
            return 0;
        }
        uint8_t b = *o->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
}

struct rebaser {
    struct emu *emu;
    struct macho *m;
    int segment;                   /* index among the LC_SEGMENT_64 commands */
    uint64_t addr;                 /* as linked */
    uint64_t budget;               /* rebases left before the stream is absurd */
};

static int rebase_one(struct rebaser *r)
{
    struct macho *m = r->m;
    if (r->segment < 0 || r->segment >= m->nseg)
        return bad(m, "rebase in segment #%d, which does not exist", r->segment);
    const struct segment *s = &m->seg[r->segment];
    uint64_t off = r->addr - s->vmaddr;
    if (r->addr < s->vmaddr || off > s->vmsize || s->vmsize - off < 8 || s->pagezero)
        return bad(m, "rebase at 0x%llx outside segment %s", (unsigned long long)r->addr, s->name);
    if (!(s->maxprot & VM_PROT_WRITE))
        return bad(m, "rebase at 0x%llx in read-only segment %s", (unsigned long long)r->addr,
                   s->name);
    if (r->budget-- == 0)
        return bad(m, "rebase information rebases more pointers than the segments hold");
    uint64_t v, at = r->addr + m->slide;
    if (copyin(r->emu, &v, at, sizeof v) < 0)
        return bad(m, "rebase at 0x%llx: out of guest memory", (unsigned long long)r->addr);
    v += m->slide;
    if (copyout(r->emu, at, &v, sizeof v) < 0)
        return bad(m, "rebase at 0x%llx: out of guest memory", (unsigned long long)r->addr);
    r->addr += 8;
    return 0;
}

static int rebase_times(struct rebaser *r, uint64_t n, uint64_t skip)
{
    for (uint64_t i = 0; i < n; i++) {
        if (rebase_one(r) < 0)
            return -1;
        r->addr += skip;
    }
    return 0;
}

static int rebase_opcode(struct rebaser *r, struct opcodes *o, uint8_t op, uint8_t imm)
{
    switch (op) {
    case REBASE_OPCODE_SET_TYPE_IMM:
        return imm == REBASE_TYPE_POINTER ? 0 : bad(r->m, "rebase type %u is not a 64-bit pointer", imm);
    case REBASE_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB:
    {
        uint64_t off = uleb(o);
        r->segment = imm;
        r->addr = imm < r->m->nseg ? r->m->seg[imm].vmaddr + off : 0;
        return 0;
    }
    case REBASE_OPCODE_ADD_ADDR_ULEB:
        r->addr += uleb(o);
        return 0;
    case REBASE_OPCODE_ADD_ADDR_IMM_SCALED:
        r->addr += (uint64_t)imm * 8;
        return 0;
    case REBASE_OPCODE_DO_REBASE_IMM_TIMES:
        return rebase_times(r, imm, 0);
    case REBASE_OPCODE_DO_REBASE_ULEB_TIMES:
        return rebase_times(r, uleb(o), 0);
    case REBASE_OPCODE_DO_REBASE_ADD_ADDR_ULEB:
        return rebase_times(r, 1, uleb(o));
    case REBASE_OPCODE_DO_REBASE_ULEB_TIMES_SKIPPING_ULEB: {
        uint64_t n = uleb(o);
        return rebase_times(r, n, uleb(o));
    }
    default:
        return bad(r->m, "unknown rebase opcode 0x%02x", op);
    }
}

static int apply_rebases(struct emu *emu, struct macho *m)
{
    if (!m->slide || !m->rebase_size)
        return 0;
    uint8_t *ops = malloc(m->rebase_size);
    if (!ops || loader_read_at(m->fd, ops, m->rebase_size, m->rebase_off) < 0) {
        free(ops);
        return bad(m, "cannot read the rebase information");
    }
    struct rebaser r = { emu, m, -1, 0, 0 };
    for (int i = 0; i < m->nseg; i++)
        if (m->seg[i].maxprot & VM_PROT_WRITE)
            r.budget += m->seg[i].vmsize / 8;
    struct opcodes o = { ops, ops + m->rebase_size, false };
    int rc = 0;
    while (rc == 0 && o.p < o.end) {
        uint8_t op = *o.p & 0xf0, imm = *o.p & 0x0f;
        o.p++;
        if (op == REBASE_OPCODE_DONE)
            break;
        rc = rebase_opcode(&r, &o, op, imm);
        if (rc == 0 && o.overflow)
            rc = bad(m, "truncated or overlong number in the rebase information");
    }
    free(ops);
    return rc;
}

/* --- the stack and the exit stub ----------------------------------------------- */

static int map_exit_stub(struct emu *emu, struct task *t)
{
    static const uint32_t code[] = {
        0xd2800030,                /* mov x16, #1  (SYS_exit; x0 is main's result) */
        0xd4001001,                /* svc #0x80 */
        0xd4200020,                /* brk #1 */
    };
    return loader_map_code(emu, t, EXIT_STUB, code, sizeof code, "exit stub");
}

static void hex_string(char *buf, size_t len, const char *key, uint64_t a, uint64_t b)
{
    if (b)
        snprintf(buf, len, "%s=0x%llx,0x%llx", key, (unsigned long long)a, (unsigned long long)b);
    else
        snprintf(buf, len, "%s=0x%llx", key, (unsigned long long)a);
}

/* From the top: strings, then (16-byte aligned) argc, argv, 0, envp, 0, apple, 0. */
static int build_stack(struct emu *emu, struct task *t, int argc, char *const argv[],
                       char *const envp[], struct exec_start *start)
{
    char guard[64], entropy[80];
    uint64_t r = mix64(emu->opt.seed + 0x5eed);
    hex_string(guard, sizeof guard, "stack_guard", r & ~0xffull, 0);
    hex_string(entropy, sizeof entropy, "malloc_entropy", mix64(r), mix64(r + 1));
    size_t pathlen = strlen(t->exe) + sizeof "executable_path=";
    char *exe_path = malloc(pathlen);
    int envc = 0;
    while (envp && envp[envc])
        envc++;
    size_t n = 1 + (size_t)argc + 1 + (size_t)envc + 1 + 3 + 1;
    uint64_t *vec = calloc(n, sizeof *vec);
    if (!exe_path || !vec) {
        free(exe_path);
        free(vec);
        return -1;
    }
    snprintf(exe_path, pathlen, "executable_path=%s", t->exe);
    const char *apple[] = { exe_path, guard, entropy };
    struct loader_stack s = { emu, t->stack_top, 0 };
    uint64_t *args = vec + 1, *envs = args + argc + 1, *apl = envs + envc + 1;
    vec[0] = (uint64_t)argc;
    for (int i = 2; i >= 0; i--)
        apl[i] = loader_push_str(&s, apple[i]);
    for (int i = envc - 1; i >= 0; i--)
        envs[i] = loader_push_str(&s, envp[i]);
    for (int i = argc - 1; i >= 0; i--)
        args[i] = loader_push_str(&s, argv[i]);
    s.sp = (s.sp - n * sizeof *vec) & ~15ull;
    if (copyout(emu, s.sp, vec, n * sizeof *vec) < 0)
        s.err = -1;
    start->sp = s.sp;
    start->x[0] = (uint64_t)argc;
    start->x[1] = s.sp + 8;
    start->x[2] = start->x[1] + 8 * ((uint64_t)argc + 1);
    start->x[3] = start->x[2] + 8 * ((uint64_t)envc + 1);
    free(exe_path);
    free(vec);
    return s.err;
}

static int map_image(struct emu *emu, struct task *t, struct macho *m)
{
    struct vm_object *fobj = loader_file_object(emu, m->fd, m->path);
    if (!fobj)
        return bad(m, "cannot create the file's VM object");
    int rc = 0;
    for (int i = 0; rc == 0 && i < m->nseg; i++)
        if (!m->seg[i].pagezero && m->seg[i].vmsize)
            rc = map_segment(emu, t, m, fobj, &m->seg[i]);
    vm_object_deallocate(fobj);
    if (rc == 0)
        rc = apply_rebases(emu, m);
    if (rc == 0)
        protect_segments(t, m);
    return rc;
}

static int set_up_task(struct emu *emu, struct task *t, struct macho *m, int argc,
                       char *const argv[], char *const envp[], struct exec_start *start)
{
    uint64_t stack = m->stacksize ? round_page(m->stacksize) : MAIN_STACK_SIZE;
    uint64_t low = USRSTACK64 - stack - PAGE_SIZE, high = EXIT_STUB + PAGE_SIZE;
    if (m->lo + m->slide < high && low < m->hi + m->slide)
        return bad(m, "segments [0x%llx, 0x%llx) overlap the stack [0x%llx, 0x%llx)",
                   (unsigned long long)(m->lo + m->slide), (unsigned long long)(m->hi + m->slide),
                   (unsigned long long)low, (unsigned long long)high);
    for (int i = 0; i < m->nseg; i++)
        if (m->seg[i].pagezero && seg_end(&m->seg[i]) + m->slide > t->map->min)
            t->map->min = seg_end(&m->seg[i]) + m->slide;   /* page zero grows by the slide */
    loader_set_names(t, m->path);
    if (!t->name || !t->exe)
        return bad(m, "out of memory");
    if (map_image(emu, t, m) < 0)
        return -1;
    t->brk_start = t->brk_end = 0;             /* Darwin has no program break */
    t->mmap_hint = m->hi + m->slide;
    t->sigtramp = 0;
    if (loader_map_stack(t, USRSTACK64, stack) < 0 || map_exit_stub(emu, t) < 0 ||
        build_stack(emu, t, argc, argv, envp, start) < 0)
        return bad(m, "cannot set up the stack: out of guest memory");
    start->lr = EXIT_STUB;
    return 0;
}

/* A program linked against the shared cache (machemu-cc --macho) calls into it at fixed
 * addresses: it needs the cache it was linked against, and no slide, as ld64.lld made its
 * references to the cache's variables PC-relative. */
static int check_cache(struct emu *emu, struct macho *m)
{
    uint8_t uuid[16];
    if (!m->cache_uuid_off)
        return 0;
    if (!emu->shared_region)
        return bad(m, "linked against the shared cache, which --no-shared-region leaves out "
                   "(rebuild it with machemu-cc --macho --static to run it without)");
    if (loader_read_at(m->fd, uuid, sizeof uuid, m->cache_uuid_off) < 0 ||
        memcmp(uuid, emu->shared_cache_uuid, sizeof uuid))
        return bad(m, "linked against another build of the shared cache than %s (rebuild it "
                   "with this SDK's machemu-cc)", emu->opt.shared_cache);
    return 0;
}

int macho_load(struct emu *emu, struct task *t, int fd, uint64_t size, const char *path,
               int argc, char *const argv[], char *const envp[], struct exec_start *start,
               char *err, size_t errlen)
{
    struct macho m = { .path = path, .fd = fd, .size = size, .err = err, .errlen = errlen };
    uint64_t pc = 0;
    int rc = check_header(&m);
    if (rc == 0)
        rc = parse_commands(&m);
    if (rc == 0)
        rc = check_layout(&m, emu->phys.size);
    if (rc == 0)
        rc = find_entry(&m, &pc);
    if (rc == 0)
        rc = check_cache(emu, &m);
    if (rc == 0) {
        m.slide = m.flags & MH_PIE && !m.cache_uuid_off ? pick_slide(emu, t) : 0;
        rc = set_up_task(emu, t, &m, argc, argv, envp, start);
    }
    free(m.cmds);
    if (rc == 0)
        start->pc = pc + m.slide;
    return rc;
}
