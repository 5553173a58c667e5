# bench/bench.mk - sentineld against Debian's redis-sentinel, side by side.
# Included at the end of the Makefile.
#
#   make bench          every scenario, full rounds (about 25 minutes)
#   make bench-quick    fewer rounds and sizes (under 5 minutes)
#   make bench BENCH_ARGS="--only discovery --profile"
#
# Results: a table on stdout and bench/results/<time>.json.  Timings are
# only measured and printed, never asserted.

BENCH_PY := /usr/bin/python3
BENCH_FAKENODE := build/bench/fakenode

.PHONY: bench-quick bench-deps

$(BENCH_FAKENODE): bench/fakenode.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -O2 -g -o $@ $<

bench-deps:
	@scripts/deps.sh test

bench: bin/sentineld $(BENCH_FAKENODE) | bench-deps
	@$(BENCH_PY) bench/run.py $(BENCH_ARGS)

bench-quick: bin/sentineld $(BENCH_FAKENODE) | bench-deps
	@$(BENCH_PY) bench/run.py --quick $(BENCH_ARGS)
