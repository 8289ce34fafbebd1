/* emu/loader.c — what the ELF and Mach-O loaders share, and the choice between them.
 *
 * An executable is recognised by its first four bytes: ELF (Linux ABI) or Mach-O
 * (Darwin ABI). Both loaders map file-backed segments copy-on-write from the file's
 * vnode object, zero-fill the rest, and build the initial stack through copyout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "emu/internal.h"

int loader_fail(char *err, size_t errlen, const char *path, const char *why)
{
    snprintf(err, errlen, "%s: %s", path, why);
    return -1;
}

int loader_read_at(int fd, void *buf, size_t len, uint64_t off)
{
    ssize_t n = pread(fd, buf, len, (off_t)off);
    return n == (ssize_t)len ? 0 : -1;
}

/* Size of the regular file at fd; -1 with err set otherwise. */
static int64_t file_size(int fd, const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode))
        return loader_fail(err, errlen, path, "not a regular file");
    return st.st_size;
}

struct vm_object *loader_file_object(struct emu *emu, int fd, const char *path)
{
    int vfd = dup(fd);
    struct vnode *vn = vfd >= 0 ? vnode_get(vfd, path) : NULL;
    struct vm_object *obj = vn ? vm_object_for_vnode(&emu->vm, vn) : NULL;
    if (vn)
        vnode_release(vn);         /* the object holds it now */
    else if (vfd >= 0)
        close(vfd);
    return obj;
}

kern_return_t loader_map_file(struct task *t, struct vm_object *fobj, uint64_t addr,
                              uint64_t size, uint64_t offset, const char *tag)
{
    vm_object_reference(fobj);
    return vm_map_enter(t->map, &addr, size, VM_FLAGS_FIXED | VM_FLAGS_OVERWRITE, fobj, offset,
                        true, VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_COPY, tag);
}

kern_return_t loader_map_anon(struct task *t, uint64_t addr, uint64_t size, const char *tag)
{
    return vm_map_enter(t->map, &addr, size, VM_FLAGS_FIXED, NULL, 0, false,
                        VM_PROT_READ | VM_PROT_WRITE, VM_PROT_ALL, VM_INHERIT_COPY, tag);
}

int loader_zero_to_page_end(struct emu *emu, uint64_t from)
{
    static const uint8_t zeros[PAGE_SIZE];
    if (!(from & PAGE_MASK))
        return 0;
    return copyout(emu, from, zeros, PAGE_SIZE - (from & PAGE_MASK));
}

int loader_map_stack(struct task *t, uint64_t top, uint64_t size)
{
    uint64_t guard = top - size - PAGE_SIZE, stack = top - size;
    t->stack_top = top;
    if (vm_map_enter(t->map, &guard, PAGE_SIZE, VM_FLAGS_FIXED, NULL, 0, false, VM_PROT_NONE,
                     VM_PROT_NONE, VM_INHERIT_COPY, "stack guard") != KERN_SUCCESS)
        return -1;
    return loader_map_anon(t, stack, size, "stack") == KERN_SUCCESS ? 0 : -1;
}

int loader_map_code(struct emu *emu, struct task *t, uint64_t at, const uint32_t *code,
                    size_t len, const char *tag)
{
    if (loader_map_anon(t, at, PAGE_SIZE, tag) != KERN_SUCCESS || copyout(emu, at, code, len) < 0)
        return -1;
    return vm_map_protect(t->map, at, at + PAGE_SIZE, VM_PROT_READ | VM_PROT_EXECUTE, false)
           == KERN_SUCCESS ? 0 : -1;
}

uint64_t loader_push(struct loader_stack *s, const void *p, size_t n)
{
    s->sp -= n;
    if (copyout(s->emu, s->sp, p, n) < 0)
        s->err = -1;
    return s->sp;
}

uint64_t loader_push_str(struct loader_stack *s, const char *str)
{
    return loader_push(s, str, strlen(str) + 1);
}

void loader_set_names(struct task *t, const char *path)
{
    const char *base = strrchr(path, '/');
    char *name = strdup(base ? base + 1 : path), *exe = strdup(path);
    free(t->name);
    free(t->exe);
    t->name = name;
    t->exe = exe;
}

static void keep_cmdline(struct task *t, int argc, char *const argv[])
{
    size_t n = 0;
    for (int i = 0; i < argc; i++)
        n += strlen(argv[i]) + 1;
    char *text = malloc(n ? n : 1), *p = text;
    if (!text)
        return;
    for (int i = 0; i < argc; i++)
        p = stpcpy(p, argv[i]) + 1;
    free(t->cmdline);
    t->cmdline = text;
    t->cmdline_len = n;
}

static const uint8_t ELF_MAGIC[4] = { 0x7f, 'E', 'L', 'F' };

int exec_load(struct emu *emu, struct task *t, int fd, const char *path, int argc,
              char *const argv[], char *const envp[], struct exec_start *start,
              char *err, size_t errlen)
{
    uint8_t magic[4];
    int64_t size = file_size(fd, path, err, errlen);
    if (size < 0)
        return -1;
    if (size < 4 || loader_read_at(fd, magic, sizeof magic, 0) < 0)
        return loader_fail(err, errlen, path, "not an executable (shorter than any header)");
    *start = (struct exec_start){ 0 };
    int rc;
    enum task_abi abi;
    if (!memcmp(magic, ELF_MAGIC, sizeof magic)) {
        abi = TASK_ABI_LINUX;
        rc = elf_load(emu, t, fd, (uint64_t)size, path, argc, argv, envp, start, err, errlen);
    } else if (macho_is_macho(magic)) {
        abi = TASK_ABI_DARWIN;
        rc = macho_load(emu, t, fd, (uint64_t)size, path, argc, argv, envp, start, err, errlen);
    } else if (magic[0] == '#' && magic[1] == '!') {
        return loader_fail(err, errlen, path, "a script (#!), not an ELF or Mach-O executable: "
                           "run its interpreter on it");
    } else {
        return loader_fail(err, errlen, path, "not an executable: neither ELF nor Mach-O");
    }
    if (rc == 0 && emu_shared_cache_enter(emu, t) < 0)
        rc = loader_fail(err, errlen, path, "out of memory mapping the shared region");
    if (rc == 0) {
        t->abi = abi;
        keep_cmdline(t, argc, argv);
    }
    return rc;
}

void exec_start_apply(struct emu *emu, const struct exec_start *s)
{
    for (int i = 0; i < 4; i++)
        cpu_set_reg(emu, CPU_X(i), s->x[i]);
    cpu_set_reg(emu, CPU_LR, s->lr);
    cpu_set_reg(emu, CPU_SP, s->sp);
    cpu_set_reg(emu, CPU_PC, s->pc);
}
