/* tools/repl_sym.c — function and object symbols of the program's ELF file, for
 * "main+0x24" in listings and `break main`. Only fixed-address (ET_EXEC) images:
 * their symbol values are the addresses the guest runs at. Every offset read from
 * the file is checked against its size, and tables must be aligned as linkers align
 * them (the file is read into one malloc'ed buffer and its tables used in place). */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/repl.h"

struct sym {
    uint64_t addr, size;
    const char *name;              /* in strtab */
};

struct symtab {
    char *strtab;
    size_t strsize;
    struct sym *s;
    size_t n;
};

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        *size = (size_t)n;
    fclose(f);
    return buf;
}

static bool in_file(size_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

static int by_addr(const void *a, const void *b)
{
    const struct sym *x = a, *y = b;
    return (x->addr > y->addr) - (x->addr < y->addr);
}

static bool wanted(const Elf64_Sym *s)
{
    int type = ELF64_ST_TYPE(s->st_info);
    return (type == STT_FUNC || type == STT_OBJECT) && s->st_value && s->st_shndx != SHN_UNDEF;
}

static struct symtab *parse(const unsigned char *f, size_t size)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)f;
    if (size < sizeof *eh || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
        eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_type != ET_EXEC ||
        eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff % _Alignof(Elf64_Shdr) ||
        !in_file(size, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
        return NULL;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(f + eh->e_shoff);
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Shdr *str = &sh[sh[i].sh_link];
        if (sh[i].sh_offset % _Alignof(Elf64_Sym) ||
            !in_file(size, sh[i].sh_offset, sh[i].sh_size) ||
            !in_file(size, str->sh_offset, str->sh_size) || str->sh_size == 0)
            return NULL;
        struct symtab *t = calloc(1, sizeof *t);
        size_t nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
        if (!t || !(t->strtab = malloc(str->sh_size + 1)) ||
            !(t->s = calloc(nsyms ? nsyms : 1, sizeof *t->s))) {
            sym_free(t);
            return NULL;
        }
        memcpy(t->strtab, f + str->sh_offset, str->sh_size);
        t->strtab[str->sh_size] = 0;
        t->strsize = str->sh_size;
        const Elf64_Sym *s = (const Elf64_Sym *)(f + sh[i].sh_offset);
        for (size_t k = 0; k < nsyms; k++)
            if (wanted(&s[k]) && s[k].st_name < t->strsize && t->strtab[s[k].st_name])
                t->s[t->n++] = (struct sym){ s[k].st_value, s[k].st_size,
                                             t->strtab + s[k].st_name };
        qsort(t->s, t->n, sizeof *t->s, by_addr);
        return t;
    }
    return NULL;
}

struct symtab *sym_load(const char *path)
{
    size_t size;
    unsigned char *f = read_file(path, &size);
    struct symtab *t = f ? parse(f, size) : NULL;
    free(f);
    return t;
}

void sym_free(struct symtab *t)
{
    if (!t)
        return;
    free(t->strtab);
    free(t->s);
    free(t);
}

bool sym_describe(const struct symtab *t, uint64_t addr, char *buf, size_t len)
{
    if (!t || t->n == 0 || addr < t->s[0].addr)
        return false;
    size_t lo = 0, hi = t->n;      /* last symbol with addr <= target */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (t->s[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    /* Several symbols may share an address: prefer one whose size covers addr. */
    for (size_t i = lo + 1; i-- > 0 && t->s[i].addr == t->s[lo].addr;) {
        const struct sym *s = &t->s[i];
        if (addr - s->addr < (s->size ? s->size : 1)) {
            if (addr == s->addr)
                snprintf(buf, len, "%s", s->name);
            else
                snprintf(buf, len, "%s+0x%llx", s->name, (unsigned long long)(addr - s->addr));
            return true;
        }
    }
    return false;
}

const char *sym_name(const struct symtab *t, size_t i)
{
    return t && i < t->n ? t->s[i].name : NULL;
}

bool sym_lookup(const struct symtab *t, const char *name, uint64_t *addr)
{
    for (size_t i = 0; t && i < t->n; i++)
        if (!strcmp(t->s[i].name, name)) {
            *addr = t->s[i].addr;
            return true;
        }
    return false;
}
