/* Unit tests for tools/view_model.c, the viewer's parts that need no SDL: frame
 * classes and colours (the compressor's frames, the decompress flash, compressed
 * pages of a strip), the grid layout for 16 MB .. 4 GB (and beyond), XNU's pressure
 * levels with their hysteresis and compressed memory, the event log and fault
 * flashes; bands and limits as the task panel words them, Jetsam's events in the log,
 * the pressure panel's gauge from Jetsam's counters. */
#include <math.h>
#include <check.h>
#include <string.h>

#include "tools/view.h"

static struct inspect_frame_state vm_frame(enum vm_page_queue q, uint8_t flags)
{
    return (struct inspect_frame_state){ .use = PHYS_VM, .queue = (uint8_t)q, .flags = flags };
}

START_TEST(class_of_every_use_and_queue)
{
    struct inspect_frame_state fs = { .use = PHYS_FREE };
    ck_assert_int_eq(view_frame_class(&fs), VC_FREE);
    fs.use = PHYS_PAGETABLE;
    ck_assert_int_eq(view_frame_class(&fs), VC_PAGETABLE);
    fs.use = PHYS_KERNEL;
    ck_assert_int_eq(view_frame_class(&fs), VC_KERNEL);
    fs.use = PHYS_RESERVED;
    ck_assert_int_eq(view_frame_class(&fs), VC_RESERVED);
    fs.use = PHYS_COMPRESSOR;
    ck_assert_int_eq(view_frame_class(&fs), VC_COMPRESSOR);
    fs = vm_frame(VM_PAGE_Q_ACTIVE, 0);
    ck_assert_int_eq(view_frame_class(&fs), VC_ACTIVE_ANON);
    fs = vm_frame(VM_PAGE_Q_ACTIVE, INSPECT_FS_FILE);
    ck_assert_int_eq(view_frame_class(&fs), VC_ACTIVE_FILE);
    fs = vm_frame(VM_PAGE_Q_INACTIVE_INTERNAL, 0);
    ck_assert_int_eq(view_frame_class(&fs), VC_INACTIVE_ANON);
    fs = vm_frame(VM_PAGE_Q_INACTIVE_EXTERNAL, INSPECT_FS_FILE);
    ck_assert_int_eq(view_frame_class(&fs), VC_INACTIVE_FILE);
    fs = vm_frame(VM_PAGE_Q_SPECULATIVE, INSPECT_FS_FILE);
    ck_assert_int_eq(view_frame_class(&fs), VC_SPECULATIVE);
    fs = vm_frame(VM_PAGE_Q_THROTTLED, 0);
    ck_assert_int_eq(view_frame_class(&fs), VC_THROTTLED);
    fs = vm_frame(VM_PAGE_Q_WIRED, 0);
    ck_assert_int_eq(view_frame_class(&fs), VC_WIRED);
    fs = vm_frame(VM_PAGE_NOT_ON_Q, 0);
    ck_assert_int_eq(view_frame_class(&fs), VC_VM_UNQUEUED);
}
END_TEST

START_TEST(classes_have_distinct_colours_and_keys)
{
    for (int a = 0; a < VC_NCLASSES; a++) {
        ck_assert_int_eq(view_class_by_key(view_class_key((enum view_class)a)), a);
        ck_assert_uint_ne(view_class_rgb((enum view_class)a), 0x101014);   /* not the background */
        for (int b = a + 1; b < VC_NCLASSES; b++)
            ck_assert_uint_ne(view_class_rgb((enum view_class)a), view_class_rgb((enum view_class)b));
    }
    ck_assert_int_eq(view_class_by_key("compressed"), -1);
    ck_assert_int_eq(view_class_by_key("compressor"), VC_COMPRESSOR);
    ck_assert_str_eq(view_class_name(VC_COMPRESSOR), "compressor");
}
END_TEST

/* --- the palette as people see it -------------------------------------------------------- */

/* sRGB to linear, a vision's simulation (Machado, Oliveira and Fernandes 2009, severity 1;
 * NULL: normal vision), then CIELAB (D65). */
