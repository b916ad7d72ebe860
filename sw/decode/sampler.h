/* run.c's sampler for a temperature above 0 over the last stage's block: each tile takes the
 * exponentials of its own share of the vocabulary, and the block's first tile sums them and
 * draws, in run.c's order of float operations. (At temperature 0 the decode firmware takes the
 * argmax over the grid instead.) */
#ifndef DECODE_SAMPLER_H
#define DECODE_SAMPLER_H

#include <stdint.h>
#include <wvp/model_layout.h>

/* For a tile of the last stage's block: `vocab` tokens, of which its block row holds the logits
 * of `row` (wvp_tile_part_of's vocab), and the tile is column `col` of `cols`. The sampler's
 * buffers, `all` and `order`, hold vocab floats (the model layout's all_logits and order). */
void sampler_init(uint32_t vocab, wvp_range row, uint32_t cols, uint32_t col, float *all, float *order);

/* On the block's first tile, a token from the block row's `logits` (all tiles call it together;
 * the others get 0; the logits are spent, the first tile's buffer the sampler's scratch): the nucleus of mass `topp` when it is in (0, 1), otherwise all tokens, with
 * the next coin of `rng` (a sequence's state, seeded as the host reference's; only the first
 * tile's is used). */
uint32_t sample(float *logits, float temperature, float topp, uint64_t *rng);

#endif /* DECODE_SAMPLER_H */
