/*
 * rng.c - the simulator's one random number generator.
 *
 * A 64-bit counter stepped by an odd constant and passed through a
 * multiply-xorshift finaliser: tiny, fast, and good enough to pick fault
 * schedules.  The whole run depends only on the seed given to rng_seed.
 */
#include <stdio.h>

#include "sim.h"

#define RNG_STEP 0x9e3779b97f4a7c15ULL
#define RNG_MIX 0xd6e8feb86659fd93ULL

void rng_seed(struct rng *rng, uint64_t seed)
{
    rng->state = seed * RNG_MIX + 0x5851f42d4c957f2dULL;
    for (int i = 0; i < 4; i++)
        (void)rng_next(rng);
}

uint64_t rng_next(struct rng *rng)
{
    uint64_t z = (rng->state += RNG_STEP);
    z = (z ^ (z >> 32)) * RNG_MIX;
    z = (z ^ (z >> 32)) * RNG_MIX;
    return z ^ (z >> 32);
}

uint64_t rng_below(struct rng *rng, uint64_t n)
{
    /* The modulo bias is below 2^-40 for the ranges used here. */
    return rng_next(rng) % n;
}

int64_t rng_range(struct rng *rng, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int64_t)rng_below(rng, (uint64_t)(hi - lo) + 1);
}

int rng_chance(struct rng *rng, uint32_t per_million)
{
    return rng_below(rng, 1000000) < per_million;
}

void rng_runid(struct rng *rng, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < RUNID_LEN; i++)
        out[i] = hex[rng_next(rng) & 15];
    out[RUNID_LEN] = '\0';
}