static void to_lab(uint32_t rgb, const double (*m)[3], double lab[3])
{
    double c[3], s[3];
    for (int i = 0; i < 3; i++) {
        double v = (double)(rgb >> (16 - 8 * i) & 0xff) / 255.0;
        c[i] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
    }
    for (int i = 0; i < 3; i++) {
        s[i] = m ? m[i][0] * c[0] + m[i][1] * c[1] + m[i][2] * c[2] : c[i];
        s[i] = s[i] < 0 ? 0 : s[i] > 1 ? 1 : s[i];
    }
    double xyz[3] = { (0.4124 * s[0] + 0.3576 * s[1] + 0.1805 * s[2]) / 0.9505,
                      0.2126 * s[0] + 0.7152 * s[1] + 0.0722 * s[2],
                      (0.0193 * s[0] + 0.1192 * s[1] + 0.9505 * s[2]) / 1.089 };
    for (int i = 0; i < 3; i++)
        xyz[i] = xyz[i] > 0.008856 ? cbrt(xyz[i]) : 7.787 * xyz[i] + 16.0 / 116;
    lab[0] = 116 * xyz[1] - 16;
    lab[1] = 500 * (xyz[0] - xyz[1]);
    lab[2] = 200 * (xyz[1] - xyz[2]);
}

static const double protan[3][3] = { { 0.152286, 1.052583, -0.204868 },
                                     { 0.114503, 0.786281, 0.099216 },
                                     { -0.003882, -0.048116, 1.051998 } };
static const double deutan[3][3] = { { 0.367322, 0.860646, -0.227968 },
                                     { 0.280085, 0.672501, 0.047413 },
                                     { -0.011820, 0.042940, 0.968881 } };
static const double tritan[3][3] = { { 1.255528, -0.076749, -0.178779 },
                                     { -0.078411, 0.930809, 0.147602 },
                                     { 0.004733, 0.691367, 0.303900 } };

/* The smallest delta E (1976) between a and b over normal vision and the three. */
static double seen_apart(uint32_t a, uint32_t b)
{
    const double (*visions[])[3] = { NULL, protan, deutan, tritan };
    double least = 1e9;
    for (size_t v = 0; v < sizeof visions / sizeof *visions; v++) {
        double la[3], lb[3];
        to_lab(a, visions[v], la);
        to_lab(b, visions[v], lb);
        double d = sqrt((la[0] - lb[0]) * (la[0] - lb[0]) + (la[1] - lb[1]) * (la[1] - lb[1]) +
                        (la[2] - lb[2]) * (la[2] - lb[2]));
        least = d < least ? d : least;
    }
    return least;
}

/* Every state and every flash (the kill's too) apart from every other, and from the
 * background, for colour-blind eyes as well: the old pagein ring and compressor frame
 * (both cyan) were 12 apart, inactive file and speculative 2 under deuteranopia. */
START_TEST(palette_is_distinct_for_colour_blind_eyes)
{
    uint32_t all[VC_NCLASSES + VM_FAULT_NKINDS + 1];
    int n = 0;
    for (int c = 0; c < VC_NCLASSES; c++)
        all[n++] = view_class_rgb((enum view_class)c);
    for (int k = 0; k < VM_FAULT_NKINDS; k++)
        all[n++] = view_fault_rgb((enum vm_fault_kind)k);
    all[n++] = view_flash_rgb(VIEW_FLASH_KILL);
    for (int a = 0; a < n; a++) {
        if (all[a] != view_class_rgb(VC_FREE))
            ck_assert_msg(seen_apart(all[a], 0x101014) >= 20, "#%06x near the background",
                          all[a]);
        for (int b = a + 1; b < n; b++)
            ck_assert_msg(seen_apart(all[a], all[b]) >= 20, "#%06x and #%06x: %.1f apart",
                          all[a], all[b], seen_apart(all[a], all[b]));
    }
}
END_TEST

START_TEST(every_fault_kind_flashes_its_own_colour)
{
    for (int a = 0; a < VM_FAULT_NKINDS; a++) {
        uint32_t rgb = view_fault_rgb((enum vm_fault_kind)a);
        ck_assert_uint_ne(rgb, 0x101014);
        ck_assert_uint_ne(rgb, 0);
        for (int b = a + 1; b < VM_FAULT_NKINDS; b++)
            ck_assert_uint_ne(rgb, view_fault_rgb((enum vm_fault_kind)b));
        /* a flash stands out from the frame it rings: no class has its colour */
        for (int c = 0; c < VC_NCLASSES; c++)
            ck_assert_uint_ne(rgb, view_class_rgb((enum view_class)c));
        ck_assert_uint_eq(view_flash_rgb((unsigned)a), rgb);
        ck_assert_uint_ne(view_flash_rgb(VIEW_FLASH_KILL), rgb);   /* a kill's frames stand out */
    }
    for (int c = 0; c < VC_NCLASSES; c++)
        ck_assert_uint_ne(view_flash_rgb(VIEW_FLASH_KILL), view_class_rgb((enum view_class)c));
}
END_TEST

