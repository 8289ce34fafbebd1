/* tools/repl_mm.c — the memory-system commands: walk, tlb, object, page, tasks. */
#include <stdlib.h>
#include <string.h>
#include "tools/repl.h"

static const char *const level_span[] = { "128 TB", "64 GB", "32 MB", "16 KB" };

static void walk_verdict(const struct inspect_walk *w, uint64_t va, FILE *out)
{
    if (w->result == MMU_OK) {
        char r[4] = { w->x.prot & 1 ? 'r' : '-', w->x.prot & 2 ? 'w' : '-', w->x.prot & 4 ? 'x' : '-', 0 };
        fprintf(out, "  result  translated: VA 0x%llx -> PA 0x%llx (pfn %u + 0x%llx), EL0 may %s\n",
                (unsigned long long)va,
                (unsigned long long)(((uint64_t)w->x.pfn << PAGE_SHIFT) | (va & PAGE_MASK)),
                w->x.pfn, (unsigned long long)(va & PAGE_MASK), r);
        return;
    }
    const char *why;
    if (w->trace.nsteps == 0)
        why = va >= VA_USER_END ? "the address is outside the 47-bit user range (TTBR0)"
                                : "no root table";
    else if (w->result == MMU_FAULT_TRANSLATION && w->fault.level < 3)
        why = "no table below this level: nothing mapped in this region yet";
    else if (w->result == MMU_FAULT_TRANSLATION)
        why = w->trace.step[w->trace.nsteps - 1].desc & PT_COMPRESSED
              ? "a compressed marker: the page went to the compressor, an access decompresses it"
              : "no valid page descriptor";
    else if (w->result == MMU_FAULT_ACCESS_FLAG)
        why = "AF clear: the first access will set it (reference emulation)";
    else
        why = "the descriptor does not allow this access";
    fprintf(out, "  result  %s fault at level %d (ESR 0x%08x): %s\n", mmu_fault_name(w->result),
            w->fault.level, w->fault.esr, why);
    if (w->trace.nsteps && w->result == MMU_FAULT_TRANSLATION && w->fault.level < 3)
        fprintf(out, "          (this level's entry spans %s)\n", level_span[w->fault.level]);
}

void cmd_walk(struct repl *r, int pid, uint64_t va, vm_prot_t access, FILE *out)
{
    struct inspect_walk w;
    struct emu *emu = repl_emu(r);
    static const char *const acc[] = { "?", "read", "write", "?", "execute" };
    if (inspect_walk(emu, pid, va, access, &w) < 0) {
        fprintf(out, "no such task\n");
        return;
    }
    fprintf(out, "walk 0x%llx for a %s by task %d: ASID %u, TTBR0 = pfn %u (PA 0x%llx)\n",
            (unsigned long long)va, acc[access & 7], w.pid, w.asid, w.root,
            (unsigned long long)w.root << PAGE_SHIFT);
    for (int i = 0; i < w.trace.nsteps; i++) {
        const struct pt_walk_step *s = &w.trace.step[i];
        uint64_t at = ((uint64_t)s->table << PAGE_SHIFT) + 8ull * s->index;
        fprintf(out, "  L%d  table pfn %-5u index %-4u @PA 0x%-9llx desc 0x%016llx  ", s->level,
                s->table, s->index, (unsigned long long)at, (unsigned long long)s->desc);
        print_desc(out, s->desc, s->level);
        fputc('\n', out);
    }
    walk_verdict(&w, va, out);
    enum inspect_mem m = inspect_page_state(emu, pid, va);
    if (m != INSPECT_MEM_MAPPED)
        fprintf(out, "  vm      %s\n", inspect_mem_name(m));
}

/* --- tlb --------------------------------------------------------------------------- */

static void tlb_counters(struct repl *r, const struct tlb *t, FILE *out)
{
    const struct tlb_stats *s = &t->stats;
    const struct mmu_stats *m = inspect_mmu_stats(repl_emu(r));
    fprintf(out, "  hits %llu, misses %llu, fills %llu, evictions %llu; TLBI va %llu, asid %llu, "
            "all %llu (%llu entries dropped)\n",
            (unsigned long long)s->hits, (unsigned long long)s->misses,
            (unsigned long long)s->fills, (unsigned long long)s->evictions,
            (unsigned long long)s->inval_va, (unsigned long long)s->inval_asid,
            (unsigned long long)s->inval_all, (unsigned long long)s->dropped);
    fprintf(out, "  MMU: translations %llu, table walks %llu; faults translation %llu, "
            "access-flag %llu, permission %llu; ref/mod fixed by the pmap: ref %llu, mod %llu\n",
            (unsigned long long)m->translations, (unsigned long long)m->walks,
            (unsigned long long)m->faults[MMU_FAULT_TRANSLATION],
            (unsigned long long)m->faults[MMU_FAULT_ACCESS_FLAG],
            (unsigned long long)m->faults[MMU_FAULT_PERMISSION],
            (unsigned long long)m->fast_ref, (unsigned long long)m->fast_mod);
}

