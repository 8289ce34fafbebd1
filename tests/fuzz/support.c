/* tests/fuzz/support.c — small executables built in memory, files from buffers. */
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tests/fuzz/support.h"

#define CODE_OFF   0x100u              /* where the code starts in an ELF image */
#define MACHO_CODE 0x400u              /* in a Mach-O image, after the load commands */
#define NCODE      17u
#define DATA_PAGES 4u                  /* pages `work` touches, 16 KB apart */

/* entry: calls work(data, 4) with a frame, then exits 0 (ELF: exit system call;
 * Mach-O: returns to the loader's exit stub). work: stores into 4 pages 16 KB apart. */
static void emit_code(uint32_t *w, uint64_t entry, uint64_t data, int macho)
{
    uint64_t pc = entry + 8;                        /* the adrp */
    uint64_t pages = (data - (pc & ~0xfffull)) >> 12;
    static const uint32_t code[NCODE] = {
        0xa9bf7bfd,                /* stp x29, x30, [sp, #-16]! */
        0x910003fd,                /* mov x29, sp */
        0x90000000,                /* adrp x0, data (filled in below) */
        0xd2800081,                /* mov x1, #4 */
        0x94000005,                /* bl work */
        0xd2800000,                /* mov x0, #0 */
        0xa8c17bfd,                /* ldp x29, x30, [sp], #16 */
        0xd2800ba8,                /* mov x8, #93 (exit) */
        0xd4000001,                /* svc #0 */
        0xa9bf7bfd,                /* work: stp x29, x30, [sp, #-16]! */
        0x910003fd,                /* mov x29, sp */
        0xf9000001,                /* 1: str x1, [x0] */
        0x91401000,                /* add x0, x0, #4, lsl #12 */
        0xf1000421,                /* subs x1, x1, #1 */
        0x54ffffa1,                /* b.ne 1b */
        0xa8c17bfd,                /* ldp x29, x30, [sp], #16 */
        0xd65f03c0,                /* ret */
    };
    memcpy(w, code, sizeof code);
    w[2] |= (uint32_t)((pages & 3) << 29 | ((pages >> 2) & 0x7ffff) << 5);
    if (macho) {
        w[7] = 0xd65f03c0;         /* ret */
        w[8] = 0xd4200020;         /* brk #1 (not reached) */
    }
}

struct out {
    uint8_t *buf;
    size_t cap, len;
    int overflow;
};

static size_t put(struct out *o, size_t at, const void *p, size_t n)
{
    if (at > o->cap || o->cap - at < n) {
        o->overflow = 1;
        return at;
    }
    memcpy(o->buf + at, p, n);
    if (at + n > o->len)
        o->len = at + n;
    return at + n;
}

/* --- ELF ----------------------------------------------------------------------- */

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

static void elf_phdr(Elf64_Phdr *ph, uint64_t off, uint64_t vaddr, uint64_t filesz,
                     uint64_t memsz, uint32_t flags)
{
    *ph = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = flags, .p_offset = off,
                        .p_vaddr = vaddr, .p_paddr = vaddr, .p_filesz = filesz,
                        .p_memsz = memsz, .p_align = 0x4000 };
}

/* .symtab with _start, work and buf, .strtab, .shstrtab and the section headers. */
static void elf_sections(struct out *o, Elf64_Ehdr *eh, uint64_t text, size_t text_end,
                         uint64_t data, uint64_t data_size)
{
    static const char strtab[] = "\0_start\0work\0buf";
    static const char shstr[] = "\0.text\0.bss\0.symtab\0.strtab\0.shstrtab";
    uint64_t entry = text + CODE_OFF;
    Elf64_Sym syms[4] = {
        { 0 },
        { 1, ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), 0, 1, entry, 9 * 4 },
        { 8, ELF64_ST_INFO(STB_GLOBAL, STT_FUNC), 0, 1, entry + 9 * 4, 8 * 4 },
        { 13, ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT), 0, 2, data, data_size },
    };
    size_t sym_off = align8(text_end);
    size_t str_off = put(o, sym_off, syms, sizeof syms);
    size_t shstr_off = put(o, str_off, strtab, sizeof strtab);
    size_t sh_off = align8(put(o, shstr_off, shstr, sizeof shstr));
    Elf64_Shdr sh[6] = {
        { 0 },
        { 1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, entry, CODE_OFF, NCODE * 4, 0, 0, 4, 0 },
        { 7, SHT_NOBITS, SHF_ALLOC | SHF_WRITE, data, 0, data_size, 0, 0, 16, 0 },
        { 12, SHT_SYMTAB, 0, 0, sym_off, sizeof syms, 4, 1, 8, sizeof(Elf64_Sym) },
        { 20, SHT_STRTAB, 0, 0, str_off, sizeof strtab, 0, 0, 1, 0 },
        { 28, SHT_STRTAB, 0, 0, shstr_off, sizeof shstr, 0, 0, 1, 0 },
    };
    put(o, sh_off, sh, sizeof sh);
    eh->e_shoff = sh_off;
    eh->e_shentsize = sizeof(Elf64_Shdr);
    eh->e_shnum = 6;
    eh->e_shstrndx = 5;
}

