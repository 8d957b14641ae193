# Tally build.  `make` builds bin/tally and the library (libtally.a and
# libtally.so); `make run` evaluates the bundled award example; `make test`
# builds and runs every test; `make install` installs (PREFIX, DESTDIR).
# `make run` and `make test` first install missing Debian packages
# (`make deps`: scripts/deps.sh, needs root and apt-get); plain `make` and
# `make install` never call apt-get.
#
#   make test SAN=1        the same suite under ASan + UBSan (build-san/)
#   make tsan              the threading tests under ThreadSanitizer
#                          (build-tsan/)
#   make test CC=clang     with clang
#   make DISPATCH=switch   the VM with a plain switch instead of computed goto
#   make DEBUG=1           assertions on (build-debug/); sanitizer builds
#                          have them on by default
#   make CFLAGS=...        your flags replace -g -O2; the project's own
#                          (-std, warnings, visibility) are always kept

CC       ?= cc
SAN      ?=
DEBUG    ?= $(if $(SAN),1,0)
DISPATCH ?= goto
BUILD    ?= build$(if $(SAN),-$(if $(filter thread,$(SAN)),tsan,san),$(if $(filter 1,$(DEBUG)),-debug))$(if $(filter clang,$(notdir $(CC))),-clang)
BIN      := $(BUILD)/bin
CFLAGS   ?= -g -O2

VERSION  := $(shell sed -n 's/^\#define TALLY_VERSION "\(.*\)"/\1/p' include/tally.h)
SOMAJOR  := $(firstword $(subst ., ,$(VERSION)))

# The project's own flags, kept whatever CFLAGS and CPPFLAGS a user gives.
WARN         := -Wall -Wextra -Werror -Wno-unused-parameter
T_CPPFLAGS   := -Iinclude -Iruntime -Ilang -Iapi -I$(BUILD)/gen
ifeq ($(DEBUG),1)
T_CPPFLAGS   += -DTALLY_DEBUG
else
T_CPPFLAGS   += -DNDEBUG
endif
ifeq ($(DISPATCH),goto)
T_CPPFLAGS   += -DTALLY_COMPUTED_GOTO
endif
T_CFLAGS     := -std=gnu11 $(WARN) -fvisibility=hidden
T_LDFLAGS    :=
LDLIBS       := -lyajl -lcsv -lgmp -lffi -ldl -lpthread
ifeq ($(SAN),thread)
T_CFLAGS     += -fsanitize=thread -fno-omit-frame-pointer
T_LDFLAGS    += -fsanitize=thread
else ifneq ($(SAN),)
T_CPPFLAGS   += -DTALLY_DEBUG_VM
T_CFLAGS     += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
T_LDFLAGS    += -fsanitize=address,undefined
endif
ALL_CFLAGS   = $(T_CPPFLAGS) $(MOD_CPPFLAGS) $(CPPFLAGS) $(T_CFLAGS) $(CFLAGS)
ALL_LDFLAGS  = $(T_LDFLAGS) $(LDFLAGS)

