# Tally build.  `make` builds bin/tally; `make run` evaluates the bundled
# award example; `make test` builds and runs every test.  Missing Debian
# packages are installed first (scripts/deps.sh; needs root and apt-get).
#
#   make test SAN=1        the same suite under ASan + UBSan (build-san/)
#   make tsan              the threading tests under ThreadSanitizer
#                          (build-tsan/)
#   make test CC=clang     with clang
#   make DISPATCH=switch   the VM with a plain switch instead of computed goto

CC       ?= cc
SAN      ?=
DISPATCH ?= goto
BUILD    ?= build$(if $(SAN),-$(if $(filter thread,$(SAN)),tsan,san))$(if $(filter clang,$(notdir $(CC))),-clang)
BIN      := $(BUILD)/bin
OPT      ?= -O2

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
CPPFLAGS := -Iinclude -Iruntime -Ilang -I$(BUILD)/gen -DTALLY_DEBUG
ifeq ($(DISPATCH),goto)
CPPFLAGS += -DTALLY_COMPUTED_GOTO
endif
CFLAGS   := -std=gnu11 -g $(OPT) $(WARN) -fvisibility=hidden
LDLIBS   := -lyajl -lgmp -lpthread
ifeq ($(SAN),thread)
CFLAGS   += -fsanitize=thread -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=thread
else ifneq ($(SAN),)
CPPFLAGS += -DTALLY_DEBUG_VM
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
endif

RUNTIME_SRC := $(sort $(wildcard runtime/*.c))
LANG_SRC    := $(sort $(wildcard lang/*.c))
CLI_SRC     := $(sort $(wildcard cli/*.c))
GEN_SRC     := $(BUILD)/gen/lexer.c $(BUILD)/gen/parser.c
LIB_OBJ     := $(RUNTIME_SRC:%.c=$(BUILD)/obj/%.o) $(LANG_SRC:%.c=$(BUILD)/obj/%.o) \
               $(BUILD)/obj/gen/lexer.o $(BUILD)/obj/gen/parser.o
CLI_OBJ     := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
LIB         := $(BUILD)/libtally.a
TALLY       := $(BIN)/tally

UNIT_SRC    := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BIN    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all deps run test unit lang-tests golden clean bench fmt-check docs tsan
all: deps $(TALLY)
ifeq ($(BUILD),build)
	@mkdir -p bin && ln -sfn ../$(TALLY) bin/tally
endif

deps:
	@sh scripts/deps.sh

$(BUILD)/gen/lexer.c: lang/lexer.l $(BUILD)/gen/parser.c
	@mkdir -p $(dir $@)
	flex --header-file=$(BUILD)/gen/lexer.h -o $@ $<

$(BUILD)/gen/parser.c: lang/parser.y
	@mkdir -p $(dir $@)
	bison -Wall -Werror --defines=$(BUILD)/gen/parser.h -o $@ $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-sign-compare -Wno-unused-function -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(TALLY): $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

# Only tests/unit/*/test_*.c are tests; a header beside them (a fixture
# several tests share) is tracked by -MMD, like the headers of $(LIB).
$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function -MMD -MP -MF $@.d $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

run: all
	$(TALLY) run examples/award/award.tally examples/award/sample-20.jsonl

unit: deps $(UNIT_BIN)
	@sh tests/run_unit.sh $(UNIT_BIN)

test: all unit
	@sh tests/run_all.sh $(TALLY)

# Threads sharing one program, under ThreadSanitizer: any data race fails.
TSAN_TESTS := tests/lang/test_threads
tsan: deps
	$(MAKE) SAN=thread $(TSAN_TESTS:%=build-tsan/%)
	@for t in $(TSAN_TESTS); do \
	    echo "tsan: $$t"; \
	    TSAN_OPTIONS="halt_on_error=1 exitcode=66" build-tsan/$$t || exit 1; \
	done

docs: docs/opcodes.md

docs/opcodes.md: runtime/opcodes.def scripts/gen_opcodes_md.sh
	sh scripts/gen_opcodes_md.sh > $@

clean:
	rm -rf build build-san build-clang build-san-clang bin

# `make bench` (bench/README.md): Tally against hand-written baselines on
# generated tenders, run interleaved.  BENCH_SIZES="1000 1000000" goes large.
BENCH_SIZES ?= 1000 10000 100000
BENCH_RUNS  ?= 5
BENCH_ARGS  ?=
bench: all $(LIB)
	@sh bench/deps.sh
	@mkdir -p $(BUILD)/bench
	$(CC) -std=gnu11 -g $(OPT) $(WARN) $(LDFLAGS) -o $(BUILD)/bench/award bench/baseline/award.c -lyajl
	$(CC) -std=gnu11 -g $(OPT) $(WARN) -o $(BUILD)/bench/spawn bench/spawn.c
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $(BUILD)/bench/vm_eval bench/vm_eval.c $(LIB) $(LDLIBS)
	python3 bench/run.py --build $(BUILD) --sizes "$(BENCH_SIZES)" --runs $(BENCH_RUNS) $(BENCH_ARGS)

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)

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
FUZZ_CPPFLAGS := -Iinclude -Iruntime -Ilang -I$(BUILD)/gen -DTALLY_DEBUG \
                 -DTALLY_DEBUG_VM -DTALLY_COMPUTED_GOTO \
                 -DFUZZ_ROOT='"$(CURDIR)"'
FUZZ_CFLAGS   := -std=gnu11 -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) \
                 -fsanitize=fuzzer-no-link
FUZZ_LIB_OBJ  := $(RUNTIME_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) \
                 $(LANG_SRC:%.c=$(FUZZ_BUILD)/obj/%.o) \
                 $(FUZZ_BUILD)/obj/gen/lexer.o $(FUZZ_BUILD)/obj/gen/parser.o
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
$(FUZZ_BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -w -c -o $@ $<

$(FUZZ_BUILD)/obj/%.o: %.c $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_LIB_OBJ) $(LDLIBS)

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
