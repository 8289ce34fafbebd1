# guest/sdk/sdk.mk — the guest SDK, included by the Makefile: the Mach headers
# (guest/include), libmach.a for ELF and for Mach-O guests, the Mach-O libc with its start
# routine, and build/guest/machemu-cc, the compiler wrapper that uses them.

GUEST_CC     ?= aarch64-linux-gnu-gcc
GUEST_AR     ?= aarch64-linux-gnu-ar
MACHO_CC     ?= clang --target=arm64-apple-ios
MACHO_AR     ?= $(firstword $(shell which llvm-ar llvm-ar-14 2>/dev/null) llvm-ar)
SDK_HEADERS  := $(wildcard guest/include/mach/*.h guest/include/machemu/*.h guest/include/sys/*.h)
LIBMACH_SRC  := $(wildcard guest/sdk/libmach/*.c)
LIBMACH_CFLAGS := -O2 -ffreestanding -Wall -Wextra -Werror -Iguest/include
LIBMACH       := $(O)/guest/libmach.a
LIBMACH_MACHO := $(O)/guest/macho/libmach.a
MACHEMU_CC    := $(O)/guest/machemu-cc
GUEST_SDK     := $(MACHEMU_CC) $(LIBMACH) $(patsubst guest/include/%,$(O)/guest/include/%,$(SDK_HEADERS))

# Mach-O SDK: the libc of guest/sdk/libc (headers copied to build/guest/macho/include),
# its start routine crt1.o, and libmach.a, for `machemu-cc --macho --static`; and the
# exports of the shared cache's image of both (shared_cache.o, made with the cache), which
# `machemu-cc --macho` links against instead.
LIBC_SRC      := $(filter-out guest/sdk/libc/start.c,$(wildcard guest/sdk/libc/*.c))
LIBC_HEADERS  := $(shell find guest/sdk/libc/include -name '*.h')
LIBC_CFLAGS   := -O2 -ffreestanding -nostdlibinc -Wall -Wextra -Werror \
                 -isystem guest/sdk/libc/include -Iguest/include
LIBC_MACHO    := $(O)/guest/macho/libc.a
CRT_MACHO     := $(O)/guest/macho/crt1.o
CACHE_IMAGE   := $(O)/guest/macho/libSystem.dylib
CACHE_STUBS   := $(O)/guest/macho/shared_cache.s
CACHE_STUBS_O := $(O)/guest/macho/shared_cache.o
MACHO_SDK     := $(GUEST_SDK) $(LIBMACH_MACHO) $(LIBC_MACHO) $(CRT_MACHO) $(CACHE_STUBS_O) \
                 $(patsubst guest/sdk/libc/include/%,$(O)/guest/macho/include/%,$(LIBC_HEADERS))


$(O)/guest/obj/libmach/%.o: guest/sdk/libmach/%.c guest/sdk/libmach/trap.h guest/sdk/bsd_svc.h $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(LIBMACH_CFLAGS) -c $< -o $@
$(LIBMACH): $(patsubst guest/sdk/libmach/%.c,$(O)/guest/obj/libmach/%.o,$(LIBMACH_SRC))
	rm -f $@ && $(GUEST_AR) rcs $@ $^

$(O)/guest/macho/obj/libmach/%.o: guest/sdk/libmach/%.c guest/sdk/libmach/trap.h guest/sdk/bsd_svc.h $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(MACHO_CC) $(LIBMACH_CFLAGS) -c $< -o $@
$(LIBMACH_MACHO): $(patsubst guest/sdk/libmach/%.c,$(O)/guest/macho/obj/libmach/%.o,$(LIBMACH_SRC))
	rm -f $@ && $(MACHO_AR) rcs $@ $^

$(O)/guest/include/%.h: guest/include/%.h
	@mkdir -p $(dir $@)
	cp $< $@

$(O)/guest/macho/obj/libc/%.o: guest/sdk/libc/%.c $(wildcard guest/sdk/libc/*.h) guest/sdk/bsd_svc.h $(LIBC_HEADERS) $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(MACHO_CC) $(LIBC_CFLAGS) -c $< -o $@
$(LIBC_MACHO): $(patsubst guest/sdk/libc/%.c,$(O)/guest/macho/obj/libc/%.o,$(LIBC_SRC))
	rm -f $@ && $(MACHO_AR) rcs $@ $^
$(CRT_MACHO): $(O)/guest/macho/obj/libc/start.o
	cp $< $@
$(O)/guest/macho/include/%.h: guest/sdk/libc/include/%.h
	@mkdir -p $(dir $@)
	cp $< $@

$(MACHEMU_CC): guest/sdk/machemu-cc.in
	@mkdir -p $(dir $@)
	sed -e 's|@GUEST_CC@|$(GUEST_CC)|g' -e 's|@MACHO_CC@|$(MACHO_CC)|g' $< >$@.tmp && chmod +x $@.tmp && mv $@.tmp $@

# The shared cache every task maps at 0x180000000 (emu/shared_cache.c): built from the
# guest libraries by a host program, guest/sdk/mkcache.c. The Mach-O libc and libmach are
# linked whole as one dylib at 0, its __DATA 64 MB past its start; mkcache places and
# rebases it in the cache (its text in __TEXT, its data in __DATA) and writes the
# exports programs link against (CACHE_STUBS).
SHARED_CACHE := $(O)/guest/dyld_shared_cache_arm64
$(O)/guest/mkcache: guest/sdk/mkcache.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=c17 -Wall -Wextra -Werror -o $@ $<
$(CACHE_IMAGE): $(LIBC_MACHO) $(LIBMACH_MACHO)
	$(MACHO_CC) -fuse-ld=lld -nostdlib -dynamiclib -install_name /usr/lib/libSystem.B.dylib \
	  -Wl,-all_load -Wl,-sectalign,__DATA,__data,0x4000000 $^ -o $@
$(SHARED_CACHE) $(CACHE_STUBS) &: $(O)/guest/mkcache $(CACHE_IMAGE) $(LIBMACH)
	$(O)/guest/mkcache $(SHARED_CACHE) $(CACHE_IMAGE) $(CACHE_STUBS) $(LIBMACH)
$(CACHE_STUBS_O): $(CACHE_STUBS)
	$(MACHO_CC) -c $< -o $@
# The system image of --system ios (emu/system.c), next to machemu as the cache is.
SYSTEM_IMAGE := $(O)/guest/system/ios.system
$(O)/guest/system/%: guest/system/%
	@mkdir -p $(dir $@)
	cp $< $@
MACHINE_FILES := $(SHARED_CACHE) $(SYSTEM_IMAGE)
