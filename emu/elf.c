/* emu/elf.c — loading an AArch64 ELF executable into a fresh task.
 *
 * Segments whose file offset and address agree modulo 16 KB are mapped from the
 * file (private, copy-on-write); others (binaries linked for 4 KB pages) are
 * copied into anonymous memory. The stack gets argv, envp and the auxv that glibc
 * and musl expect, with AT_PAGESZ = 16384. A dynamically linked program (PT_INTERP)
 * gets its interpreter, looked up inside the guest root as Linux looks it up in "/",
 * loaded beside it; the interpreter starts and maps the libraries itself. */
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <string.h>
#include "emu/internal.h"

#define STACK_TOP      0x7ffffff00000ull
#define STACK_SIZE     (8ull << 20)
#define PIE_BASE       0x555555540000ull
#define MMAP_BASE      0x7f0000000000ull
#define INTERP_BASE    0x7fff00000000ull   /* the dynamic loader, above the mmap area */
#define MAX_PHNUM      64

/* HWCAP: FP ASIMD AES PMULL SHA1 SHA2 CRC32 ATOMICS */
#define GUEST_HWCAP 0x1fbull

struct image {
    int fd;
    uint64_t size;
    Elf64_Ehdr eh;
    Elf64_Phdr ph[MAX_PHNUM];
    uint64_t bias;                 /* load address - link address */
    uint64_t lo, hi;               /* extent of the PT_LOADs (link addresses) */
    uint64_t phdr;                 /* run-time address of the program headers */
    int interp;                    /* index of PT_INTERP, or -1 */
};

/* What `file` would say of an ELF file's machine: "x86-64", "32-bit ARM". */
static const char *elf_machine_name(const Elf64_Ehdr *eh)
{
    static const struct { unsigned machine; const char *name; } names[] = {
        { EM_X86_64, "x86-64" }, { EM_386, "Intel 80386" }, { EM_ARM, "32-bit ARM" },
        { EM_RISCV, "RISC-V" }, { EM_PPC64, "64-bit PowerPC" }, { EM_PPC, "PowerPC" },
        { EM_MIPS, "MIPS" }, { EM_S390, "IBM S/390" }, { EM_SPARCV9, "SPARC V9" },
        { EM_AARCH64, "AArch64" },
    };
    bool little = eh->e_ident[EI_DATA] == ELFDATA2LSB;
    /* e_machine sits at the same offset in 32-bit headers */
    unsigned machine = little ? eh->e_machine : (unsigned)(eh->e_machine >> 8 | (eh->e_machine & 0xff) << 8);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (machine == names[i].machine && (little || machine != EM_AARCH64))
            return names[i].name;
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return "32-bit, for another machine";
    return little ? "for another machine" : "big-endian";
}

static int check_image(struct image *im, const char *path, char *err, size_t errlen)
{
    const Elf64_Ehdr *eh = &im->eh;
    if (loader_read_at(im->fd, &im->eh, sizeof im->eh, 0) < 0 || memcmp(eh->e_ident, ELFMAG, SELFMAG))
        return loader_fail(err, errlen, path, "not an ELF file");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
        eh->e_machine != EM_AARCH64) {
        char why[96];
        snprintf(why, sizeof why, "not an AArch64 executable (ELF %s)", elf_machine_name(eh));
        return loader_fail(err, errlen, path, why);
    }
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return loader_fail(err, errlen, path, "not an executable (ELF type is neither EXEC nor DYN)");
    if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > MAX_PHNUM ||
        eh->e_phoff > im->size || im->size - eh->e_phoff < (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) ||
        loader_read_at(im->fd, im->ph, eh->e_phnum * sizeof(Elf64_Phdr), eh->e_phoff) < 0)
        return loader_fail(err, errlen, path, "malformed ELF program headers");
    im->lo = UINT64_MAX;
    im->hi = 0;
    im->interp = -1;
    for (int i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = &im->ph[i];
        if (ph->p_type == PT_INTERP) {
            if (im->interp >= 0 || ph->p_filesz < 2 || ph->p_filesz > PATH_MAX ||
                ph->p_offset > im->size || im->size - ph->p_offset < ph->p_filesz)
                return loader_fail(err, errlen, path, "malformed PT_INTERP");
            im->interp = i;
        }
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
            continue;
        if (ph->p_filesz > ph->p_memsz || ph->p_offset > im->size || im->size - ph->p_offset < ph->p_filesz ||
            ph->p_vaddr + ph->p_memsz < ph->p_vaddr || ph->p_vaddr + ph->p_memsz > STACK_TOP - STACK_SIZE)
            return loader_fail(err, errlen, path, "malformed ELF segment (outside the file or the address space)");
        if (trunc_page(ph->p_vaddr) < im->lo)
            im->lo = trunc_page(ph->p_vaddr);
        if (round_page(ph->p_vaddr + ph->p_memsz) > im->hi)
            im->hi = round_page(ph->p_vaddr + ph->p_memsz);
    }
    if (im->hi == 0)
        return loader_fail(err, errlen, path, "no loadable segment");
    im->bias = eh->e_type == ET_DYN && im->lo < 0x10000 ? PIE_BASE : 0;
    if (im->lo + im->bias < 0x10000)
        return loader_fail(err, errlen, path, "loads below 64 KB");
    return 0;
}