START_TEST(colour_by_owner)
{
    struct inspect_frame_state a = vm_frame(VM_PAGE_Q_ACTIVE, 0), b = a, shared = a, none = a;
    a.owner = 1000;
    b.owner = 1001;
    shared.owner = 1000;
    shared.flags |= INSPECT_FS_SHARED;
    ck_assert_uint_eq(view_frame_rgb(&a, VIEW_BY_STATE), view_class_rgb(VC_ACTIVE_ANON));
    ck_assert_uint_eq(view_frame_rgb(&a, VIEW_BY_OWNER), view_owner_rgb(1000));
    ck_assert_uint_ne(view_owner_rgb(1000), view_owner_rgb(1001));
    ck_assert_uint_ne(view_frame_rgb(&a, VIEW_BY_OWNER), view_frame_rgb(&b, VIEW_BY_OWNER));
    ck_assert_uint_eq(view_frame_rgb(&shared, VIEW_BY_OWNER), VIEW_RGB_SHARED);
    ck_assert_uint_eq(view_frame_rgb(&none, VIEW_BY_OWNER), VIEW_RGB_NO_OWNER);
    struct inspect_frame_state free_frame = { .use = PHYS_FREE };
    ck_assert_uint_eq(view_frame_rgb(&free_frame, VIEW_BY_OWNER), view_class_rgb(VC_FREE));
    /* eight consecutive pids: eight different hues */
    for (int p = 1000; p < 1008; p++)
        for (int q = p + 1; q < 1008; q++)
            ck_assert_uint_ne(view_owner_rgb(p), view_owner_rgb(q));
}
END_TEST

/* Every frame has a cell inside the area, cells are as big as they can be, and the
 * pixel of a cell maps back to its first frame. */
static void check_layout(int w, int h, uint32_t nframes)
{
    struct view_grid g;
    ck_assert(view_grid_layout(&g, 10, 20, w, h, nframes));
    ck_assert_int_le(g.cols * g.cell, w);
    ck_assert_int_le(g.rows * g.cell, h);
    uint64_t cells = ((uint64_t)nframes + g.per_cell - 1) / g.per_cell;
    ck_assert_uint_ge((uint64_t)g.cols * (uint64_t)g.rows, cells);
    int cols1 = w / (g.cell + 1);
    if (g.per_cell == 1 && cols1 > 0)     /* one pixel bigger would not fit */
        ck_assert_uint_gt((cells + cols1 - 1) / cols1 * (uint64_t)(g.cell + 1), (uint64_t)h);
    for (uint32_t pfn = 0; pfn < nframes; pfn += nframes / 97 + 1) {
        int x, y;
        ck_assert(view_grid_cell_xy(&g, pfn, &x, &y));
        ck_assert_int_ge(x, 10);
        ck_assert_int_lt(x, 10 + w);
        ck_assert_int_lt(y, 20 + h);
        pfn_t back = view_grid_frame_at(&g, x + g.cell / 2, y + g.cell / 2);
        ck_assert_uint_eq(back, pfn - pfn % g.per_cell);
    }
    int x, y;
    ck_assert(!view_grid_cell_xy(&g, nframes, &x, &y));
}

START_TEST(grid_fits_16M_to_4G)
{
    for (uint64_t mb = 16; mb <= 4096; mb *= 2)
        check_layout(770, 700, (uint32_t)(mb * 64));      /* 64 frames of 16 KB per MB */
    check_layout(770, 700, 1000);                          /* not a power of two */
    check_layout(300, 200, 262144);                        /* 4 GB in a small window */
    struct view_grid g;
    view_grid_layout(&g, 0, 0, 770, 700, 1024);
    ck_assert_int_eq(g.cell, 22);                          /* 16 MB: large cells with gaps */
    ck_assert_int_eq(g.gap, 1);
    view_grid_layout(&g, 0, 0, 770, 700, 262144);
    ck_assert_int_eq(g.cell, 1);                           /* 4 GB: a pixel per frame */
    ck_assert_int_eq(g.gap, 0);
    ck_assert_uint_eq(g.per_cell, 1);
    view_grid_layout(&g, 0, 0, 300, 200, 262144);
    ck_assert_uint_eq(g.per_cell, 5);                      /* 60000 pixels for 262144 frames */
}
END_TEST

