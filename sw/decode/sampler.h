/* run.c's sampler for a temperature above 0, on every core with the same state and logits, so
 * that all cores draw the same token. (At temperature 0 the decode firmware takes the argmax over
 * the grid instead, without gathering the logits.) */
#ifndef DECODE_SAMPLER_H
#define DECODE_SAMPLER_H

#include <stdint.h>

/* A token from logits[0..n) (overwritten with their probabilities at `temperature`): the nucleus
 * of mass `topp` when it is in (0, 1), otherwise all tokens, with the next coin of `rng` (a
 * sequence's state, seeded as the host reference's). `order` is scratch for n indices. */
uint32_t sample(float *logits, uint32_t n, float temperature, float topp, uint64_t *rng, uint32_t *order);

#endif /* DECODE_SAMPLER_H */
