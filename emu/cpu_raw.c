/* emu/cpu_raw.c — a bare Unicorn, the yardstick of machemu's CPU speed (benchmarks).
 *
 * The same Unicorn as the machine's CPU (emu/cpu.c: the MAX CPU model, 16 KB pages,
 * virtual-TLB mode, EL0 as Linux sets it up), with none of the machine: every virtual
 * address is its own physical one (the TLB fill hook is the identity), there is no
 * MMU, VM, clock or task, and a program may only write to stdout or stderr and exit.
 * What machemu costs on top of Unicorn is then its run time over this one's. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "emu/cpu_unicorn.h"

struct raw {
    uc_engine *uc;
    uint8_t *ram;
    uint64_t size;
    uint64_t text_start, text_end;   /* executable: fetched, never written */
    int status;
    bool exited;
};

/* Code pages are read-execute, all others read-write: as machemu gives data pages no
 * EXEC (emu/cpu.c), so neither pays Unicorn's self-modifying-code check on stores. */
static bool on_fill(uc_engine *uc, uint64_t va, uc_mem_type type, uc_tlb_entry *r, void *ctx)
{
    (void)uc;
    (void)type;
    struct raw *raw = ctx;
    if (va >= raw->size)
        return false;
    bool text = va >= raw->text_start && va < raw->text_end;
    r->paddr = va & ~(uint64_t)PAGE_MASK;
    r->perms = text ? UC_PROT_READ | UC_PROT_EXEC : UC_PROT_READ | UC_PROT_WRITE;
    return true;
}

static void on_svc(uc_engine *uc, uint32_t intno, void *ctx)
{
    struct raw *raw = ctx;
    uint64_t nr = 0, a0 = 0, a1 = 0, a2 = 0;
    uc_reg_read(uc, UC_ARM64_REG_X8, &nr);
    uc_reg_read(uc, UC_ARM64_REG_X0, &a0);
    uc_reg_read(uc, UC_ARM64_REG_X1, &a1);
    uc_reg_read(uc, UC_ARM64_REG_X2, &a2);
    int64_t ret = -38;             /* ENOSYS */
    if (intno != 2 || nr == 93 || nr == 94) {   /* not svc: stop too, as a failure */
        raw->exited = true;
        raw->status = intno == 2 ? (int)(a0 & 0xff) : 128 + 4;
        uc_emu_stop(uc);
        return;
    }
    if (nr == 64 && (a0 == 1 || a0 == 2) && a1 < raw->size && a2 <= raw->size - a1)
        ret = write((int)a0, raw->ram + a1, a2);
    uc_reg_write(uc, UC_ARM64_REG_X0, &ret);
}

/* Copies the PT_LOAD segments of a static ELF into RAM at their addresses. */
static int load_elf(struct raw *raw, const uint8_t *f, size_t len, uint64_t *entry,
                    char *err, size_t errlen)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
    if (len < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_machine != EM_AARCH64 ||
        eh->e_phoff > len || eh->e_phnum > (len - eh->e_phoff) / sizeof(Elf64_Phdr)) {
        snprintf(err, errlen, "not a static AArch64 ELF");
        return -1;
    }
    const Elf64_Phdr *ph = (const Elf64_Phdr *)(f + eh->e_phoff);
    for (int i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        if (ph[i].p_vaddr >= raw->size || ph[i].p_memsz > raw->size - ph[i].p_vaddr ||
            ph[i].p_filesz > ph[i].p_memsz || ph[i].p_offset > len ||
            ph[i].p_filesz > len - ph[i].p_offset) {
            snprintf(err, errlen, "a segment does not fit in RAM");
            return -1;
        }
        memcpy(raw->ram + ph[i].p_vaddr, f + ph[i].p_offset, ph[i].p_filesz);
        if (ph[i].p_flags & PF_X) {
            raw->text_start = ph[i].p_vaddr & ~(uint64_t)PAGE_MASK;
            raw->text_end = round_page(ph[i].p_vaddr + ph[i].p_memsz);
        }
    }
    *entry = eh->e_entry;
    return 0;
}