void cmd_tlb(struct repl *r, int pid, bool all, FILE *out)
{
    struct emu *emu = repl_emu(r);
    const struct tlb *t = inspect_tlb(emu);
    struct inspect_walk w;
    asid_t asid = inspect_walk(emu, pid, 0, VM_PROT_READ, &w) == 0 ? w.asid : 0;
    unsigned valid = 0, shown = 0;
    for (size_t i = 0; i < (size_t)t->sets * t->ways; i++)
        valid += t->e[i].valid;
    fprintf(out, "TLB %u sets x %u ways (%u entries, reach %llu MB): %u valid\n", t->sets, t->ways,
            t->sets * t->ways, (unsigned long long)((uint64_t)t->sets * t->ways * PAGE_SIZE >> 20),
            valid);
    tlb_counters(r, t, out);
    fprintf(out, "  %-5s %-4s %-5s %-6s %-18s %-7s %s\n", "set", "way", "ASID", "task", "VA", "pfn",
            "rights");
    for (unsigned s = 0; s < t->sets; s++)
        for (unsigned wy = 0; wy < t->ways; wy++) {
            const struct tlb_entry *e = &t->e[(size_t)s * t->ways + wy];
            if (!e->valid || (!all && e->asid != asid))
                continue;
            char rt[4] = { e->prot & 1 ? 'r' : '-', e->prot & 2 ? 'w' : '-', e->prot & 4 ? 'x' : '-', 0 };
            fprintf(out, "  %-5u %-4u %-5u %-6d 0x%-16llx %-7u %s\n", s, wy, e->asid,
                    inspect_pid_of_asid(emu, e->asid), (unsigned long long)(e->vpn << PAGE_SHIFT),
                    e->pfn, rt);
            shown++;
        }
    if (!all)
        fprintf(out, "  (%u entries of ASID %u shown; `tlb all` for every ASID)\n", shown, asid);
}

/* --- object ------------------------------------------------------------------------- */

#define MAX_CHAIN 32
#define MAX_PAGES_SHOWN 64

/* Before item i of a list printed eight a line after "      LABEL:": false once the
 * items shown are done (the line then ends, saying how many were left out). */
static bool list_next(FILE *out, const char *label, size_t i, size_t n)
{
    if (i == n || i == MAX_PAGES_SHOWN) {
        if (n > MAX_PAGES_SHOWN)
            fprintf(out, " ... (%zu more)", n - MAX_PAGES_SHOWN);
        fputc('\n', out);
        return false;
    }
    if (i == 0)
        fprintf(out, "      %s:", label);
    else if (i % 8 == 0)
        fprintf(out, "\n%*s", (int)strlen(label) + 7, "");
    fputc(' ', out);
    return true;
}

static void object_compressed(struct repl *r, uint32_t id, FILE *out)
{
    uint64_t offs[MAX_PAGES_SHOWN];
    size_t n = inspect_object_compressed(repl_emu(r), id, offs, MAX_PAGES_SHOWN);
    for (size_t i = 0; n && list_next(out, "compressed (offset)", i, n); i++)
        fprintf(out, "0x%llx", (unsigned long long)offs[i]);
}

static void object_pages(struct repl *r, uint32_t id, FILE *out)
{
    struct inspect_object_page pages[MAX_PAGES_SHOWN];
    size_t n = inspect_object_pages(repl_emu(r), id, pages, MAX_PAGES_SHOWN);
    for (size_t i = 0; n && list_next(out, "resident (offset:pfn)", i, n); i++)
        fprintf(out, "0x%llx:%u", (unsigned long long)pages[i].offset, pages[i].pfn);
}

static void print_chain(struct repl *r, const struct inspect_object *c, int n, uint64_t offset, FILE *out)
{
    for (int i = 0; i < n && i < MAX_CHAIN; i++) {
        fprintf(out, "  %s object %u: %s, size 0x%llx, %u resident, %u compressed, refs %d",
                i ? "  shadows" : "top", c[i].id, c[i].pager ? c[i].pager : "anonymous",
                (unsigned long long)c[i].size, c[i].resident, c[i].compressed, c[i].ref_count);
        if (offset != UINT64_MAX)
            fprintf(out, ", the page is at offset 0x%llx", (unsigned long long)offset);
        fputc('\n', out);
        object_pages(r, c[i].id, out);
        object_compressed(r, c[i].id, out);
        if (offset != UINT64_MAX)
            offset += c[i].shadow_offset;
    }
    if (n > MAX_CHAIN)
        fprintf(out, "  ... %d more objects below\n", n - MAX_CHAIN);
}

