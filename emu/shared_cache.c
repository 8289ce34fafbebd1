/* emu/shared_cache.c — the shared region: the shared cache file mapped into every
 * task at exec, through vm/vm_shared_region.c.
 *
 * The file's header is read as dyld reads a cache's: a magic beginning "dyld_v1",
 * then the offset and count of its mapping records (address, size, file offset, max
 * and initial protection). The file is opened read-only on the host; the guest sees it
 * only through the mappings, named by the path dyld's cache has on iOS. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "emu/internal.h"
#include "vm/vm_shared_region.h"

#define CACHE_GUEST_PATH "/System/Library/Caches/com.apple.dyld/dyld_shared_cache_arm64"
#define MAPPING_RECORD 32
#define UUID_OFFSET    0x58

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static vm_prot_t prot_of(uint32_t p)
{
    return (vm_prot_t)(p & VM_PROT_ALL);
}

/* The mapping records; -1 with err set. */
static int read_mappings(int fd, const char *path, struct vm_shared_mapping *m, unsigned *n,
                         char *err, size_t errlen)
{
    uint8_t hdr[24];
    if (pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr || memcmp(hdr, "dyld_v1", 7)) {
        snprintf(err, errlen, "shared cache %s: not a dyld shared cache (no dyld_v1 magic)", path);
        return -1;
    }
    uint32_t off = get32(hdr + 16), count = get32(hdr + 20);
    if (count == 0 || count > VM_SHARED_REGION_MAX_MAPPINGS) {
        snprintf(err, errlen, "shared cache %s: %u mappings (want 1 to %d)", path, count,
                 VM_SHARED_REGION_MAX_MAPPINGS);
        return -1;
    }
    uint8_t rec[VM_SHARED_REGION_MAX_MAPPINGS * MAPPING_RECORD];
    size_t len = (size_t)count * MAPPING_RECORD;
    if (pread(fd, rec, len, off) != (ssize_t)len) {
        snprintf(err, errlen, "shared cache %s: mapping records past the end of the file", path);
        return -1;
    }
    for (unsigned i = 0; i < count; i++) {
        const uint8_t *r = rec + i * MAPPING_RECORD;
        m[i] = (struct vm_shared_mapping){ .address = get64(r), .size = get64(r + 8),
                                           .file_offset = get64(r + 16),
                                           .max_prot = prot_of(get32(r + 24)),
                                           .init_prot = prot_of(get32(r + 28)) };
    }
    *n = count;
    return 0;
}

char *emu_machine_file(const char *rel)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return NULL;
    path[n] = 0;
    char *slash = strrchr(path, '/');
    if (!slash)
        return NULL;
    *slash = 0;
    char *out = malloc(strlen(path) + strlen(rel) + 2);
    if (out)
        sprintf(out, "%s/%s", path, rel);
    return out;
}

int emu_shared_cache_init(struct emu *emu, char *err, size_t errlen)
{
    const char *path = emu->opt.shared_cache;
    if (!path)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "shared cache %s: %s (build it with make, or run with "
                 "--no-shared-region)", path, fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    struct vm_shared_mapping m[VM_SHARED_REGION_MAX_MAPPINGS];
    unsigned n;
    char why[200];
    if (read_mappings(fd, path, m, &n, err, errlen) < 0) {
        close(fd);
        return -1;
    }
    /* Programs linked against the cache carry this UUID (emu/macho.c). */
    if (pread(fd, emu->shared_cache_uuid, sizeof emu->shared_cache_uuid, UUID_OFFSET) !=
        (ssize_t)sizeof emu->shared_cache_uuid) {
        snprintf(err, errlen, "shared cache %s: header too short", path);
        close(fd);
        return -1;
    }
    struct vnode *vn = vnode_get(fd, CACHE_GUEST_PATH);
    if (!vn) {
        close(fd);
        snprintf(err, errlen, "shared cache %s: out of memory", path);
        return -1;
    }
    emu->shared_region = vm_shared_region_create(&emu->vm, vn, m, n, why, sizeof why);
    vnode_release(vn);             /* the region's object holds it */
    if (!emu->shared_region) {
        snprintf(err, errlen, "shared cache %s: %s", path, why);
        return -1;
    }
    return 0;
}

void emu_shared_cache_fini(struct emu *emu)
{
    vm_shared_region_destroy(emu->shared_region);
    emu->shared_region = NULL;
}

int emu_shared_cache_enter(struct emu *emu, struct task *t)
{
    if (!emu->shared_region)
        return 0;
    kern_return_t kr = vm_shared_region_enter(emu->shared_region, t->map);
    /* An image that sits where the region goes runs without it, as a task whose
     * shared region could not be mapped does. */
    return kr == KERN_SUCCESS || kr == KERN_NO_SPACE ? 0 : -ENOMEM;
}