static vm_prot_t prot_of(uint32_t flags)
{
    return (flags & PF_R ? VM_PROT_READ : 0) | (flags & PF_W ? VM_PROT_WRITE : 0) |
           (flags & PF_X ? VM_PROT_EXECUTE : 0);
}

/* Maps the file part copy-on-write from the file's object. */
static kern_return_t map_from_file(struct task *t, struct vm_object *fobj, const Elf64_Phdr *ph,
                                   uint64_t bias, const char *tag)
{
    uint64_t start = trunc_page(ph->p_vaddr) + bias;
    uint64_t end = round_page(ph->p_vaddr + ph->p_filesz) + bias;
    return loader_map_file(t, fobj, start, end - start, trunc_page(ph->p_offset), tag);
}

/* Copies [p_offset, +filesz) to p_vaddr through already mapped, writable memory. */
static int copy_from_file(struct emu *emu, int fd, const Elf64_Phdr *ph, uint64_t bias)
{
    char buf[16384];
    for (uint64_t done = 0; done < ph->p_filesz;) {
        size_t n = ph->p_filesz - done < sizeof buf ? (size_t)(ph->p_filesz - done) : sizeof buf;
        if (loader_read_at(fd, buf, n, ph->p_offset + done) < 0 ||
            copyout(emu, ph->p_vaddr + bias + done, buf, n) < 0)
            return -1;
        done += n;
    }
    return 0;
}

static int load_segment(struct emu *emu, struct task *t, struct image *im, struct vm_object *fobj,
                        const Elf64_Phdr *ph)
{
    bool congruent = (ph->p_vaddr - ph->p_offset) % PAGE_SIZE == 0;
    const char *tag = ph->p_flags & PF_X ? "text" : ph->p_flags & PF_W ? "data" : "rodata";
    uint64_t file_end = ph->p_vaddr + ph->p_filesz + im->bias;
    uint64_t mem_start = trunc_page(ph->p_vaddr) + im->bias;
    uint64_t mem_end = round_page(ph->p_vaddr + ph->p_memsz) + im->bias;
    uint64_t anon_start = congruent ? round_page(file_end) : mem_start;

    if (congruent && ph->p_filesz && map_from_file(t, fobj, ph, im->bias, tag) != KERN_SUCCESS)
        return -1;
    if (anon_start < mem_end) {
        uint64_t a = anon_start;
        /* With 4 KB-aligned segments the first page may already hold the previous one. */
        if (!vm_map_range_free(t->map, a, a + PAGE_SIZE) && !congruent)
            a += PAGE_SIZE;
        if (a < mem_end && loader_map_anon(t, a, mem_end - a, congruent ? "bss" : tag) != KERN_SUCCESS)
            return -1;
    }
    if (!congruent && copy_from_file(emu, im->fd, ph, im->bias) < 0)
        return -1;
    /* The file's bytes after p_filesz in the last file page must read as zero. */
    if (congruent && ph->p_memsz > ph->p_filesz && loader_zero_to_page_end(emu, file_end) < 0)
        return -1;
    return 0;
}

