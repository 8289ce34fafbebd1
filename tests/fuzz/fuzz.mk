# tests/fuzz/fuzz.mk — `make fuzz`: the libFuzzer targets of tests/fuzz (see its README.md).
#
# tests/fuzz/fuzz_<name>.c -> build-fuzz/fuzz_<name>, built with clang and
# -fsanitize=fuzzer,address,undefined (every sanitizer report is fatal), the libraries
# compiled again into build-fuzz/ by a sub-make, so build/ is never touched. Each target
# then runs FUZZ_SECONDS over tests/fuzz/corpus/<name>/ (replayed first, never written)
# and build-fuzz/corpus/<name>/ (what it finds); a crash fails the run and leaves the
# input in build-fuzz/crash/.
FUZZ_O       ?= build-fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_NAMES:%=$(FUZZ_O)/fuzz_%)

# The tools/ objects a target may need (not the CLI's main, not the SDL viewer) and the
# targets' shared code, as an archive so each links only what it uses.
FUZZ_TOOLS_OBJ := $(filter-out $(O)/obj/tools/machemu.o $(O)/obj/tools/view%,$(TOOLS_OBJ))
FUZZ_SUPPORT   := $(O)/obj/tests/fuzz/support.o $(O)/obj/tests/fuzz/machine.o

.PHONY: fuzz fuzz-build fuzz-bins fuzz-seeds clean-fuzz
fuzz: fuzz-build
	@FUZZ_O=$(FUZZ_O) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_NAMES)

fuzz-build:
	@$(MAKE) --no-print-directory O=$(FUZZ_O) CC=$(FUZZ_CC) OPT="-O1 -g" \
	  SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-bins

# Rewrites the generated seeds of tests/fuzz/corpus (tests/fuzz/mkseeds.c).
fuzz-seeds: fuzz-build
	$(FUZZ_O)/mkseeds tests/fuzz/corpus

fuzz-bins: $(FUZZ_BIN) $(O)/mkseeds

$(O)/libfuzztools.a: $(FUZZ_SUPPORT) $(FUZZ_TOOLS_OBJ)
	rm -f $@ && ar rcs $@ $^

$(O)/fuzz_%: $(O)/obj/tests/fuzz/fuzz_%.o $(O)/libfuzztools.a $(LIBS)
	$(CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(O)/libfuzztools.a $(LIBS) $(HOST_LIBS) $(call uc_rpath,$@)

$(O)/mkseeds: $(O)/obj/tests/fuzz/mkseeds.o $(O)/obj/tests/fuzz/support.o $(O)/libcompressor.a
	$(CC) $(FUZZ_SAN) -o $@ $^ $(LZ4_LIBS)

clean: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_O)