void cmd_object(struct repl *r, int pid, const char *arg, FILE *out)
{
    struct inspect_object chain[MAX_CHAIN];
    char err[128];
    uint64_t v;
    if (arg[0] == '#') {
        char *end;
        unsigned long id = strtoul(arg + 1, &end, 10);
        int n = *end || !arg[1] ? -1 : inspect_object_chain(repl_emu(r), (uint32_t)id, chain, MAX_CHAIN);
        if (n < 0)
            fprintf(out, "no object #%s reachable from a task's map\n", arg + 1);
        else
            print_chain(r, chain, n, UINT64_MAX, out);
        return;
    }
    if (!repl_eval(r, arg, &v, err, sizeof err)) {
        fprintf(out, "%s\n", err);
        return;
    }
    uint64_t offset;
    const char *tag;
    int n = inspect_object_chain_at(repl_emu(r), pid, v, chain, MAX_CHAIN, &offset, &tag);
    if (n < 0) {
        fprintf(out, "0x%llx: not mapped in this task\n", (unsigned long long)v);
        return;
    }
    fprintf(out, "0x%llx is in the \"%s\" entry; its shadow chain, top first:\n", (unsigned long long)v, tag);
    if (n == 0)
        fprintf(out, "  (no object yet: the first fault creates an anonymous one)\n");
    print_chain(r, chain, n, offset, out);
}

/* --- page ---------------------------------------------------------------------------- */

void cmd_page(struct repl *r, pfn_t pfn, FILE *out)
{
    struct inspect_frame f;
    struct emu *emu = repl_emu(r);
    if (inspect_frame(emu, pfn, &f) < 0) {
        fprintf(out, "pfn %u is outside guest RAM\n", pfn);
        return;
    }
    fprintf(out, "frame %u (PA 0x%llx): %s%s, %sreferenced, %smodified\n", pfn,
            (unsigned long long)pfn << PAGE_SHIFT, f.use, f.code ? ", holds code" : "",
            f.referenced ? "" : "not ", f.modified ? "" : "not ");
    if (!strcmp(f.use, "vm"))
        fprintf(out, "  owner  object %u offset 0x%llx; queue %s; wired %u%s%s%s\n", f.object,
                (unsigned long long)f.offset, f.queue, f.wire_count,
                f.flags & VM_PAGE_BUSY ? ", busy" : "", f.flags & VM_PAGE_DIRTY ? ", dirty" : "",
                f.flags & VM_PAGE_PRECIOUS ? ", precious" : "");
    if (f.in_segment)
        fprintf(out, "  compressor segment %u: frame %u of its %u; %u pages stored in it, %u of "
                "its %u bytes live\n", f.segment.segment, f.segment.index, f.segment.nframes,
                f.segment.live_slots, f.segment.live_bytes, f.segment.used);
    struct inspect_mapping m[32];
    int n = inspect_frame_mappings(emu, pfn, m, 32);
    fprintf(out, "  %d mapping%s (reverse map)%s\n", n, n == 1 ? "" : "s", n ? ":" : "");
    for (int i = 0; i < n && i < 32; i++) {
        fprintf(out, "    task %-5d VA 0x%-14llx pte 0x%016llx ", m[i].pid,
                (unsigned long long)m[i].va, (unsigned long long)m[i].pte);
        print_desc(out, m[i].pte, 3);
        fputc('\n', out);
    }
}

/* --- tasks ----------------------------------------------------------------------------- */

void cmd_tasks(struct repl *r, int focus, FILE *out)
{
    struct inspect_task t[64];
    int n = inspect_tasks(repl_emu(r), t, 64);
    fprintf(out, "  %-6s %-6s %-13s %-5s %-9s %-10s %-10s %-14s %s\n", "PID", "PPID", "STATE",
            "ASID", "RESIDENT", "COMPRESSED", "MAPPED", "PC", "NAME");
    for (int i = 0; i < n && i < 64; i++) {
        bool f = focus ? t[i].pid == focus : t[i].on_cpu;
        char mapped[24];
        snprintf(mapped, sizeof mapped, "%llu KB", (unsigned long long)(t[i].mapped >> 10));
        fprintf(out, "%c %-6d %-6d %-13s %-5u %-9llu %-10u %-10s 0x%-12llx %s\n", f ? '*' : ' ',
                t[i].pid, t[i].ppid, t[i].state, t[i].asid, (unsigned long long)t[i].resident,
                t[i].compressed, mapped, (unsigned long long)t[i].pc, t[i].name);
    }
}
