# machemu — see README.md. `make` builds, `make check` tests, `make demo`, `make bench`, `make asan`.
comma := ,
CC      ?= cc
O       ?= build
SAN     ?=
OPT     ?= -O2 -g
CFLAGS  := $(OPT) -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -I. $(SAN) $(EXTRA_CFLAGS)
LDFLAGS += $(SAN)

# Unicorn >= 2.1.2: the system one, or the project-local copy scripts/deps.sh puts in .deps/.
DEPS_PC  := $(firstword $(wildcard $(CURDIR)/.deps/usr/lib/*/pkgconfig))
PKG      := PKG_CONFIG_PATH=$(DEPS_PC)$(if $(PKG_CONFIG_PATH),:$(PKG_CONFIG_PATH)) pkg-config
UC_CFLAGS := $(shell $(PKG) --cflags unicorn 2>/dev/null)
UC_LIBDIR := $(shell $(PKG) --variable=libdir unicorn 2>/dev/null)
UC_LIBS   := $(shell $(PKG) --libs unicorn 2>/dev/null) $(if $(UC_LIBDIR),-Wl$(comma)-rpath$(comma)$(UC_LIBDIR))
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
CS_LIBS      := $(shell pkg-config --libs capstone 2>/dev/null)
LZ4_LIBS     := $(shell pkg-config --libs liblz4 2>/dev/null)
# The viewer (tools/view*.c) and only it uses SDL2, SDL2_ttf and SDL2_image.
SDL_CFLAGS   := $(shell pkg-config --cflags sdl2 SDL2_ttf SDL2_image 2>/dev/null)
SDL_LIBS     := $(shell pkg-config --libs sdl2 SDL2_ttf SDL2_image 2>/dev/null)
PNG_CFLAGS   := $(shell pkg-config --cflags libpng 2>/dev/null)
PNG_LIBS     := $(shell pkg-config --libs libpng 2>/dev/null)

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

# Guest programs: guest/<name>.c -> build/guest/<name> (static AArch64 Linux ELF).
GUEST_CC     ?= aarch64-linux-gnu-gcc
GUEST_CFLAGS ?= -O2 -static -Wall -Wextra -Werror -Iguest/include
GUEST_SRC    := $(wildcard guest/*.c)
GUEST_BIN    := $(patsubst guest/%.c,$(O)/guest/%,$(GUEST_SRC))
GUEST_COMMON := $(wildcard guest/include/*.h)

# Unit tests: tests/unit/test_<name>.c -> build/tests/test_<name>.
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(O)/tests/%,$(UNIT_SRC))

# Test helpers: tests/<name>.c -> build/tests/<name> (not run as unit tests).
PNGPIXEL := $(O)/tests/pngpixel

.PHONY: all check unit integration demo bench asan clean deps
all: $(MACHEMU) $(GUEST_BIN) $(UNIT_BIN) $(PNGPIXEL)

$(O)/obj/emu/%.o: emu/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(UC_CFLAGS) -MMD -MP -c $< -o $@
$(filter $(O)/obj/tools/view%,$(TOOLS_OBJ)): $(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SDL_CFLAGS) -MMD -MP -c $< -o $@
$(O)/obj/tests/pngpixel.o: tests/pngpixel.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PNG_CFLAGS) -MMD -MP -c $< -o $@
$(O)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@
$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(O)/lib%.a: $$(call obj_of,%)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

HOST_LIBS := $(UC_LIBS) $(CS_LIBS) $(LZ4_LIBS) -ledit -lm -lpthread
$(MACHEMU): $(TOOLS_OBJ) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(TOOLS_OBJ) $(LIBS) $(SDL_LIBS) $(HOST_LIBS)

$(PNGPIXEL): $(O)/obj/tests/pngpixel.o
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(PNG_LIBS)

# A unit test of a tools/ file links that object too.
TEST_EXTRA_gdb_packet := $(O)/obj/tools/gdb_packet.o
TEST_EXTRA_view_model := $(O)/obj/tools/view_model.o
$(O)/tests/test_%: $(O)/obj/tests/unit/test_%.o $$(TEST_EXTRA_$$*) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(TEST_EXTRA_$*) $(LIBS) $(CHECK_LIBS) $(HOST_LIBS)

$(O)/guest/%: guest/%.c $(GUEST_COMMON)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -o $@ $<

check: all
	@O=$(O) tests/run-all.sh

unit: $(UNIT_BIN)
	@O=$(O) tests/run-all.sh unit

integration: $(MACHEMU) $(GUEST_BIN) $(PNGPIXEL)
	@O=$(O) tests/run-all.sh integration

demo:
	@pkg-config --exists capstone check liblz4 sdl2 SDL2_ttf SDL2_image libpng 2>/dev/null && [ -n "$(UC_CFLAGS)" ] || scripts/deps.sh
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(O)

bench: all
	@O=$(O) scripts/bench.sh

asan:
	@$(MAKE) --no-print-directory O=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" OPT="-O1 -g" check

clean:
	rm -rf build build-asan

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
