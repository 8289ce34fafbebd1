/* mmu/tlb.c — ASID-tagged, set-associative TLB with LRU replacement per set. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/tlb.h"

static bool geometry_ok(unsigned long sets, unsigned long ways)
{
    return sets && !(sets & (sets - 1)) && ways && sets <= 65536 && ways <= 65536 &&
           sets * ways <= 65536;
}

int tlb_init(struct tlb *t, unsigned sets, unsigned ways)
{
    memset(t, 0, sizeof *t);
    if (!geometry_ok(sets, ways))
        return -EINVAL;
    t->e = calloc((size_t)sets * ways, sizeof *t->e);
    if (!t->e)
        return -ENOMEM;
    t->sets = sets;
    t->ways = ways;
    return 0;
}

void tlb_fini(struct tlb *t)
{
    free(t->e);
    memset(t, 0, sizeof *t);
}

static bool parse_uint(const char *s, const char **end, unsigned long *v)
{
    if (*s < '0' || *s > '9')
        return false;
    *v = 0;
    while (*s >= '0' && *s <= '9') {
        *v = *v * 10 + (unsigned long)(*s++ - '0');
        if (*v > 65536)
            return false;
    }
    *end = s;
    return true;
}

int tlb_parse_geometry(const char *s, unsigned *sets, unsigned *ways)
{
    unsigned long a, b;
    if (!s || !parse_uint(s, &s, &a) || *s++ != 'x' || !parse_uint(s, &s, &b) || *s ||
        !geometry_ok(a, b))
        return -EINVAL;
    *sets = (unsigned)a;
    *ways = (unsigned)b;
    return 0;
}

static struct tlb_entry *set_of(struct tlb *t, uint64_t vpn)
{
    return &t->e[(size_t)(vpn & (t->sets - 1)) * t->ways];
}

/* Stamps are compared only within a set; when the clock wraps, every stamp is
 * reset so that old entries do not look newer than fresh ones. */
static uint32_t tick(struct tlb *t)
{
    if (++t->clock == 0) {
        for (size_t i = 0; i < (size_t)t->sets * t->ways; i++)
            t->e[i].stamp = 0;
        t->clock = 1;
    }
    return t->clock;
}

static struct tlb_entry *find(struct tlb *t, asid_t asid, uint64_t vpn)
{
    struct tlb_entry *s = set_of(t, vpn);
    for (unsigned w = 0; w < t->ways; w++)
        if (s[w].valid && s[w].vpn == vpn && s[w].asid == asid)
            return &s[w];
    return NULL;
}

bool tlb_lookup(struct tlb *t, asid_t asid, uint64_t va, struct tlb_entry *out)
{
    struct tlb_entry *e = find(t, asid, va >> PAGE_SHIFT);
    if (!e) {
        t->stats.misses++;
        return false;
    }
    e->stamp = tick(t);
    t->stats.hits++;
    if (out)
        *out = *e;
    return true;
}

void tlb_flush_cpu(struct tlb *t)
{
    t->cpu_holds_evicted = false;
    if (t->on_drop)
        t->on_drop(t->ctx);
}

/* The way to fill: the same key, else a free way, else the least recently used. */
static struct tlb_entry *victim(struct tlb *t, asid_t asid, uint64_t vpn)
{
    struct tlb_entry *e = find(t, asid, vpn);
    if (e)
        return e;
    struct tlb_entry *s = set_of(t, vpn), *lru = &s[0];
    for (unsigned w = 0; w < t->ways; w++) {
        if (!s[w].valid)
            return &s[w];
        if (s[w].stamp < lru->stamp)
            lru = &s[w];
    }
    return lru;
}

void tlb_insert(struct tlb *t, asid_t asid, uint64_t va, pfn_t pfn, vm_prot_t prot)
{
    uint64_t vpn = va >> PAGE_SHIFT;
    struct tlb_entry *e = victim(t, asid, vpn);
    if (e->valid && (e->vpn != vpn || e->asid != asid)) {
        t->stats.evictions++;
        t->cpu_holds_evicted = true;
    } else if (e->valid) {
        tlb_flush_cpu(t);          /* the same page, another frame or protection */
    }
    *e = (struct tlb_entry){ .vpn = vpn, .pfn = pfn, .asid = asid,
                             .prot = (uint8_t)(prot & VM_PROT_ALL), .valid = 1,
                             .stamp = tick(t) };
    t->stats.fills++;
}

static unsigned drop(struct tlb_entry *e)
{
    if (!e || !e->valid)
        return 0;
    e->valid = 0;
    return 1;
}

static void finish(struct tlb *t, unsigned n)
{
    t->stats.dropped += n;
    if (n || t->cpu_holds_evicted)
        tlb_flush_cpu(t);
}

void tlb_invalidate_va(struct tlb *t, asid_t asid, uint64_t va)
{
    t->stats.inval_va++;
    finish(t, drop(find(t, asid, va >> PAGE_SHIFT)));
}

void tlb_invalidate_va_all(struct tlb *t, uint64_t va)
{
    uint64_t vpn = va >> PAGE_SHIFT;
    struct tlb_entry *s = set_of(t, vpn);
    unsigned n = 0;
    t->stats.inval_va++;
    for (unsigned w = 0; w < t->ways; w++)
        if (s[w].valid && s[w].vpn == vpn)
            n += drop(&s[w]);
    finish(t, n);
}

void tlb_invalidate_asid(struct tlb *t, asid_t asid)
{
    unsigned n = 0;
    t->stats.inval_asid++;
    for (size_t i = 0; i < (size_t)t->sets * t->ways; i++)
        if (t->e[i].asid == asid)
            n += drop(&t->e[i]);
    finish(t, n);
}

void tlb_invalidate_all(struct tlb *t)
{
    unsigned n = 0;
    t->stats.inval_all++;
    for (size_t i = 0; i < (size_t)t->sets * t->ways; i++)
        n += drop(&t->e[i]);
    finish(t, n);
}
