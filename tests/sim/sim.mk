# tests/sim/sim.mk - the deterministic simulator, included at the end of the
# Makefile.  It links the simulator's files with the decision core only.
#
#   make sim SEED=n     replay one seed with the full trace
#   make sim RUNS=n     seeds 1..n on JOBS processes (default 2), summary
#   make sim-asan ...   the same under ASan+UBSan (slower)
# SIM_ARGS passes more options (--sentinels, --nodes, --faults, --kill-master).

SIM_SRCS := $(wildcard tests/sim/*.c)
SIM_HDRS := $(wildcard tests/sim/*.h)
SIM_CORE_SRCS := $(wildcard src/core/*.c)
SIM_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Isrc -g
SIM_RUNS ?= $(or $(RUNS),100)
SIM_JOBS ?= $(or $(JOBS),2)

.PHONY: sim-asan

build/sim/sim: $(SIM_SRCS) $(SIM_HDRS) $(call objs,release,$(SIM_CORE_SRCS))
	@mkdir -p build/sim
	$(CC) $(SIM_CFLAGS) -O2 -o $@ $(SIM_SRCS) $(call objs,release,$(SIM_CORE_SRCS))

build/sim/sim-asan: $(SIM_SRCS) $(SIM_HDRS) $(call objs,asan,$(SIM_CORE_SRCS))
	@mkdir -p build/sim
	$(CC) $(SIM_CFLAGS) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $(SIM_SRCS) \
	    $(call objs,asan,$(SIM_CORE_SRCS))

sim_cmd = $(if $(SEED),$(1) --seed $(SEED) --verbose $(SIM_ARGS),\
          $(1) --runs $(SIM_RUNS) --jobs $(SIM_JOBS) $(SIM_ARGS))

sim: build/sim/sim
	@$(call sim_cmd,build/sim/sim)

sim-asan: build/sim/sim-asan
	@$(call sim_cmd,build/sim/sim-asan)