/* Final rights once everything is written; pages shared by two segments get both. */
static void protect_segments(struct task *t, struct image *im)
{
    for (int i = 0; i < im->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &im->ph[i];
        if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
            continue;
        uint64_t s = trunc_page(ph->p_vaddr) + im->bias, e = round_page(ph->p_vaddr + ph->p_memsz) + im->bias;
        vm_prot_t prot = prot_of(ph->p_flags);
        for (int j = 0; j < im->eh.e_phnum; j++) {
            const Elf64_Phdr *q = &im->ph[j];
            if (j != i && q->p_type == PT_LOAD && q->p_memsz &&
                trunc_page(q->p_vaddr) < round_page(ph->p_vaddr + ph->p_memsz) &&
                round_page(q->p_vaddr + q->p_memsz) > trunc_page(ph->p_vaddr))
                prot |= prot_of(q->p_flags);
        }
        vm_map_protect(t->map, s, e, prot, false);
    }
}

static uint64_t find_phdr(const struct image *im)
{
    for (int i = 0; i < im->eh.e_phnum; i++)
        if (im->ph[i].p_type == PT_PHDR)
            return im->ph[i].p_vaddr + im->bias;
    for (int i = 0; i < im->eh.e_phnum; i++) {
        const Elf64_Phdr *ph = &im->ph[i];
        if (ph->p_type == PT_LOAD && ph->p_offset <= im->eh.e_phoff &&
            im->eh.e_phoff < ph->p_offset + ph->p_filesz)
            return ph->p_vaddr + (im->eh.e_phoff - ph->p_offset) + im->bias;
    }
    return 0;
}

static int build_stack(struct emu *emu, struct task *t, struct image *im, uint64_t base, int argc,
                       char *const argv[], char *const envp[], uint64_t *sp_out)
{
    int envc = 0;
    while (envp && envp[envc])
        envc++;
    uint64_t *vec = calloc((size_t)argc + envc + 64, sizeof *vec);
    if (!vec)
        return -1;
    struct loader_stack s = { emu, t->stack_top, 0 };
    uint64_t execfn = loader_push_str(&s, t->exe);
    uint64_t platform = loader_push_str(&s, "aarch64");
    uint8_t random[16];
    for (int i = 0; i < 16; i++)
        random[i] = (uint8_t)(0x5a ^ (i * 37));   /* fixed: runs are deterministic */
    uint64_t at_random = loader_push(&s, random, sizeof random);
    size_t n = 0;
    vec[n++] = (uint64_t)argc;
    uint64_t *args = &vec[n];
    n += (size_t)argc + 1;
    uint64_t *envs = &vec[n];
    n += (size_t)envc + 1;
    for (int i = argc - 1; i >= 0; i--)
        args[i] = loader_push_str(&s, argv[i]);
    for (int i = envc - 1; i >= 0; i--)
        envs[i] = loader_push_str(&s, envp[i]);
    const uint64_t aux[][2] = {
        { AT_PHDR, im->phdr }, { AT_PHENT, sizeof(Elf64_Phdr) }, { AT_PHNUM, im->eh.e_phnum },
        { AT_PAGESZ, PAGE_SIZE }, { AT_BASE, base }, { AT_FLAGS, 0 },
        { AT_ENTRY, im->eh.e_entry + im->bias }, { AT_UID, t->cred.ruid }, { AT_EUID, t->cred.euid },
        { AT_GID, t->cred.rgid }, { AT_EGID, t->cred.egid }, { AT_PLATFORM, platform }, { AT_HWCAP, GUEST_HWCAP },
        { AT_HWCAP2, 0 }, { AT_CLKTCK, 100 }, { AT_SECURE, 0 }, { AT_RANDOM, at_random },
        { AT_EXECFN, execfn }, { AT_MINSIGSTKSZ, 5120 }, { AT_NULL, 0 },
    };
    for (size_t i = 0; i < sizeof aux / sizeof *aux; i++) {
        vec[n++] = aux[i][0];
        vec[n++] = aux[i][1];
    }
    s.sp = (s.sp - n * sizeof *vec) & ~15ull;
    if (copyout(emu, s.sp, vec, n * sizeof *vec) < 0)
        s.err = -1;
    free(vec);
    *sp_out = s.sp;
    return s.err;
}