START_TEST(grid_cells_from_the_ram_and_scrolled)
{
    /* 256 MB fits 770x700 at 5 pixels; 1 GB would take 2: it keeps 5 and scrolls */
    ck_assert_int_ge(view_grid_auto_cell(770, 700, 16384), VIEW_MIN_CELL);
    ck_assert_int_eq(view_grid_auto_cell(770, 700, 65536), VIEW_MIN_CELL);
    ck_assert_int_eq(view_grid_auto_cell(770, 700, 1024), 22);   /* 16 MB: as it fits */
    struct view_grid g;
    ck_assert(view_grid_layout_cells(&g, 10, 20, 770, 700, 65536, 5, 0));
    ck_assert_int_eq(g.cols, 154);
    ck_assert_int_eq(g.rows, 140);
    ck_assert_int_eq(g.total_rows, (65536 + 153) / 154);
    ck_assert_int_eq(g.first_row, 0);
    int x, y;
    ck_assert(!view_grid_cell_xy(&g, 140 * 154, &x, &y));          /* below the area */
    /* scrolled to the row of frame 20000: its cell is on the top row */
    ck_assert(view_grid_layout_cells(&g, 10, 20, 770, 700, 65536, 5, 20000));
    ck_assert_int_eq(g.first_row, 20000 / 154);
    ck_assert(view_grid_cell_xy(&g, 20000, &x, &y));
    ck_assert_int_eq(y, 20);
    ck_assert_int_eq(x, 10 + (20000 % 154) * 5);
    ck_assert_uint_eq(view_grid_frame_at(&g, x + 2, y + 2), 20000);
    ck_assert(!view_grid_cell_xy(&g, 0, &x, &y));                   /* scrolled out */
    /* past the end: the last rows fill the area */
    ck_assert(view_grid_layout_cells(&g, 0, 0, 770, 700, 65536, 5, 65535));
    ck_assert_int_eq(g.first_row + g.rows, g.total_rows);
    ck_assert_int_eq(g.rows, 140);
    ck_assert(!view_grid_layout_cells(&g, 0, 0, 3, 700, 65536, 5, 0));
}
END_TEST

START_TEST(grid_outside_and_empty)
{
    struct view_grid g;
    ck_assert(!view_grid_layout(&g, 0, 0, 0, 100, 1024));
    ck_assert(!view_grid_layout(&g, 0, 0, 100, 100, 0));
    ck_assert(view_grid_layout(&g, 5, 5, 100, 100, 10));
    ck_assert_uint_eq(view_grid_frame_at(&g, 4, 50), PFN_NONE);
    ck_assert_uint_eq(view_grid_frame_at(&g, 50, 99 + 5), PFN_NONE);
    /* 10 frames in 3 rows of 4 cells of 25 pixels: the last row ends after two */
    ck_assert_int_eq(g.cols, 4);
    ck_assert_int_eq(g.cell, 25);
    ck_assert_uint_eq(view_grid_frame_at(&g, 5 + 2 * g.cell + 1, 5 + 2 * g.cell + 1), PFN_NONE);
    ck_assert_uint_eq(view_grid_frame_at(&g, 5 + g.cell + 1, 5 + 2 * g.cell + 1), 9);
}
END_TEST

static struct view_pressure_in avail(uint64_t non_compressed, uint64_t compressed)
{
    /* the non-compressed pages split over the four queues */
    return (struct view_pressure_in){ .active = non_compressed / 2, .inactive = non_compressed / 4,
                                      .speculative = non_compressed / 8,
                                      .free = non_compressed - non_compressed / 2 -
                                              non_compressed / 4 - non_compressed / 8,
                                      .compressed = compressed };
}

