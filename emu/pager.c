/* emu/pager.c — the machine's compressor: iOS (memory only) or macOS (swap files). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "emu/internal.h"
#include "vm/vm_compressor.h"

/* Swap files are named as macOS names /private/var/vm/swapfile0, 1, ...; each is as
 * large as the RAM, and there are at most EMU_SWAP_FILES of them (XNU's
 * VM_MAX_SWAP_FILE_NUM on macOS). */
#define SWAP_NAMES 1000u

static bool inside(const char *dir, const char *root)
{
    size_t n = strlen(root);
    return !strncmp(dir, root, n) && (dir[n] == '/' || dir[n] == 0 || !strcmp(root, "/"));
}

/* The directory the swap file goes in: --swap-dir, or a new one under $TMPDIR that
 * is removed again at exit. Never inside the guest root, where the guest could read
 * other tasks' memory from it. */
static int swap_dir(struct emu *emu, char *err, size_t errlen)
{
    if (emu->opt.swap_dir) {
        emu->swap_dir = realpath(emu->opt.swap_dir, NULL);
        if (!emu->swap_dir) {
            snprintf(err, errlen, "swap directory %s: %s", emu->opt.swap_dir, strerror(errno));
            return -1;
        }
    } else {
        const char *tmp = getenv("TMPDIR");
        char templ[4096];
        snprintf(templ, sizeof templ, "%s/machemu-swap.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(templ) || !(emu->swap_dir = realpath(templ, NULL))) {
            snprintf(err, errlen, "cannot create a swap directory %s: %s", templ, strerror(errno));
            return -1;
        }
        emu->swap_dir_made = true;
    }
    if (inside(emu->swap_dir, emu->root)) {
        snprintf(err, errlen, "swap directory %s is inside the guest root %s: the guest could "
                 "read the swap file", emu->swap_dir, emu->root);
        return -1;
    }
    return 0;
}

/* compressor_swap_ops.create: the first swapfileN the directory does not hold, made
 * here (O_EXCL), so that runs sharing a directory never touch each other's files. */
static int swap_create(void *ctx)
{
    struct emu *emu = ctx;
    if (emu->nswap == EMU_SWAP_FILES)
        return -ENOSPC;
    int dfd = open(emu->swap_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return -errno;
    int fd = -EEXIST;
    for (unsigned i = emu->nswap ? emu->swap_names[emu->nswap - 1] + 1 : 0;
         fd == -EEXIST && i < SWAP_NAMES; i++) {
        char name[24];
        snprintf(name, sizeof name, "swapfile%u", i);
        fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0) {
            fd = -errno;
            continue;
        }
        emu->swap_fds[emu->nswap] = fd;
        emu->swap_names[emu->nswap++] = i;
    }
    close(dfd);
    return fd;
}

/* Removes the swap files this run made, each only if its name still leads to it. */
static void swap_remove(struct emu *emu)
{
    int dfd = open(emu->swap_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    for (unsigned i = 0; i < emu->nswap; i++) {
        char name[24];
        struct stat ours, named;
        snprintf(name, sizeof name, "swapfile%u", emu->swap_names[i]);
        if (dfd >= 0 && fstat(emu->swap_fds[i], &ours) == 0 &&
            fstatat(dfd, name, &named, AT_SYMLINK_NOFOLLOW) == 0 &&
            ours.st_dev == named.st_dev && ours.st_ino == named.st_ino)
            unlinkat(dfd, name, 0);
        close(emu->swap_fds[i]);
    }
    if (dfd >= 0)
        close(dfd);
    emu->nswap = 0;
}

/* Files the RAM's size (a Mac's are 1 GB), as many as --swap-size holds, at least one
 * and at most EMU_SWAP_FILES. */
static struct compressor_swap_ops swap_ops(struct emu *emu)
{
    const uint64_t segment = 64u << 10;          /* macOS's */
    uint64_t ram = (uint64_t)emu->phys.nframes * PAGE_SIZE, file = ram;
    if (emu->opt.swap_size && emu->opt.swap_size < file)
        file = emu->opt.swap_size;
    uint64_t files = emu->opt.swap_size ? emu->opt.swap_size / file : EMU_SWAP_FILES;
    uint64_t blocks = file / segment;
    return (struct compressor_swap_ops){
        .ctx = emu, .create = swap_create,
        .file_blocks = blocks < 4 ? 4 : blocks > UINT32_MAX ? UINT32_MAX : (uint32_t)blocks,
        .max_files = files < 1 ? 1 : files > EMU_SWAP_FILES ? EMU_SWAP_FILES : (uint32_t)files };
}

int emu_pager_init(struct emu *emu, char *err, size_t errlen)
{
    bool macos = emu->opt.platform == EMU_PLATFORM_MACOS;
    if (macos && swap_dir(emu, err, errlen) < 0)
        return -1;
    struct vm_compressor_config cfg = { .codec = emu->opt.codec, .macos = macos };
    if (macos)
        cfg.swap = swap_ops(emu);
    int rc = vm_compressor_init(&emu->vm, &cfg);
    if (rc < 0) {
        snprintf(err, errlen, "cannot create the compressor: %s", strerror(-rc));
        return -1;
    }
    emu_pageout_init(emu);
    return 0;
}

void emu_pager_fini(struct emu *emu)
{
    vm_compressor_fini(&emu->vm);
    if (emu->swap_dir)
        swap_remove(emu);
    if (emu->swap_dir_made)
        rmdir(emu->swap_dir);
    free(emu->swap_dir);
    emu->swap_dir = NULL;
}

const char *emu_platform_name(enum emu_platform p)
{
    return p == EMU_PLATFORM_MACOS ? "macos" : "ios";
}
