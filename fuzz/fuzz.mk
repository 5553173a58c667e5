# fuzz/fuzz.mk - libFuzzer targets, included at the end of the Makefile.
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="resp core"] [FUZZ_JOBS=1]
#       runs each target for FUZZ_SECONDS with ASan+UBSan; new inputs go to
#       build/fuzz/corpus/<target>, crashes to build/fuzz/crashes/
#   make fuzz-regress
#       replays the checked-in inputs (fuzz/corpus, fuzz/regress) through
#       the libFuzzer builds and says which open bugs (fuzz/regress-open)
#       still reproduce; `make unit` does the same without clang
#       (tests/unit/test_fuzz_regress.c)
#   make fuzz-build
#       only builds build/fuzz/bin/fuzz_<target>
#
# The targets are built with clang into their own objects (never the gcc
# objects of the daemon).

FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_ALL := resp inline config info hello reply core http
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
               -Wno-unused-parameter -Isrc -Ifuzz -g -O1 -fno-omit-frame-pointer \
               -fsanitize=fuzzer-no-link $(FUZZ_SAN)
FUZZ_LDFLAGS := -fsanitize=fuzzer $(FUZZ_SAN)
# Bugs found and reported but not yet fixed: `make fuzz` steers clear of
# them (see fuzz_avoid in fuzz/fuzz.h); the replays do not.  Empty this
# once they are fixed.
FUZZ_KNOWN_BUGS ?=

# Every target links one clang-built archive of the daemon's sources, so
# that only the objects it needs are pulled in, whatever new files the tree
# grows.  Only main.c is left out (the http target, which reaches the
# shell through http.c, stands in for the app_* functions it defines).
FUZZ_SHELL_SRCS := src/app/main.c
FUZZ_LIB := build/fuzz/libsentineld.a
FUZZ_LIB_OBJS := $(patsubst %.c,build/fuzz/obj/%.o,\
                   $(filter-out $(FUZZ_SHELL_SRCS),$(LIB_SRCS)))

FUZZ_BINS := $(addprefix build/fuzz/bin/fuzz_,$(FUZZ_ALL))
# CPU time of each run, when GNU time is there (the machine may be shared,
# so wall time overstates the work done).
FUZZ_TIME := $(if $(wildcard /usr/bin/time),/usr/bin/time -a -o build/fuzz/{}.log \
               -f "cpu_seconds: %U user %S system")

.PHONY: fuzz fuzz-regress fuzz-build fuzz-deps

fuzz-deps:
	@scripts/deps.sh fuzz

build/fuzz/obj/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

define fuzz_target_rule
build/fuzz/bin/fuzz_$(1): build/fuzz/obj/fuzz/fuzz_$(1).o $(FUZZ_LIB)
	@mkdir -p build/fuzz/bin
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $$@ $$^ $(LIBS)
endef
$(foreach t,$(FUZZ_ALL),$(eval $(call fuzz_target_rule,$(t))))

fuzz-build: $(FUZZ_BINS)

# Each target in turn (FUZZ_JOBS of them at once); the seed corpus is read,
# the working corpus under build/ grows.  A crash ends that target only;
# make fails at the end.
fuzz: $(addprefix build/fuzz/bin/fuzz_,$(FUZZ_TARGETS))
	@mkdir -p build/fuzz/crashes
	@printf '%s\n' $(FUZZ_TARGETS) | xargs -P $(FUZZ_JOBS) -I{} sh -c '\
	  mkdir -p build/fuzz/corpus/{} fuzz/regress/{} && \
	  echo "fuzz: {} for $(FUZZ_SECONDS) s" && \
	  FUZZ_AVOID="$(FUZZ_KNOWN_BUGS)" $(FUZZ_TIME) build/fuzz/bin/fuzz_{} \
	    -max_total_time=$(FUZZ_SECONDS) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/crashes/{}- \
	    $$( [ -f fuzz/dict/{}.dict ] && echo -dict=fuzz/dict/{}.dict ) \
	    build/fuzz/corpus/{} fuzz/corpus/{} fuzz/regress/{} \
	    > build/fuzz/{}.log 2>&1; rc=$$?; \
	  grep -E "^(stat::|#[0-9]+[[:space:]]+DONE|cpu_seconds)" build/fuzz/{}.log | \
	    sed "s/^/  {}: /"; \
	  [ $$rc -eq 0 ] || { echo "fuzz: {} FAILED (see build/fuzz/{}.log)"; exit 1; }'

# Every checked-in input through every target, once; inputs of open bugs
# (fuzz/regress-open) are run one by one and only reported.
fuzz-regress: $(FUZZ_BINS)
	@mkdir -p build/fuzz/crashes; fail=0; for t in $(FUZZ_ALL); do \
	  mkdir -p fuzz/regress/$$t; \
	  n=$$(find fuzz/corpus/$$t fuzz/regress/$$t -type f | wc -l); \
	  if build/fuzz/bin/fuzz_$$t -artifact_prefix=build/fuzz/crashes/ \
	       $$(find fuzz/corpus/$$t fuzz/regress/$$t -type f) \
	       > build/fuzz/regress-$$t.log 2>&1; then \
	    echo "fuzz-regress: $$t: $$n inputs ok"; \
	  else echo "fuzz-regress: $$t FAILED (build/fuzz/regress-$$t.log)"; fail=1; fi; \
	  for f in $$(find fuzz/regress-open/$$t -type f 2>/dev/null); do \
	    if build/fuzz/bin/fuzz_$$t -artifact_prefix=build/fuzz/crashes/ $$f \
	         > /dev/null 2>&1; then \
	      echo "fuzz-regress: $$t: open bug no longer reproduces, move it to fuzz/regress: $$f"; \
	    else echo "fuzz-regress: $$t: open bug still reproduces: $$f"; fi; \
	  done; \
	done; exit $$fail