START_TEST(pressure_thresholds)
{
    struct view_pressure_in in = avail(600, 400);
    struct view_pressure_gauge g;
    view_pressure_gauge(&in, &g);
    ck_assert_uint_eq(g.non_compressed, 600);
    ck_assert_uint_eq(g.available, 1000);
    ck_assert_uint_eq(g.to_warning, 500);
    ck_assert_uint_eq(g.to_critical, 300);
    ck_assert_uint_eq(g.warning_to_normal, 600);
    ck_assert_uint_eq(g.critical_to_warning, 350);
}
END_TEST

START_TEST(pressure_levels_with_hysteresis)
{
    struct view_pressure_in in;
#define NEXT(prev, nc) (in = avail(nc, 1000 - (nc)), view_pressure_next(prev, &in))
    /* nothing compressed: everything available is uncompressed, the level stays normal */
    in = avail(100, 0);
    ck_assert_int_eq(view_pressure_next(VIEW_PRESSURE_NORMAL, &in), VIEW_PRESSURE_NORMAL);
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_NORMAL, 510), VIEW_PRESSURE_NORMAL);
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_NORMAL, 490), VIEW_PRESSURE_WARNING);
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_NORMAL, 290), VIEW_PRESSURE_CRITICAL);
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_WARNING, 550), VIEW_PRESSURE_WARNING);   /* 50..60% */
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_WARNING, 610), VIEW_PRESSURE_NORMAL);
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_WARNING, 310), VIEW_PRESSURE_WARNING);
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_WARNING, 290), VIEW_PRESSURE_CRITICAL);
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_CRITICAL, 340), VIEW_PRESSURE_CRITICAL); /* 30..35% */
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_CRITICAL, 360), VIEW_PRESSURE_WARNING);
    ck_assert_int_eq(NEXT(VIEW_PRESSURE_CRITICAL, 610), VIEW_PRESSURE_NORMAL);
#undef NEXT
    in = avail(900, 100);
    in.compressor_low = true;
    ck_assert_int_eq(view_pressure_next(VIEW_PRESSURE_NORMAL, &in), VIEW_PRESSURE_CRITICAL);
    in.compressor_low = false;
    ck_assert_int_eq(view_pressure_next(VIEW_PRESSURE_CRITICAL, &in), VIEW_PRESSURE_NORMAL);
    /* guest/compress 48 under 16 MB, after its writes: 766 pages uncompressed, 2374 in
     * the compressor: 24% of the available memory */
    in = (struct view_pressure_in){ .active = 358, .inactive = 348, .free = 60,
                                    .compressed = 2374 };
    struct view_pressure_gauge g;
    view_pressure_gauge(&in, &g);
    ck_assert_uint_eq(g.non_compressed, 766);
    ck_assert_uint_eq(g.available, 3140);
    ck_assert_uint_eq(g.to_critical, 3140 * 10 / 40 * 12 / 10);
    ck_assert_int_eq(view_pressure_next(VIEW_PRESSURE_NORMAL, &in), VIEW_PRESSURE_CRITICAL);
    in.compressed = 1000;                                   /* 43%: warning */
    ck_assert_int_eq(view_pressure_next(VIEW_PRESSURE_NORMAL, &in), VIEW_PRESSURE_WARNING);
    ck_assert_str_eq(view_pressure_name(VIEW_PRESSURE_WARNING), "warning");
}
END_TEST

START_TEST(log_keeps_the_newest)
{
    static struct view_log log;
    memset(&log, 0, sizeof log);
    ck_assert_ptr_null(view_log_recent(&log, 0));
    for (int i = 0; i < VIEW_LOG_LINES + 10; i++)
        view_log_add(&log, 0x123456, "line %d", i);
    ck_assert_str_eq(view_log_recent(&log, 0)->text, "line 521");
    ck_assert_str_eq(view_log_recent(&log, VIEW_LOG_LINES - 1)->text, "line 10");
    ck_assert_ptr_null(view_log_recent(&log, VIEW_LOG_LINES));
    struct vm_fault_event ev = { .task = 1000, .va = 0x7e0000000000, .access = VM_PROT_WRITE,
                                 .kind = VM_FAULT_COW, .object = 9, .offset = 0x4000, .pfn = 77 };
    view_log_fault(&log, &ev);
    ck_assert_str_eq(view_log_recent(&log, 0)->text, "1000 W 0x7e0000000000 cow obj 9+0x4000 pfn 77");
    ck_assert_uint_eq(view_log_recent(&log, 0)->rgb, view_fault_rgb(VM_FAULT_COW));
    ev.kind = VM_FAULT_DECOMPRESS;
    ev.access = VM_PROT_READ;
    view_log_fault(&log, &ev);
    ck_assert_str_eq(view_log_recent(&log, 0)->text,
                     "1000 R 0x7e0000000000 decompress obj 9+0x4000 pfn 77");
    ck_assert_uint_eq(view_log_recent(&log, 0)->rgb, view_fault_rgb(VM_FAULT_DECOMPRESS));
}
END_TEST

