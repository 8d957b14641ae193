# Tally build.  `make` builds bin/tally; `make run` evaluates the bundled
# award example; `make test` builds and runs every test.  Missing Debian
# packages are installed first (scripts/deps.sh; needs root and apt-get).
#
#   make test SAN=1        the same suite under ASan + UBSan (build-san/)
#   make test CC=clang     with clang
#   make DISPATCH=switch   the VM with a plain switch instead of computed goto

CC       ?= cc
SAN      ?=
DISPATCH ?= goto
BUILD    ?= build$(if $(SAN),-san)$(if $(filter clang,$(notdir $(CC))),-clang)
BIN      := $(BUILD)/bin
OPT      ?= -O2

WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
CPPFLAGS := -Iinclude -Iruntime -Ilang -I$(BUILD)/gen -DTALLY_DEBUG
ifeq ($(DISPATCH),goto)
CPPFLAGS += -DTALLY_COMPUTED_GOTO
endif
CFLAGS   := -std=gnu11 -g $(OPT) $(WARN) -fvisibility=hidden
LDLIBS   := -lyajl -lgmp -lpthread
ifneq ($(SAN),)
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

.PHONY: all deps run test unit lang-tests golden clean bench fmt-check docs
all: deps $(TALLY)
	@ln -sfn ../$(TALLY) bin/tally 2>/dev/null || { mkdir -p bin && ln -sfn ../$(TALLY) bin/tally; }

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
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-sign-compare -Wno-unused-function -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(GEN_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(TALLY): $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-unused-function $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS) -lcmocka

run: all
	$(TALLY) run examples/award/award.tally examples/award/sample-20.jsonl

unit: deps $(UNIT_BIN)
	@sh tests/run_unit.sh $(UNIT_BIN)

test: all unit
	@sh tests/run_all.sh $(TALLY)

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

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
