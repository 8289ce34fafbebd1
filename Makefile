# machemu — see README.md. `make` builds, `make check` tests, `make demo`, `make bench`, `make asan`.
comma := ,
CC      ?= cc
O       ?= build
SAN     ?=
OPT     ?= -O2 -g
# -DMACHEMU_INVARIANTS: the VM's and the pmap's invariant checks (mmu/invariant.h).
INVARIANTS ?=
CFLAGS  := $(OPT) -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -I. $(SAN) $(INVARIANTS) $(EXTRA_CFLAGS)
LDFLAGS += $(SAN)

# Unicorn >= 2.1.2: the system one, or the project-local copy scripts/deps.sh puts in .deps/.
DEPS_PC  := $(firstword $(wildcard $(CURDIR)/.deps/usr/lib/*/pkgconfig))
PKG      := PKG_CONFIG_PATH=$(DEPS_PC)$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH)) pkg-config
UC_CFLAGS := $(shell $(PKG) --cflags unicorn 2>/dev/null)
UC_LIBDIR := $(shell $(PKG) --variable=libdir unicorn 2>/dev/null)
UC_LIBS   := $(shell $(PKG) --libs unicorn 2>/dev/null)
# The project-local Unicorn is found relative to the binary ($ORIGIN), so the checkout
# can move; $(call uc_rpath,BINARY) in each link that uses it.
uc_rpath = $(if $(findstring $(CURDIR)/.deps,$(abspath $(UC_LIBDIR))),-Wl$(comma)-rpath$(comma)'$$ORIGIN/$(shell \
             realpath -m --relative-to=$(abspath $(dir $(1))) $(abspath $(UC_LIBDIR)))')
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
CS_LIBS      := $(shell pkg-config --libs capstone 2>/dev/null)
LZ4_LIBS     := $(shell pkg-config --libs liblz4 2>/dev/null)
# JetsamEvent reports (jetsam/jetsam_report.c) and the unit tests that read them back.
JANSSON_CFLAGS := $(shell pkg-config --cflags jansson 2>/dev/null)
JANSSON_LIBS   := $(shell pkg-config --libs jansson 2>/dev/null)
# The viewer (tools/view*.c) and only it uses SDL2, SDL2_ttf and SDL2_image.
SDL_CFLAGS   := $(shell pkg-config --cflags sdl2 SDL2_ttf SDL2_image 2>/dev/null)
SDL_LIBS     := $(shell pkg-config --libs sdl2 SDL2_ttf SDL2_image 2>/dev/null)
PNG_CFLAGS   := $(shell pkg-config --cflags libpng 2>/dev/null)
PNG_LIBS     := $(shell pkg-config --libs libpng 2>/dev/null)

# What the goals need, as pkg-config name:Debian package, checked before anything is
# built so that a missing one is named at once (make demo installs them instead).
PKGS_UNIT := check:check liblz4:liblz4-dev jansson:libjansson-dev
PKGS_FULL := $(PKGS_UNIT) capstone:libcapstone-dev sdl2:libsdl2-dev SDL2_ttf:libsdl2-ttf-dev \
             SDL2_image:libsdl2-image-dev libpng:libpng-dev
missing_pkgs = $(foreach p,$(1),$(if $(shell $(PKG) --exists $(firstword $(subst :, ,$(p))) \
                 2>/dev/null && echo y),,$(lastword $(subst :, ,$(p)))))
GOALS := $(or $(MAKECMDGOALS),all)
ifneq ($(filter-out demo clean layers deps check-unit,$(GOALS)),)
MISSING := $(call missing_pkgs,$(PKGS_FULL))
ifeq ($(strip $(UC_LIBS)),)
MISSING += libunicorn-dev(>=2.1.2)
endif
else ifneq ($(filter check-unit,$(GOALS)),)
MISSING := $(call missing_pkgs,$(PKGS_UNIT))
endif
ifneq ($(strip $(MISSING)),)
$(error missing: $(strip $(MISSING)) (scripts/deps.sh installs them; make demo runs it))
endif

all:
.SECONDEXPANSION:
.SECONDARY:

# Libraries, in dependency order (a library may use only those after it).
LAYERS := emu jetsam vm compressor mmu
src_of  = $(wildcard $(1)/*.c)
obj_of  = $(patsubst %.c,$(O)/obj/%.o,$(call src_of,$(1)))
LIBS    := $(foreach l,$(LAYERS),$(if $(call src_of,$(l)),$(O)/lib$(l).a))

TOOLS_OBJ := $(call obj_of,tools)
MACHEMU   := $(O)/machemu

# The guest SDK (headers, libmach, the Mach-O libc, machemu-cc): its variables and rules.
include guest/sdk/sdk.mk

# Mach-O guest programs: guest/programs/macho/<name>.c -> build/guest/macho/<name>, built
# with machemu-cc --macho --static (PIE unless the program's MACHO_LDFLAGS say -no_pie);
# some again as build/guest/macho/cached/<name>, calling into the shared cache.
MACHO_GUEST_CFLAGS ?= -O2 -Wall -Wextra -Werror -Iguest/include -Iguest/programs
MACHO_GUEST_SRC := $(wildcard guest/programs/macho/*.c)
MACHO_GUEST_BIN := $(patsubst guest/programs/macho/%.c,$(O)/guest/macho/%,$(MACHO_GUEST_SRC)) \
                   $(patsubst %,$(O)/guest/macho/cached/%,hello vm malloc bsd)

# Guest programs: guest/programs/<name>.c (tests) and guest/bench/<name>.c (benchmarks)
# -> build/guest/<name> (static AArch64 Linux ELF), built with machemu-cc, so each may
# use the Mach API (libmach.a adds nothing to the others).
GUEST_CFLAGS ?= -O2 -Wall -Wextra -Werror -Iguest/include -Iguest/programs
GUEST_SRC    := $(wildcard guest/programs/*.c guest/bench/*.c)
GUEST_BIN    := $(patsubst %.c,$(O)/guest/%,$(notdir $(GUEST_SRC)))
GUEST_COMMON := $(wildcard guest/programs/*.h)

# Unit tests: tests/unit/test_<name>.c -> build/tests/test_<name>.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))

# Host benchmark programs: tests/bench/<name>.c -> build/bench/<name> (scripts/bench.sh).
BENCH_SRC := $(wildcard tests/bench/*.c)
BENCH_BIN := $(patsubst tests/bench/%.c,$(O)/bench/%,$(BENCH_SRC))

# Scenario files sit next to the guest programs they run (../memapp).
SCENARIOS := $(patsubst guest/scenarios/%,$(O)/guest/scenarios/%,$(wildcard guest/scenarios/*.scn))

# Test helpers: tests/<name>.c -> build/tests/<name> (not run as unit tests).
PNGPIXEL := $(O)/tests/pngpixel

.PHONY: all check check-unit layers unit integration demo bench asan clean deps
all: layers $(MACHEMU) $(GUEST_SDK) $(MACHINE_FILES) $(MACHO_SDK) $(GUEST_BIN) $(MACHO_GUEST_BIN) $(UNIT_BIN) $(BENCH_BIN) \
     $(PNGPIXEL) $(SCENARIOS)

$(O)/guest/scenarios/%.scn: guest/scenarios/%.scn
	@mkdir -p $(dir $@)
	cp $< $@

$(O)/obj/emu/%.o: emu/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UC_CFLAGS) -MMD -MP -c $< -o $@
$(O)/obj/jetsam/%.o: jetsam/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(JANSSON_CFLAGS) -MMD -MP -c $< -o $@
$(filter $(O)/obj/tools/view%,$(TOOLS_OBJ)): $(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SDL_CFLAGS) -MMD -MP -c $< -o $@
$(O)/obj/tests/pngpixel.o: tests/pngpixel.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PNG_CFLAGS) -MMD -MP -c $< -o $@
$(O)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) $(JANSSON_CFLAGS) -MMD -MP -c $< -o $@
$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/lib%.a: $$(call obj_of,%)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

HOST_LIBS := $(UC_LIBS) $(CS_LIBS) $(LZ4_LIBS) $(JANSSON_LIBS) -ledit -lm -lpthread
$(MACHEMU): $(TOOLS_OBJ) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(TOOLS_OBJ) $(LIBS) $(SDL_LIBS) $(HOST_LIBS) $(call uc_rpath,$@)

$(PNGPIXEL): $(O)/obj/tests/pngpixel.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(PNG_LIBS)

# A unit test of a tools/ file links that object too.
TEST_EXTRA_gdb_packet := $(O)/obj/tools/gdb_packet.o
TEST_EXTRA_view_model := $(O)/obj/tools/view_model.o
$(O)/tests/test_%: $(O)/obj/tests/unit/test_%.o $$(TEST_EXTRA_$$*) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(TEST_EXTRA_$*) $(LIBS) $(CHECK_LIBS) $(HOST_LIBS) $(call uc_rpath,$@)

# A layer's unit tests link that layer and those below it, nothing else: a call that
# points up fails to link (and `make layers` catches the include). None needs Unicorn,
# SDL, capstone or a cross compiler, so `make check-unit` runs on a bare machine.
UNIT_mmu        := mmu phys pmap pmap_nest pt tlb
UNIT_compressor := compressor wkdm
UNIT_vm         := vm_compressor vm_fault vm_map vm_pageout vm_shared_region
UNIT_jetsam     := memorystatus jetsam_report
LAYER_LIBS_mmu        := $(O)/libmmu.a
LAYER_LIBS_compressor := $(O)/libcompressor.a $(LZ4_LIBS)
LAYER_LIBS_vm         := $(O)/libvm.a $(O)/libcompressor.a $(O)/libmmu.a $(LZ4_LIBS)
LAYER_LIBS_jetsam     := $(O)/libjetsam.a $(JANSSON_LIBS)
LAYER_UNITS := $(foreach l,mmu compressor vm jetsam,$(UNIT_$(l)))
LAYER_UNIT_BIN := $(patsubst %,$(O)/tests/test_%,$(LAYER_UNITS))
define layer_unit_rule
$(patsubst %,$(O)/tests/test_%,$(UNIT_$(1))): $(O)/tests/test_%: $(O)/obj/tests/unit/test_%.o $(filter %.a,$(LAYER_LIBS_$(1)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$< $(LAYER_LIBS_$(1)) $$(CHECK_LIBS) -lm
endef
$(foreach l,mmu compressor vm jetsam,$(eval $(call layer_unit_rule,$(l))))

$(O)/bench/%: $(O)/obj/tests/bench/%.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIBS) $(HOST_LIBS) $(call uc_rpath,$@)

$(O)/guest/%: guest/programs/%.c $(GUEST_COMMON) $(GUEST_SDK)
	$(MACHEMU_CC) $(GUEST_CFLAGS) -o $@ $<
$(O)/guest/%: guest/bench/%.c $(GUEST_COMMON) $(GUEST_SDK)
	$(MACHEMU_CC) $(GUEST_CFLAGS) -o $@ $<

# bench_raw: no libc, so that a bare Unicorn (tests/bench/raw_unicorn.c) runs it too.
$(O)/guest/bench_raw: GUEST_CFLAGS += -nostdlib -ffreestanding -fno-stack-protector \
    -fno-tree-loop-distribute-patterns

$(O)/guest/macho/%: guest/programs/macho/%.c $(MACHO_SDK) $(GUEST_COMMON)
	$(MACHEMU_CC) --macho --static $(MACHO_GUEST_CFLAGS) $(MACHO_LDFLAGS) -o $@ $<
$(O)/guest/macho/cached/%: guest/programs/macho/%.c $(MACHO_SDK) $(GUEST_COMMON)
	@mkdir -p $(dir $@)
	$(MACHEMU_CC) --macho $(MACHO_GUEST_CFLAGS) -o $@ $<
$(O)/guest/macho/nopie: MACHO_LDFLAGS := -Wl,-no_pie
$(O)/guest/macho/nopie: guest/programs/macho/pie.c
$(O)/guest/macho/entries: guest/programs/mach_entries.c
# nocrt: no libc and no start routine; LC_MAIN is main, which returns to the loader's stub.
$(O)/guest/macho/nocrt: guest/programs/macho/nocrt.c $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(MACHO_CC) -O2 -ffreestanding -nostdlibinc -nostdlib -fuse-ld=lld -Wall -Wextra -Werror \
	  -Iguest/include -o $@ $<

check: all layers
	@O=$(O) JOBS=$(or $(patsubst -j%,%,$(filter -j%,$(MAKEFLAGS))),1) tests/run-all.sh

# The unit tests of the layers below emu/, alone: a C compiler, check, liblz4, jansson.
check-unit: layers $(LAYER_UNIT_BIN)
	@O=$(O) UNITS="$(LAYER_UNITS)" tests/run-all.sh unit

layers:
	@scripts/check-layers.sh

unit: $(UNIT_BIN)
	@O=$(O) tests/run-all.sh unit

integration: $(MACHEMU) $(GUEST_SDK) $(MACHINE_FILES) $(MACHO_SDK) $(GUEST_BIN) $(MACHO_GUEST_BIN) $(PNGPIXEL) $(SCENARIOS)
	@O=$(O) tests/run-all.sh integration

# The compatibility suite with busybox's upstream testsuite whole (make check runs a fixed
# part of it): tests/integration/README.md, "Compatibility suite".
.PHONY: compat
compat: $(MACHEMU) $(GUEST_BIN)
	@s=0; for t in tests/integration/test_compat_*.sh; do O=$(O) COMPAT_FULL=1 bash $$t || s=1; done; exit $$s

demo:
	@pkg-config --exists capstone check liblz4 jansson sdl2 SDL2_ttf SDL2_image libpng 2>/dev/null && [ -n "$(UC_CFLAGS)" ] || scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(O)

bench: all
	@O=$(O) scripts/bench.sh

asan:
	@$(MAKE) --no-print-directory O=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" OPT="-O1 -g" \
	  INVARIANTS=-DMACHEMU_INVARIANTS check

clean:
	rm -rf build build-asan

include tests/fuzz/fuzz.mk

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