static unsigned seen, ages[8];
static pfn_t pfns[8];
static void collect(void *ctx, const struct view_flash *f, unsigned age)
{
    (void)ctx;
    if (seen < 8) {
        pfns[seen] = f->pfn;
        ages[seen] = age;
    }
    seen++;
}

START_TEST(flashes_fade)
{
    static struct view_flashes fl;
    memset(&fl, 0, sizeof fl);
    view_flash_add(&fl, 5, VM_FAULT_ZERO_FILL);
    fl.tick += 3;
    view_flash_add(&fl, 6, VM_FAULT_PAGEIN);
    seen = 0;
    view_flash_each(&fl, collect, NULL);
    ck_assert_uint_eq(seen, 2);
    ck_assert_uint_eq(pfns[1], 6);                 /* oldest first: the newest drawn on top */
    ck_assert_uint_eq(ages[1], 0);
    ck_assert_uint_eq(ages[0], 3);
    fl.tick += VIEW_FLASH_TICKS - 3;               /* the first is gone, the second not yet */
    seen = 0;
    view_flash_each(&fl, collect, NULL);
    ck_assert_uint_eq(seen, 1);
    ck_assert_uint_eq(pfns[0], 6);
    for (int i = 0; i < VIEW_FLASHES + 5; i++)
        view_flash_add(&fl, (pfn_t)i, VM_FAULT_SOFT);
    seen = 0;
    view_flash_each(&fl, collect, NULL);
    ck_assert_uint_eq(seen, VIEW_FLASHES);         /* only the newest are kept */
    /* a few redraws, fading: whole at first, a quarter at the last, then gone */
    ck_assert_uint_le(VIEW_FLASH_TICKS, 8);
    ck_assert_uint_eq(view_flash_alpha(0), 255);
    for (unsigned a = 1; a < VIEW_FLASH_TICKS; a++)
        ck_assert_uint_lt(view_flash_alpha(a), view_flash_alpha(a - 1));
    ck_assert_uint_eq(view_flash_alpha(VIEW_FLASH_TICKS - 1), 63);
    ck_assert_uint_eq(view_flash_alpha(VIEW_FLASH_TICKS), 0);
}
END_TEST

START_TEST(page_summary_and_speeds)
{
    uint8_t st[] = { INSPECT_MEM_ZERO_FILL, INSPECT_MEM_IN_FILE, INSPECT_MEM_MAPPED,
                     INSPECT_MEM_UNMAPPED };
    ck_assert_int_eq(view_page_summary(st, 4), INSPECT_MEM_MAPPED);
    ck_assert_int_eq(view_page_summary(st, 2), INSPECT_MEM_IN_FILE);
    ck_assert_int_eq(view_page_summary(st, 0), INSPECT_MEM_UNMAPPED);
    uint8_t squeezed[] = { INSPECT_MEM_ZERO_FILL, INSPECT_MEM_COMPRESSED, INSPECT_MEM_IN_FILE };
    ck_assert_int_eq(view_page_summary(squeezed, 3), INSPECT_MEM_COMPRESSED);
    squeezed[0] = INSPECT_MEM_IN_OBJECT;
    ck_assert_int_eq(view_page_summary(squeezed, 3), INSPECT_MEM_IN_OBJECT);
    /* every state of a strip its own colour; compressed pages in the compressor's */
    for (int a = INSPECT_MEM_MAPPED; a <= INSPECT_MEM_UNMAPPED; a++)
        for (int b = a + 1; b <= INSPECT_MEM_UNMAPPED; b++)
            ck_assert_uint_ne(view_page_rgb((enum inspect_mem)a),
                              view_page_rgb((enum inspect_mem)b));
    ck_assert_uint_eq(view_page_rgb(INSPECT_MEM_COMPRESSED), view_class_rgb(VC_COMPRESSOR));
    for (int m = INSPECT_MEM_MAPPED; m <= INSPECT_MEM_NO_TASK; m++)
        ck_assert_int_eq(view_page_by_key(view_page_key((enum inspect_mem)m)), m);
    ck_assert_str_eq(view_page_key(INSPECT_MEM_COMPRESSED), "compressed");
    ck_assert_int_eq(view_page_by_key("squeezed"), -1);
    ck_assert_uint_eq(view_speed_steps(0), 1);
    ck_assert_uint_eq(view_speed_steps(-3), 1);
    ck_assert_uint_eq(view_speed_steps(VIEW_NSPEEDS + 4), 1u << 24);
    for (int i = 1; i < VIEW_NSPEEDS; i++)                  /* steps of 2x, not 10x */
        ck_assert_uint_eq(view_speed_steps(i), 2 * view_speed_steps(i - 1));
    ck_assert_uint_eq(view_speed_steps(VIEW_SPEED_DEFAULT), 131072);
    for (int i = 1; i < VIEW_NSPEEDS; i++)
        ck_assert_uint_gt(view_speed_steps(i), view_speed_steps(i - 1));
}
END_TEST

