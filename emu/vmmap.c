/* emu/vmmap.c — a vmmap-like listing of a task's address space. */
#include <inttypes.h>
#include "emu/internal.h"
#include "vm/vm_region.h"

static const char *const inherit_names[] = { "share", "copy", "none" };

/* vmmap's sizes: bytes as K, M or G with one decimal where it matters. */
static const char *human(char *buf, size_t len, uint64_t bytes)
{
    static const char units[] = "KMG";
    double v = (double)bytes / 1024;
    int u = 0;
    while (v >= 1024 && u < 2) {
        v /= 1024;
        u++;
    }
    if (v == (double)(uint64_t)v || v >= 100)
        snprintf(buf, len, "%.0f%c", v, units[u]);
    else
        snprintf(buf, len, "%.1f%c", v, units[u]);
    return buf;
}

static void prot_str(char *s, vm_prot_t p)
{
    s[0] = p & VM_PROT_READ ? 'r' : '-';
    s[1] = p & VM_PROT_WRITE ? 'w' : '-';
    s[2] = p & VM_PROT_EXECUTE ? 'x' : '-';
    s[3] = 0;
}

/* vmmap's SM= column: the share mode XNU's region walk computes. */
static const char *share_mode(struct vm_map *map, const struct vm_map_entry *e)
{
    struct vm_region_extended x;
    vm_map_region_walk(map, e, e->start, e->end, &x);
    return vm_share_mode_name(x.share_mode);
}

static const char *purge_state(int s)
{
    static const char *const names[] = { "nonvol", "volatile", "empty", "-" };
    return s >= 0 && s <= 3 ? names[s] : "?";
}

static const char *backing_path(const struct vm_map_entry *e)
{
    const struct vm_object *o = e->object;
    while (o && o->shadow)
        o = o->shadow;
    return o && o->vnode ? o->vnode->path : "";
}

static void print_entry(struct vm_map *map, const struct vm_map_entry *e, FILE *out)
{
    uint64_t addr = e->start;
    struct vm_region_info r;
    if (vm_map_region(map, &addr, &r) != KERN_SUCCESS)
        return;
    char v[16], res[16], dirty[16], swap[16], wired[16], prot[4], max[4];
    prot_str(prot, r.protection);
    prot_str(max, r.max_protection);
    fprintf(out, "%-14s %016" PRIx64 "-%016" PRIx64 " [%7s %7s %7s %7s %7s] %s/%s SM=%s %-5s ",
            r.tag ? r.tag : "-", r.start, r.end, human(v, sizeof v, r.end - r.start),
            human(res, sizeof res, (uint64_t)r.resident * PAGE_SIZE),
            human(dirty, sizeof dirty, (uint64_t)r.dirty * PAGE_SIZE),
            human(swap, sizeof swap, (uint64_t)r.compressed * PAGE_SIZE),
            human(wired, sizeof wired, r.user_wired_count ? (uint64_t)r.resident * PAGE_SIZE : 0),
            prot, max, share_mode(map, e), inherit_names[r.inheritance]);
    if (r.object_id)
        fprintf(out, "obj %-5u depth %u ", r.object_id, r.shadow_depth);
    else
        fprintf(out, "%-17s", "-");
    fprintf(out, "%-8s %s\n", purge_state(r.purgable), backing_path(e));
}

struct print_ctx {
    struct vm_map *map;
    FILE *out;
};

static void print_one(void *ctx, const struct vm_map_entry *e)
{
    struct print_ctx *c = ctx;
    print_entry(c->map, e, c->out);
}

void vmmap_print_task(struct emu *emu, struct task *t, FILE *out)
{
    if (!t->map)
        return;
    struct vm_map_usage u;
    vm_map_usage(t->map, &u);
    fprintf(out, "==== vmmap: task %d (%s)%s\n", t->pid, t->name ? t->name : "?",
            t->exited ? " at exit" : "");
    fprintf(out, "%-14s %-33s [%7s %7s %7s %7s %7s] %-7s %-6s %-5s %-17s%-8s %s\n", "REGION TYPE",
            "START - END", "VSIZE", "RSDNT", "DIRTY", "SWAP", "WIRED", "PRT/MAX", "SHRMOD", "INH", "OBJECT",
            "PURGE", "DETAIL");
    struct print_ctx c = { t->map, out };
    vm_map_foreach(t->map, print_one, &c);
    char a[16], b[16], d[16], f[16], g[16], sw[16], pk[16];
    fprintf(out, "Totals: %u regions, virtual %s, resident %s (anonymous %s, file %s), "
            "compressed %s, phys_footprint %s; wired: page tables %u, kernel %u pages\n",
            u.regions, human(a, sizeof a, u.virtual_pages * PAGE_SIZE),
            human(b, sizeof b, (uint64_t)u.resident * PAGE_SIZE),
            human(d, sizeof d, (uint64_t)u.internal * PAGE_SIZE),
            human(f, sizeof f, (uint64_t)u.external * PAGE_SIZE),
            human(sw, sizeof sw, (uint64_t)u.compressed * PAGE_SIZE),
            human(g, sizeof g, (uint64_t)u.footprint * PAGE_SIZE), u.tables, t->kmem.n);
    /* footprint(1)'s two lines; the peak only while the machine tracks it */
    if (emu->peak)
        fprintf(out, "Physical footprint:         %s\nPhysical footprint (peak):  %s\n",
                human(g, sizeof g, (uint64_t)u.footprint * PAGE_SIZE),
                human(pk, sizeof pk, (uint64_t)(t->footprint_peak > u.footprint ?
                                                t->footprint_peak : u.footprint) * PAGE_SIZE));
}

void emu_print_vmmap(struct emu *emu, int pid, FILE *out)
{
    for (struct task *t = emu->tasks; t; t = t->next)
        if ((pid == 0 || t->pid == pid) && t->map)
            vmmap_print_task(emu, t, out);
}