#define SIGTRAMP       0x7ffffff80000ull

/* The page signal handlers return through when they gave no SA_RESTORER. */
static int map_sigtramp(struct emu *emu, struct task *t)
{
    static const uint32_t code[] = { 0xd2801168 /* mov x8, #139 */, 0xd4000001 /* svc #0 */ };
    t->sigtramp = SIGTRAMP;
    return loader_map_code(emu, t, SIGTRAMP, code, sizeof code, "sigtramp");
}

static int load_image(struct emu *emu, struct task *t, struct image *im, const char *path)
{
    struct vm_object *fobj = loader_file_object(emu, im->fd, path);
    int rc = fobj ? 0 : -1;
    for (int i = 0; rc == 0 && i < im->eh.e_phnum; i++)
        if (im->ph[i].p_type == PT_LOAD && im->ph[i].p_memsz)
            rc = load_segment(emu, t, im, fobj, &im->ph[i]);
    vm_object_deallocate(fobj);
    if (rc == 0) {
        protect_segments(t, im);
        im->phdr = find_phdr(im);
    }
    return rc;
}

/* The interpreter PT_INTERP names, opened inside the root: a shared object (ET_DYN,
 * itself without PT_INTERP), placed at INTERP_BASE. fd -1 with err set on failure. */
static int open_interp(struct emu *emu, const struct image *main, const char *path,
                       struct image *in, char *err, size_t errlen)
{
    char name[PATH_MAX + 1] = { 0 }, why[PATH_MAX + 96];
    const Elf64_Phdr *ph = &main->ph[main->interp];
    struct stat st;
    in->fd = -1;
    if (loader_read_at(main->fd, name, ph->p_filesz, ph->p_offset) < 0 || name[ph->p_filesz - 1] ||
        !name[0])
        return loader_fail(err, errlen, path, "malformed PT_INTERP");
    int fd = fs_open(emu, AT_FDCWD, name, O_RDONLY, 0);
    if (fd < 0) {
        snprintf(why, sizeof why, "its interpreter %s (PT_INTERP): %s in the guest root (--root)",
                 name, strerror(-fd));
        return loader_fail(err, errlen, path, why);
    }
    in->fd = fd;
    in->size = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    snprintf(why, sizeof why, "%s (its interpreter)", name);
    if (check_image(in, why, err, errlen) < 0)
        return -1;
    if (in->interp >= 0 || in->eh.e_type != ET_DYN)
        return loader_fail(err, errlen, why, "not a shared object without an interpreter");
    in->bias = INTERP_BASE - in->lo;
    return 0;
}

int elf_load(struct emu *emu, struct task *t, int fd, uint64_t size, const char *path, int argc,
             char *const argv[], char *const envp[], struct exec_start *start,
             char *err, size_t errlen)
{
    struct image im = { .fd = fd, .size = size }, in = { .fd = -1 };
    if (check_image(&im, path, err, errlen) < 0)
        return -1;
    if (im.interp >= 0 && open_interp(emu, &im, path, &in, err, errlen) < 0) {
        if (in.fd >= 0)
            close(in.fd);
        return -1;
    }
    bool dynamic = im.interp >= 0;
    loader_set_names(t, path);
    int rc = t->name && t->exe ? load_image(emu, t, &im, path) : -1;
    if (rc == 0 && dynamic)
        rc = load_image(emu, t, &in, path);
    if (dynamic)
        close(in.fd);
    if (rc == 0) {
        t->brk_start = t->brk_end = im.hi + im.bias;
        t->mmap_hint = MMAP_BASE;
        rc = loader_map_stack(t, STACK_TOP, STACK_SIZE);
    }
    if (rc == 0)
        rc = map_sigtramp(emu, t);
    if (rc == 0)
        rc = build_stack(emu, t, &im, dynamic ? in.bias : 0, argc, argv, envp, &start->sp);
    if (rc < 0)
        return loader_fail(err, errlen, path, "cannot load: out of guest memory or bad segment layout");
    start->pc = dynamic ? in.eh.e_entry + in.bias : im.eh.e_entry + im.bias;
    return 0;
}