START_TEST(bands_and_limits_as_the_task_panel_says_them)
{
    char buf[64];
    view_band_text(buf, sizeof buf, MEMORYSTATUS_BAND_BACKGROUND);
    ck_assert_str_eq(buf, "30 background");
    view_band_text(buf, sizeof buf, MEMORYSTATUS_BAND_FOREGROUND);
    ck_assert_str_eq(buf, "100 foreground");
    view_band_text(buf, sizeof buf, 55);
    ck_assert_str_eq(buf, "55");

    /* frontmost: the active limit; in the background band: the inactive one */
    struct memorystatus_proc p = { .band = MEMORYSTATUS_BAND_FOREGROUND,
                                   .states = MEMORYSTATUS_STATE_FRONTMOST,
                                   .limits = { .active_mb = 24, .inactive_mb = 12,
                                               .active_fatal = true, .inactive_fatal = false } };
    bool fatal = false;
    ck_assert_uint_eq(view_proc_limit(&p, &fatal), 24);
    ck_assert(fatal);
    view_limit_text(buf, sizeof buf, &p);
    ck_assert_str_eq(buf, "limit 24 MB fatal");
    p.band = MEMORYSTATUS_BAND_BACKGROUND;
    p.states = 0;
    ck_assert_uint_eq(view_proc_limit(&p, &fatal), 12);
    ck_assert(!fatal);
    view_limit_text(buf, sizeof buf, &p);
    ck_assert_str_eq(buf, "limit 12 MB soft (inactive)");
    p.limits = (struct memorystatus_limits){ 0 };
    ck_assert_uint_eq(view_proc_limit(&p, &fatal), 0);
    view_limit_text(buf, sizeof buf, &p);
    ck_assert_str_eq(buf, "no limit");
    ck_assert_uint_ne(VIEW_RGB_LIMIT_FATAL, VIEW_RGB_LIMIT_SOFT);
}
END_TEST