static size_t elf_image(enum fz_image which, struct out *o)
{
    uint64_t text = which == FZ_ELF_PIE ? 0 : 0x400000;
    uint64_t data = text + 0x10000, data_vaddr = data, data_off = 0, data_filesz = 0;
    uint64_t data_size = DATA_PAGES << 14;
    size_t text_end = CODE_OFF + NCODE * 4;
    if (which == FZ_ELF_COPY) {
        /* As linked for 4 KB pages: the data segment starts 4 KB on from the file
         * offset of its 8 initialised bytes, on the text segment's 16 KB page. */
        data_off = align8(text_end);
        data_vaddr = text + 0x1000 + data_off;
        data_filesz = 8;
        data = text + 0x4000;
        text_end = data_off + 8;
        put(o, data_off, "initdata", 8);
    }
    uint32_t code[NCODE];
    emit_code(code, text + CODE_OFF, data, 0);
    put(o, CODE_OFF, code, sizeof code);
    Elf64_Ehdr eh = {
        .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
        .e_type = which == FZ_ELF_PIE ? ET_DYN : ET_EXEC,
        .e_machine = EM_AARCH64,
        .e_version = EV_CURRENT,
        .e_entry = text + CODE_OFF,
        .e_phoff = sizeof(Elf64_Ehdr),
        .e_ehsize = sizeof(Elf64_Ehdr),
        .e_phentsize = sizeof(Elf64_Phdr),
        .e_phnum = 2,
    };
    Elf64_Phdr ph[2];
    elf_phdr(&ph[0], 0, text, text_end, text_end, PF_R | PF_X);
    elf_phdr(&ph[1], data_off, data_vaddr, data_filesz,
             data + data_size - data_vaddr, PF_R | PF_W);
    elf_sections(o, &eh, text, text_end, data, data_size);
    put(o, 0, &eh, sizeof eh);
    put(o, sizeof eh, ph, sizeof ph);
    return o->len;
}

/* --- Mach-O ---------------------------------------------------------------------- */

#define MACHO_TEXT   0x100000000ull
#define MACHO_DATA   (MACHO_TEXT + 0x4000)

struct cmds {
    struct out *o;
    size_t at;
    uint32_t n;
};

static void u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void u64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void segment(struct cmds *c, const char *name, uint64_t vmaddr, uint64_t vmsize,
                    uint64_t filesize, uint32_t prot, uint32_t nsects)
{
    uint8_t s[72] = { 0 };
    u32(s, 0x19);                  /* LC_SEGMENT_64 */
    u32(s + 4, 72 + 80 * nsects);
    strncpy((char *)s + 8, name, 16);
    u64(s + 24, vmaddr);
    u64(s + 32, vmsize);
    u64(s + 48, filesize);         /* fileoff 0 */
    u32(s + 56, prot);
    u32(s + 60, prot);
    u32(s + 64, nsects);
    c->at = put(c->o, c->at, s, sizeof s);
    c->n++;
}

static void text_section(struct cmds *c)
{
    uint8_t s[80] = { 0 };
    strncpy((char *)s, "__text", 16);
    strncpy((char *)s + 16, "__TEXT", 16);
    u64(s + 32, MACHO_TEXT + MACHO_CODE);
    u64(s + 40, NCODE * 4);
    u32(s + 48, MACHO_CODE);
    u32(s + 52, 2);
    u32(s + 64, 0x80000400);       /* S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS */
    c->at = put(c->o, c->at, s, sizeof s);
}