RUNTIME_SRC := $(sort $(wildcard runtime/*.c))
LANG_SRC    := $(sort $(wildcard lang/*.c))
API_SRC     := $(sort $(wildcard api/*.c))
CLI_SRC     := $(sort $(wildcard cli/*.c))
GEN_SRC     := $(BUILD)/gen/lexer.c $(BUILD)/gen/parser.c $(BUILD)/gen/stdlib.c
# The standard library's modules, compiled into the library as well as
# installed (lang/stdmods.h, scripts/gen_stdlib.sh).
STDLIB_SRC  := $(sort $(wildcard stdlib/*.tally))
GEN_HDR     := $(BUILD)/gen/lexer.h $(BUILD)/gen/parser.h
LIB_SRC     := $(RUNTIME_SRC) $(LANG_SRC) $(API_SRC)
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) \
               $(BUILD)/obj/gen/lexer.o $(BUILD)/obj/gen/parser.o \
               $(BUILD)/obj/gen/stdlib.o
PIC_OBJ     := $(LIB_OBJ:$(BUILD)/obj/%=$(BUILD)/pic/%)
CLI_OBJ     := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
LIB         := $(BUILD)/libtally.a
SONAME      := libtally.so.$(SOMAJOR)
SO          := $(BUILD)/libtally.so.$(VERSION)
TALLY       := $(BIN)/tally

UNIT_SRC    := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Native libraries the tests call (tests/native/NAME.c ->
# $(BUILD)/tests/native/libtally_NAME.so), built as a third party would
# build one: tally_native.h only, symbols exported, and under SAN=1 with
# the sanitizers too.
NATIVE_SRC  := $(sort $(wildcard tests/native/*.c))
NATIVE_LIBS := $(NATIVE_SRC:tests/native/%.c=$(BUILD)/tests/native/libtally_%.so)

.PHONY: all lib deps run test unit lang-tests golden clean bench bench-instr docs tsan \
        install uninstall install-test fmt-check
all: $(TALLY) lib
ifeq ($(BUILD),build)
	@mkdir -p bin && ln -sfn ../$(TALLY) bin/tally
endif

lib: $(LIB) $(SO)

deps:
	@sh scripts/deps.sh

# The scanner's header is written with the scanner, the parser's with the
# parser; objects wait for both (order-only: -MMD records who really
# includes them, so an edit to parser.y rebuilds only those).
$(BUILD)/gen/lexer.c: lang/lexer.l | $(BUILD)/gen/parser.c
	@mkdir -p $(dir $@)
	flex --header-file=$(BUILD)/gen/lexer.h -o $@ $<

$(BUILD)/gen/lexer.h: $(BUILD)/gen/lexer.c ;
$(BUILD)/gen/parser.h: $(BUILD)/gen/parser.c ;

$(BUILD)/gen/parser.c: lang/parser.y
	@mkdir -p $(dir $@)
	bison -Wall -Werror --defines=$(BUILD)/gen/parser.h -o $@ $<

$(BUILD)/gen/stdlib.c: $(STDLIB_SRC) scripts/gen_stdlib.sh
	@mkdir -p $(dir $@)
	sh scripts/gen_stdlib.sh $(STDLIB_SRC) > $@.tmp && mv $@.tmp $@

# The loader looks for the installed standard library where `make
# install` puts it (DATADIR is set with the install variables below).
$(BUILD)/obj/lang/module.o $(BUILD)/pic/lang/module.o: \
    MOD_CPPFLAGS = -DTALLY_STDLIB_DIR='"$(DATADIR)/tally/stdlib"'

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-sign-compare -Wno-unused-function -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# The shared library's objects: position-independent, built apart so the
# binary and libtally.a keep the faster non-PIC code.
$(BUILD)/pic/gen/%.o: $(BUILD)/gen/%.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -Wno-sign-compare -Wno-unused-function -MMD -MP -c -o $@ $<

$(BUILD)/pic/%.o: %.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# Only TALLY_API names are exported (-fvisibility=hidden elsewhere).
# --no-undefined proves the library names every library it needs; not in
# sanitizer builds, whose runtime (clang links it into executables only)
# the executable provides.
SO_CHECK := $(if $(SAN),,-Wl,--no-undefined)
$(SO): $(PIC_OBJ)
	$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(SONAME) $(SO_CHECK) \
	    -o $@ $^ $(LDLIBS)
	ln -sfn $(notdir $@) $(BUILD)/$(SONAME)
	ln -sfn $(SONAME) $(BUILD)/libtally.so

$(TALLY): $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

# Only tests/unit/*/test_*.c are tests; a header beside them (a fixture
# several tests share) is tracked by -MMD, like the headers of $(LIB).
$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-unused-function -MMD -MP -MF $@.d $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

$(BUILD)/tests/native/libtally_%.so: tests/native/%.c include/tally_native.h
	@mkdir -p $(dir $@)
	$(CC) -Iinclude $(filter-out -fvisibility=hidden,$(T_CFLAGS)) $(CFLAGS) \
	    -fPIC -shared $(ALL_LDFLAGS) -o $@ $<

# The unit tests of native functions load the libraries.
$(BUILD)/tests/runtime/test_ffi: | $(NATIVE_LIBS)

# `make run` and `make test` install what is missing first, then build in
# a second make, so nothing compiles before the packages are there.
run: deps
	@$(MAKE) --no-print-directory all
	$(TALLY) run examples/award/award.tally examples/award/sample-20.jsonl

unit: deps
	@$(MAKE) --no-print-directory $(UNIT_BIN) $(NATIVE_LIBS)
	@sh tests/run_unit.sh $(UNIT_BIN)

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(NATIVE_LIBS)
	@sh tests/run_unit.sh $(UNIT_BIN)
	@sh tests/run_all.sh $(TALLY)
	@$(MAKE) --no-print-directory install-test

# Installs into a staging root, checks the tree and builds examples/embed
# against it through pkg-config (tests/install/run.sh); then uninstalls
# and checks nothing is left.
INSTALL_ROOT := $(CURDIR)/$(BUILD)/install-root
install-test: $(TALLY) lib
	@rm -rf $(INSTALL_ROOT)
	@$(MAKE) --no-print-directory install DESTDIR=$(INSTALL_ROOT) PREFIX=/usr/local >/dev/null
	@sh tests/install/run.sh $(INSTALL_ROOT) /usr/local "$(CC)" "$(T_CFLAGS) $(T_LDFLAGS)"
	@$(MAKE) --no-print-directory uninstall DESTDIR=$(INSTALL_ROOT) PREFIX=/usr/local >/dev/null
	@left=$$(find $(INSTALL_ROOT) -type f -o -type l); \
	    if [ -n "$$left" ]; then echo "install: uninstall left $$left"; exit 1; fi
	@rm -rf $(INSTALL_ROOT)

# The language tests and the golden CLI tests alone.
lang-tests: deps
	@$(MAKE) --no-print-directory $(TALLY) $(NATIVE_LIBS)
	python3 tests/lang/run.py $(TALLY)

golden: deps
	@$(MAKE) --no-print-directory $(TALLY) $(NATIVE_LIBS)
	sh tests/golden/run.sh $(TALLY)

# The repository's own policies are in the canonical layout (`tally fmt`).
FMT_POLICIES := $(sort $(wildcard examples/*/*.tally stdlib/*.tally))
fmt-check: $(TALLY)
	$(TALLY) fmt --check $(FMT_POLICIES)

# Threads sharing one program, under ThreadSanitizer: any data race fails;
# then `tally test --jobs 2` itself, its tests, coverage and mutants.
TSAN_TESTS := tests/api/test_threads
tsan: deps
	@$(MAKE) --no-print-directory SAN=thread $(TSAN_TESTS:%=build-tsan/%)
	@for t in $(TSAN_TESTS); do \
	    echo "tsan: $$t"; \
	    TSAN_OPTIONS="halt_on_error=1 exitcode=66" build-tsan/$$t || exit 1; \
	done
	@$(MAKE) --no-print-directory SAN=thread build-tsan/bin/tally
	@echo "tsan: tally test --jobs 2 (tests, coverage and mutants on two threads)"
	@TSAN_OPTIONS="halt_on_error=1 exitcode=66" build-tsan/bin/tally test --jobs 2 \
	    --coverage examples/award examples/contracts >/dev/null
	@TSAN_OPTIONS="halt_on_error=1 exitcode=66" build-tsan/bin/tally test --jobs 2 \
	    --mutate examples/options >/dev/null

# ---- install -------------------------------------------------------------
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
LIBDIR      ?= $(PREFIX)/lib
INCLUDEDIR  ?= $(PREFIX)/include
DATADIR     ?= $(PREFIX)/share
DOCDIR      ?= $(DATADIR)/doc/tally
MANDIR      ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
VIMDIR      ?= $(DATADIR)/vim/vimfiles
TEXTMATEDIR ?= $(DATADIR)/tally/editors/textmate
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig

$(BUILD)/tally.pc: scripts/tally.pc.in include/tally.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(LDLIBS)|' $< > $@

# The .pc file names PREFIX, so it is remade on every install.
.PHONY: $(BUILD)/tally.pc
install: $(TALLY) $(LIB) $(SO) $(BUILD)/tally.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	    $(DESTDIR)$(VIMDIR)/syntax $(DESTDIR)$(VIMDIR)/ftdetect $(DESTDIR)$(TEXTMATEDIR)
	install -m 755 $(TALLY) $(DESTDIR)$(BINDIR)/tally
	install -m 644 include/tally.h $(DESTDIR)$(INCLUDEDIR)/tally.h
	install -m 644 include/tally_native.h $(DESTDIR)$(INCLUDEDIR)/tally_native.h
	install -m 644 $(LIB) $(DESTDIR)$(LIBDIR)/libtally.a
	install -m 755 $(SO) $(DESTDIR)$(LIBDIR)/$(notdir $(SO))
	ln -sfn $(notdir $(SO)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sfn $(SONAME) $(DESTDIR)$(LIBDIR)/libtally.so
	install -m 644 $(BUILD)/tally.pc $(DESTDIR)$(PKGCONFIGDIR)/tally.pc
	install -m 644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	install -m 644 docs/tally.1 $(DESTDIR)$(MANDIR)/man1/tally.1
	install -m 644 scripts/completions/tally.bash $(DESTDIR)$(BASHCOMPDIR)/tally
	install -m 644 scripts/completions/_tally $(DESTDIR)$(ZSHCOMPDIR)/_tally
	install -m 644 editors/vim/syntax/tally.vim $(DESTDIR)$(VIMDIR)/syntax/tally.vim
	install -m 644 editors/vim/ftdetect/tally.vim $(DESTDIR)$(VIMDIR)/ftdetect/tally.vim
	install -m 644 editors/textmate/tally.tmLanguage.json $(DESTDIR)$(TEXTMATEDIR)/tally.tmLanguage.json
	install -d $(DESTDIR)$(DATADIR)/tally/stdlib
	install -m 644 $(STDLIB_SRC) $(DESTDIR)$(DATADIR)/tally/stdlib/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/tally $(DESTDIR)$(INCLUDEDIR)/tally.h \
	    $(DESTDIR)$(INCLUDEDIR)/tally_native.h \
	    $(DESTDIR)$(LIBDIR)/libtally.a $(DESTDIR)$(LIBDIR)/$(notdir $(SO)) \
	    $(DESTDIR)$(LIBDIR)/$(SONAME) $(DESTDIR)$(LIBDIR)/libtally.so \
	    $(DESTDIR)$(PKGCONFIGDIR)/tally.pc $(DESTDIR)$(MANDIR)/man1/tally.1 \
	    $(DESTDIR)$(BASHCOMPDIR)/tally $(DESTDIR)$(ZSHCOMPDIR)/_tally \
	    $(DESTDIR)$(VIMDIR)/syntax/tally.vim $(DESTDIR)$(VIMDIR)/ftdetect/tally.vim
	rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/tally

# Regenerates docs/opcodes.md from the opcode list, and fails if the
# checked-in copy was stale (the golden test docs-opcodes checks it too).
docs:
	@mkdir -p $(BUILD)
	sh scripts/gen_opcodes_md.sh > $(BUILD)/opcodes.md.new
	@if cmp -s $(BUILD)/opcodes.md.new docs/opcodes.md; then \
	    echo "docs: docs/opcodes.md is up to date"; \
	else \
	    cp $(BUILD)/opcodes.md.new docs/opcodes.md; \
	    echo "docs: docs/opcodes.md regenerated; commit it"; exit 1; \
	fi

docs/opcodes.md: runtime/opcodes.def runtime/operands.def scripts/gen_opcodes_md.sh
	sh scripts/gen_opcodes_md.sh > $@

clean:
	rm -rf build build-* bin

# `make bench` (bench/README.md): Tally against hand-written baselines on
# generated tenders, run interleaved.  BENCH_SIZES="1000 1000000" goes large.
# Then a report's peak memory over 100,000 and 1,000,000 generated records
# (tests/tools/report_memory.py), which must be flat.
# Then the contracts portfolio reports over 10,000 and 100,000 generated
# contracts (tests/tools/portfolio_memory.py): flat, the same bytes with
# --jobs 2.
BENCH_SIZES ?= 1000 10000 100000
BENCH_RUNS  ?= 5
BENCH_ARGS  ?=
bench: deps
	@$(MAKE) --no-print-directory $(TALLY) $(LIB)
	@sh bench/deps.sh
	@mkdir -p $(BUILD)/bench
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) $(ALL_LDFLAGS) -o $(BUILD)/bench/award bench/baseline/award.c -lyajl
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -o $(BUILD)/bench/spawn bench/spawn.c
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $(BUILD)/bench/vm_eval bench/vm_eval.c $(LIB) $(LDLIBS)
	python3 bench/run.py --build $(BUILD) --sizes "$(BENCH_SIZES)" --runs $(BENCH_RUNS) $(BENCH_ARGS)
	python3 tests/tools/report_memory.py $(TALLY) 100000 1000000
	python3 tests/tools/portfolio_memory.py $(TALLY) 10000 100000

# `make bench-instr BASE=REV` (bench/README.md): instructions per tender
# of the award example, this tree against REV, counted by callgrind.
BASE ?= HEAD~1
BENCH_TENDERS ?= 1000
bench-instr:
	sh bench/instr.sh $(BASE) $(BENCH_TENDERS)

-include $(shell find $(BUILD)/obj $(BUILD)/pic $(BUILD)/tests -name '*.d' 2>/dev/null)

# ---- fuzzing (tests/fuzz/README.md) -------------------------------------
# `make fuzz FUZZ_SECONDS=N` builds the libFuzzer targets with clang, ASan
# and UBSan in build-fuzz/ and runs each for N seconds, one after the
# other, on a working corpus in build-fuzz/corpus/<target> seeded from
# tests/fuzz/corpus/<target>.  `make fuzz-smoke` is the same for ~20 s
# each (CI).  `make fuzz-merge` folds what a campaign found back into the
# checked-in corpus, minimized.  A crash is written to
# build-fuzz/crashes/<target>/; copy it to tests/fuzz/regress/<target>/,
# where `make test` replays it (tests/unit/runtime/test_fuzz_regress.c).
FUZZ_CC       ?= clang
FUZZ_BUILD    := build-fuzz
FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  := policy bytecode data run
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CPPFLAGS := -Iinclude -Iruntime -Ilang -Iapi -I$(BUILD)/gen -DTALLY_DEBUG \
                 -DTALLY_DEBUG_VM -DTALLY_COMPUTED_GOTO \
                 -DFUZZ_ROOT='"$(CURDIR)"'
FUZZ_CFLAGS   := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
                 -fsanitize=fuzzer-no-link
FUZZ_LIB_OBJ  := $(RUNTIME_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) \
                 $(LANG_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) \
                 $(API_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) \
                 $(FUZZ_BUILD)/obj/gen/lexer.o $(FUZZ_BUILD)/obj/gen/parser.o \
                 $(FUZZ_BUILD)/obj/gen/stdlib.o
FUZZ_BIN      := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)
# Longest input per target: the largest seed (award.tally, the award
# bytecode, one edge-case tender line) with room to grow.
FUZZ_MAXLEN_policy   := 12288
FUZZ_MAXLEN_bytecode := 16384
FUZZ_MAXLEN_data     := 16384
FUZZ_MAXLEN_run      := 16384
FUZZ_DICT_policy     := -dict=tests/fuzz/tally.dict
FUZZ_DICT_bytecode   :=
FUZZ_DICT_data       := -dict=tests/fuzz/json.dict
FUZZ_DICT_run        := -dict=tests/fuzz/json.dict
# Checked-in corpus of each target: run reads the same files as data.
FUZZ_CORPUS_policy   := policy
FUZZ_CORPUS_bytecode := bytecode
FUZZ_CORPUS_data     := data
FUZZ_CORPUS_run      := data

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-merge clean-fuzz
$(FUZZ_BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -w -c -o $@ $<

$(FUZZ_BUILD)/obj/%.o: %.c | $(GEN_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_LIB_OBJ) $(LDLIBS)

# The objects are kept between builds (not intermediate files).
.SECONDARY: $(FUZZ_LIB_OBJ)

fuzz-build: deps $(FUZZ_BIN)

# One target: $(call fuzz_run,TARGET,SECONDS)
define fuzz_run
	@mkdir -p $(FUZZ_BUILD)/corpus/$(1) $(FUZZ_BUILD)/crashes/$(1)
	@echo "fuzz: $(1) for $(2) s"
	$(FUZZ_BUILD)/fuzz_$(1) $(FUZZ_BUILD)/corpus/$(1) tests/fuzz/corpus/$(FUZZ_CORPUS_$(1)) \
	    $(FUZZ_DICT_$(1)) -max_len=$(FUZZ_MAXLEN_$(1)) -timeout=10 \
	    -rss_limit_mb=2048 -max_total_time=$(2) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$(1)/

endef

fuzz: fuzz-build
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),$(FUZZ_SECONDS)))

fuzz-smoke: fuzz-build
	$(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t),20))

fuzz-merge: fuzz-build
	for t in $(FUZZ_TARGETS); do sh tests/fuzz/merge.sh $$t $(FUZZ_BUILD) || exit 1; done

clean-fuzz:
	rm -rf $(FUZZ_BUILD)
clean: clean-fuzz

# The replay test includes the fuzz targets' sources.
$(BUILD)/tests/runtime/test_fuzz_regress: tests/fuzz/fuzz.h \
    tests/fuzz/fuzz_policy.c tests/fuzz/fuzz_bytecode.c tests/fuzz/fuzz_data.c \
    tests/fuzz/fuzz_run.c

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)