START_TEST(jetsam_events_in_the_log)
{
    static struct view_log log;
    memset(&log, 0, sizeof log);
    struct memorystatus_vm vm = { .free = 100, .active = 300, .inactive = 100,
                                  .compressor_frames = 500 };
    struct emu_jetsam_event ev = { .kind = EMU_JETSAM_LEVEL, .vm = &vm,
                                   .from = MEMORYSTATUS_LEVEL_NORMAL,
                                   .to = MEMORYSTATUS_LEVEL_WARNING };
    view_log_jetsam(&log, &ev, 16384);
    ck_assert_str_eq(view_log_recent(&log, 0)->text, "level normal -> warning (50% uncompressed)");
    ck_assert_uint_eq(view_log_recent(&log, 0)->rgb, view_pressure_rgb(VIEW_PRESSURE_WARNING));
    vm.compressor_low_on_space = true;
    ev.from = MEMORYSTATUS_LEVEL_WARNING;
    ev.to = MEMORYSTATUS_LEVEL_CRITICAL;
    view_log_jetsam(&log, &ev, 16384);
    ck_assert_str_eq(view_log_recent(&log, 0)->text,
                     "level warning -> critical (50% uncompressed, compressor low on space)");
    ck_assert_uint_eq(view_log_recent(&log, 0)->rgb, view_pressure_rgb(VIEW_PRESSURE_CRITICAL));

    ev = (struct emu_jetsam_event){ .kind = EMU_JETSAM_NOTE, .vm = &vm, .pid = 1002,
                                    .name = "memapp", .note = NOTE_MEMORYSTATUS_PRESSURE_WARN,
                                    .delivered = 1 };
    view_log_jetsam(&log, &ev, 16384);
    ck_assert_str_eq(view_log_recent(&log, 0)->text, "note WARN -> 1002 memapp: to its handler");
    ev.note = NOTE_MEMORYSTATUS_PROC_LIMIT_WARN;
    ev.delivered = 0;
    view_log_jetsam(&log, &ev, 16384);
    ck_assert_str_eq(view_log_recent(&log, 0)->text,
                     "note PROC_LIMIT_WARN -> 1002 memapp: no handler, dropped");
    ck_assert_uint_eq(view_log_recent(&log, 0)->rgb, VIEW_RGB_NOTE);

    struct memorystatus_kill k = { .pid = 1002, .band = 30, .footprint = 3220,
                                   .cause = MEMORYSTATUS_CAUSE_VM_PAGESHORTAGE };
    ev = (struct emu_jetsam_event){ .kind = EMU_JETSAM_KILL, .vm = &vm, .pid = 1002,
                                    .name = "memapp", .kill = &k };
    view_log_jetsam(&log, &ev, 16384);
    ck_assert_str_eq(view_log_recent(&log, 0)->text,
                     "kill 1002 memapp, band 30: vm-pageshortage, 50.3 MB");
    ck_assert_uint_eq(view_log_recent(&log, 0)->rgb, VIEW_RGB_KILL);
    ck_assert_uint_eq(log.total, 5);
}
END_TEST

START_TEST(pressure_panel_from_jetsam)
{
    ck_assert_int_eq(view_pressure_of(MEMORYSTATUS_LEVEL_NORMAL), VIEW_PRESSURE_NORMAL);
    ck_assert_int_eq(view_pressure_of(MEMORYSTATUS_LEVEL_WARNING), VIEW_PRESSURE_WARNING);
    ck_assert_int_eq(view_pressure_of(MEMORYSTATUS_LEVEL_CRITICAL), VIEW_PRESSURE_CRITICAL);
    /* XNU's AVAILABLE_MEMORY counts the compressor's frames, not the pages it holds */
    struct memorystatus_vm vm = { .free = 1000, .active = 500, .inactive = 400,
                                  .speculative = 100, .compressor_pages = 9000,
                                  .compressor_frames = 2000 };
    struct view_pressure_gauge g;
    view_pressure_gauge_jetsam(&vm, &g);
    ck_assert_uint_eq(g.non_compressed, 2000);
    ck_assert_uint_eq(g.available, 4000);
    struct memorystatus_thresholds th = memorystatus_thresholds(&vm);
    ck_assert_uint_eq(g.to_warning, th.enter_warning);
    ck_assert_uint_eq(g.to_critical, th.enter_critical);
    ck_assert_uint_eq(g.warning_to_normal, th.leave_to_normal);
    ck_assert_uint_eq(g.critical_to_warning, th.leave_critical);
    ck_assert_uint_eq(g.to_warning, 2000);
    ck_assert_uint_eq(g.to_critical, 1200);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("view_model");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, class_of_every_use_and_queue);
    tcase_add_test(tc, classes_have_distinct_colours_and_keys);
    tcase_add_test(tc, every_fault_kind_flashes_its_own_colour);
    tcase_add_test(tc, colour_by_owner);
    tcase_add_test(tc, grid_fits_16M_to_4G);
    tcase_add_test(tc, grid_cells_from_the_ram_and_scrolled);
    tcase_add_test(tc, grid_outside_and_empty);
    tcase_add_test(tc, pressure_thresholds);
    tcase_add_test(tc, pressure_levels_with_hysteresis);
    tcase_add_test(tc, log_keeps_the_newest);
    tcase_add_test(tc, flashes_fade);
    tcase_add_test(tc, page_summary_and_speeds);
    tcase_add_test(tc, palette_is_distinct_for_colour_blind_eyes);
    tcase_add_test(tc, bands_and_limits_as_the_task_panel_says_them);
    tcase_add_test(tc, jetsam_events_in_the_log);
    tcase_add_test(tc, pressure_panel_from_jetsam);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
