# sentineld build.  `make` builds bin/sentineld; `make test` runs every test;
# `make demo` runs a local failover.  Missing Debian packages are installed
# with apt-get when we are root (see scripts/deps.sh).

CC ?= cc
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
                 -Wno-unused-parameter -Isrc -MMD -MP -g
LIBS := -levent -levent_openssl -lhiredis -lssl -lcrypto -lm

CFLAGS_release := $(CFLAGS_COMMON) -O2
CFLAGS_asan := $(CFLAGS_COMMON) -O1 -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS_asan := -fsanitize=address,undefined

SRCS := $(wildcard src/core/*.c src/net/*.c src/app/*.c)
LIB_SRCS := $(filter-out src/app/main.c,$(SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_NAMES := $(patsubst tests/unit/%.c,%,$(UNIT_SRCS))

objs = $(patsubst %.c,build/$(1)/%.o,$(2))

.PHONY: all deps test unit integration demo clean asan sim fuzz bench

all: bin/sentineld

deps:
	@scripts/deps.sh build

bin/sentineld: $(call objs,release,$(SRCS)) | deps
	@mkdir -p bin
	$(CC) -o $@ $^ $(LIBS)

bin/sentineld-asan: $(call objs,asan,$(SRCS)) | deps
	@mkdir -p bin
	$(CC) $(LDFLAGS_asan) -o $@ $^ $(LIBS)

asan: bin/sentineld-asan

build/release/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_release) -c -o $@ $<

build/asan/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_asan) -c -o $@ $<

build/asan/libsentineld.a: $(call objs,asan,$(LIB_SRCS))
	@rm -f $@
	ar rcs $@ $^

build/unit/%: tests/unit/%.c build/asan/libsentineld.a
	@mkdir -p build/unit
	$(CC) $(CFLAGS_asan) -Itests/unit -o $@ $< build/asan/libsentineld.a \
	    $(LDFLAGS_asan) -lcmocka $(LIBS)

unit: $(addprefix build/unit/,$(UNIT_NAMES))
	@scripts/run-unit.sh $(addprefix build/unit/,$(UNIT_NAMES))

integration: bin/sentineld bin/sentineld-asan
	@scripts/deps.sh test
	@scripts/run-integration.sh

# Every test: unit tests (ASan+UBSan), then integration tests against the
# sanitizer build of the daemon.  The last line is the combined summary.
test:
	@scripts/deps.sh test
	@scripts/run-all-tests.sh

demo: bin/sentineld
	@scripts/deps.sh test
	@/usr/bin/python3 scripts/demo.py

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
-include tests/sim/sim.mk
-include fuzz/fuzz.mk
-include bench/bench.mk