static void entry_command(struct cmds *c, enum fz_image which)
{
    if (which == FZ_MACHO_THREAD) {
        uint8_t t[16 + 68 * 4] = { 0 };
        u32(t, 0x5);               /* LC_UNIXTHREAD */
        u32(t + 4, sizeof t);
        u32(t + 8, 6);             /* ARM_THREAD_STATE64 */
        u32(t + 12, 68);
        u64(t + 16 + 256, MACHO_TEXT + MACHO_CODE);      /* pc */
        c->at = put(c->o, c->at, t, sizeof t);
    } else {
        uint8_t m[24] = { 0 };
        u32(m, 0x80000028);        /* LC_MAIN */
        u32(m + 4, sizeof m);
        u64(m + 8, MACHO_CODE);      /* entryoff; stacksize 0: the default */
        c->at = put(c->o, c->at, m, sizeof m);
    }
    c->n++;
}

static void dyld_info(struct cmds *c, uint32_t rebase_off, uint32_t rebase_size)
{
    uint8_t d[48] = { 0 };
    u32(d, 0x80000022);            /* LC_DYLD_INFO_ONLY */
    u32(d + 4, sizeof d);
    u32(d + 8, rebase_off);
    u32(d + 12, rebase_size);
    c->at = put(c->o, c->at, d, sizeof d);
    c->n++;
}

static size_t macho_image(enum fz_image which, struct out *o)
{
    /* type pointer; __DATA (segment 2) + 0x100; rebase 2 pointers; done */
    static const uint8_t rebase[] = { 0x11, 0x22, 0x80, 0x02, 0x52, 0x00 };
    size_t rebase_off = MACHO_CODE + NCODE * 4;
    size_t size = rebase_off + (which == FZ_MACHO_PIE ? sizeof rebase : 0);
    struct cmds c = { o, 32, 0 };
    segment(&c, "__PAGEZERO", 0, MACHO_TEXT, 0, 0, 0);
    segment(&c, "__TEXT", MACHO_TEXT, 0x4000, size, 1 | 4, 1);
    text_section(&c);
    segment(&c, "__DATA", MACHO_DATA, DATA_PAGES << 14, 0, 1 | 2, 0);
    entry_command(&c, which);
    if (which == FZ_MACHO_PIE) {
        dyld_info(&c, (uint32_t)rebase_off, sizeof rebase);
        put(o, rebase_off, rebase, sizeof rebase);
    }
    if (c.at > MACHO_CODE)
        o->overflow = 1;
    uint32_t code[NCODE];
    emit_code(code, MACHO_TEXT + MACHO_CODE, MACHO_DATA, 1);
    put(o, MACHO_CODE, code, sizeof code);
    uint8_t h[32] = { 0 };
    u32(h, 0xfeedfacf);            /* MH_MAGIC_64 */
    u32(h + 4, 0x0100000c);        /* CPU_TYPE_ARM64 */
    u32(h + 12, 2);                /* MH_EXECUTE */
    u32(h + 16, c.n);
    u32(h + 20, (uint32_t)(c.at - 32));
    u32(h + 24, 1 | (which == FZ_MACHO_PIE ? 0x200000 : 0));   /* MH_NOUNDEFS, MH_PIE */
    put(o, 0, h, sizeof h);
    return o->len;
}

size_t fz_image(enum fz_image which, uint8_t *buf, size_t cap)
{
    struct out o = { buf, cap, 0, 0 };
    memset(buf, 0, cap);
    size_t n = which < FZ_MACHO_MAIN ? elf_image(which, &o) : macho_image(which, &o);
    return o.overflow ? 0 : n;
}

const char *fz_image_name(enum fz_image which)
{
    static const char *const names[FZ_NIMAGES] = {
        "elf-exec", "elf-pie", "elf-copy", "macho-main", "macho-pie", "macho-thread",
    };
    return (unsigned)which < FZ_NIMAGES ? names[which] : "?";
}

int fz_memfile(const void *data, size_t n, char *path, size_t pathlen)
{
    int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    const uint8_t *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    snprintf(path, pathlen, "/proc/self/fd/%d", fd);
    return fd;
}