/* argc, argv, an empty environment and auxiliary vector at the top of RAM. */
static uint64_t push_args(struct raw *raw, int argc, char *const argv[])
{
    uint64_t sp = raw->size - PAGE_SIZE, ptrs[64];
    for (int i = 0; i < argc && i < 64; i++) {
        size_t n = strlen(argv[i]) + 1;
        sp -= n;
        memcpy(raw->ram + sp, argv[i], n);
        ptrs[i] = sp;
    }
    sp &= ~(uint64_t)15;
    uint64_t words = (uint64_t)argc + 5;
    sp -= ((words * 8) + 15) & ~(uint64_t)15;
    uint64_t *w = (uint64_t *)(raw->ram + sp);
    w[0] = (uint64_t)argc;
    for (int i = 0; i < argc; i++)
        w[1 + i] = ptrs[i];
    memset(w + 1 + argc, 0, 4 * sizeof *w);   /* argv end, envp end, AT_NULL */
    return sp;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    int rc = -1;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (*buf = malloc((size_t)n))) {
            *len = fread(*buf, 1, (size_t)n, f);
            rc = *len == (size_t)n ? 0 : -1;
        }
    }
    fclose(f);
    return rc;
}

int cpu_raw_run(const char *path, int argc, char *const argv[], uint64_t ram_size,
                char *err, size_t errlen)
{
    struct raw raw = { .size = round_page(ram_size) };
    uint8_t *file = NULL;
    size_t len = 0;
    uint64_t entry, sp;
    uc_hook h;
    uc_err e = UC_ERR_OK;
    int rc = -1;
    if (argc < 1 || argc > 64 || read_file(path, &file, &len) < 0) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    raw.ram = mmap(NULL, raw.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw.ram == MAP_FAILED) {
        snprintf(err, errlen, "out of host memory");
        free(file);
        return -1;
    }
    if (load_elf(&raw, file, len, &entry, err, errlen) < 0)
        goto out;
    sp = push_args(&raw, argc, argv);
    if ((e = uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &raw.uc)) != UC_ERR_OK ||
        (e = uc_ctl_set_cpu_model(raw.uc, UC_CPU_ARM64_MAX)) != UC_ERR_OK ||
        (e = uc_ctl_set_page_size(raw.uc, (uint32_t)PAGE_SIZE)) != UC_ERR_OK ||
        (e = uc_ctl_tlb_mode(raw.uc, UC_TLB_VIRTUAL)) != UC_ERR_OK ||
        (e = uc_mem_map_ptr(raw.uc, 0, raw.size, UC_PROT_ALL, raw.ram)) != UC_ERR_OK ||
        (e = uc_hook_add(raw.uc, &h, UC_HOOK_TLB_FILL, (void *)on_fill, &raw, 1, 0)) != UC_ERR_OK ||
        (e = uc_hook_add(raw.uc, &h, UC_HOOK_INTR, (void *)on_svc, &raw, 1, 0)) != UC_ERR_OK ||
        (e = cpu_el0_init(raw.uc)) != UC_ERR_OK ||
        (e = uc_reg_write(raw.uc, UC_ARM64_REG_SP, &sp)) != UC_ERR_OK)
        goto out;
    e = uc_emu_start(raw.uc, entry, 0, 0, 0);
    if (!raw.exited)
        snprintf(err, errlen, "stopped without exit: %s", uc_strerror(e));
    else
        rc = raw.status;
out:
    if (e != UC_ERR_OK && rc < 0 && !raw.exited)
        snprintf(err, errlen, "unicorn: %s", uc_strerror(e));
    if (raw.uc)
        uc_close(raw.uc);
    munmap(raw.ram, raw.size);
    free(file);
    return rc;
}
