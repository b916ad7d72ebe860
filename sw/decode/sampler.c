/* run.c's sample() over a block of tiles. Each tile divides its own tokens' logits by the
 * temperature and takes their exponentials (the costly part, spread); the drawing tile gathers
 * them, adds them in token order as run.c does and broadcasts the sum, each tile divides its own,
 * and the drawing tile gathers the probabilities and draws: a running sum over all tokens, or
 * the nucleus taken most probable first. The float operations are run.c's, so the probabilities
 * and sums are those of run.c's sampler, bit for bit, on the same logits. */
#include <math.h>
#include <wvp/collectives.h>
#include <wvp/hal.h>

#include "sampler.h"

static uint32_t random_u32(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

static float random_f32(uint64_t *state) { return (float)(random_u32(state) >> 8) / 16777216.0f; }

static uint32_t vocab;
static wvp_range own;          /* the tile's share of the tokens */
static uint32_t own_in_row;    /* where its logits start among its block row's */
static uint32_t per_block;     /* the nucleus's blocks of tokens (below), and how many */
static uint32_t blocks;
static uint32_t global_takes;  /* the nucleus's takes before it builds its blocks (below) */
static float *all, *order;

/* The block's first tile draws: the one whose tokens start at 0. */
static int draws(void) { return own.first == 0; }

/* What an engine operation costs beyond its elements (its descriptor's writes and the call, about
 * 45 cycles), in elements scanned at 4 a cycle. */
#define OP_ELEMENTS 180u

__attribute__((cold)) void sampler_init(uint32_t tokens, wvp_range row, uint32_t cols, uint32_t col, float *all_buffer, float *order_buffer) {
  vocab = tokens, all = all_buffer, order = order_buffer;
  own = wvp_range_of(row.count, cols, col);
  own_in_row = own.first;
  own.first += row.first;
  /* Blocks of at least 32 tokens, few enough for two floats each in the first tile's logits'
   * buffer (row.count floats, 2 at least: wvp_decode_layout). */
  const uint32_t room = row.count < 2 ? 2 : row.count;
  for (per_block = 32; per_block < vocab && per_block * (room / 2) < vocab;) per_block *= 2;
  /* Building the blocks scans every token once, in one engine operation a block; a take without
   * them scans every token in one. Take without them until that has cost what building them
   * would (an operation's descriptor and call cost about as much as OP_ELEMENTS elements' scan):
   * a small nucleus is done by then, a large one pays at most twice the best choice. */
  blocks = (vocab + per_block - 1) / per_block;
  global_takes = (vocab + blocks * OP_ELEMENTS) / (vocab + OP_ELEMENTS);
}

/* On the tensor engine, over x[0..n): with DOT the sum from 0, term by term as run.c adds (a DOT
 * with a one read again and again: fma(x, 1, s) rounds as s + x does); with MAX the largest, and
 * its first position in *at. The engine reads and writes SRAM behind the compiler's back, hence
 * the barriers. */
__attribute__((noinline)) static float on_engine(uint32_t op, const float *x, uint32_t n, uint32_t *at) {
  static const float one = 1.0f;
  float sum = 0.0f;
  __asm__ volatile("" ::: "memory");
  /* One row: the row strides and dst's stride do not matter. */
  wvp_tensor_reg(WVP_TENSOR_OP, op);
  wvp_tensor_reg(WVP_TENSOR_TYPES, WVP_FP32);
  wvp_tensor_reg(WVP_TENSOR_LEN, n);
  wvp_tensor_reg(WVP_TENSOR_ROWS, 1);
  wvp_tensor_reg(WVP_TENSOR_SRC0, (uint32_t)(uintptr_t)x);
  wvp_tensor_reg(WVP_TENSOR_SRC0_STRIDE, 1);
  wvp_tensor_reg(WVP_TENSOR_SRC1, (uint32_t)(uintptr_t)&one);
  wvp_tensor_reg(WVP_TENSOR_SRC1_STRIDE, 0);
  wvp_tensor_reg(WVP_TENSOR_DST, (uint32_t)(uintptr_t)&sum);
  wvp_tensor_reg(WVP_TENSOR_GO, 1);
  wvp_tensor_wait();
  __asm__ volatile("" ::: "memory");
  union { uint32_t u; float f; } max = {.u = *wvp_reg(WVP_TENSOR_BASE + WVP_TENSOR_RESULT)};
  *at = *wvp_reg(WVP_TENSOR_BASE + WVP_TENSOR_INDEX);
  return op == WVP_TENSOR_DOT ? sum : max.f;
}

/* Tokens the engine adds at a time while drawing (below). */
#define DRAW_BLOCK 64u

/* The first token where run.c's running sum of probs[0..n) passes the coin, the last if none.
 * The engine adds a block at a time in run.c's order: a DOT from 0 over the sum so far, written
 * over the probability just before the block (which that sum holds already), and the block. The
 * core adds one at a time only in the block where the sum passes the coin. probs is spent. */
static uint32_t draw(float *probs, uint32_t n, float coin) {
  uint32_t start = 0, unused;
  float cdf = 0.0f;
  while (n - start > DRAW_BLOCK) {
    float *from = probs + start;
    uint32_t len = DRAW_BLOCK;
    if (start) *--from = cdf, ++len;
    const float end = on_engine(WVP_TENSOR_DOT, from, len, &unused);
    if (coin < end) break;
    cdf = end;
    start += DRAW_BLOCK;
  }
  for (uint32_t i = start; i < n; ++i) {
    cdf += probs[i];
    if (coin < cdf) return i;
  }
  return n - 1;
}

/* softmax(logits / temperature), run.c's, into `all` on the drawing tile. */
static void softmax(const float *logits, float temperature) {
  float *x = all + own.first;
  const float *mine = logits + own_in_row;
  float max_val = -INFINITY;
  for (uint32_t i = 0; i < own.count; ++i) {
    x[i] = mine[i] / temperature;
    if (x[i] > max_val) max_val = x[i];
  }
  wvp_row_allreduce_f32(&max_val, 1, WVP_MAX);
  wvp_col_allreduce_f32(&max_val, 1, WVP_MAX);
  for (uint32_t i = 0; i < own.count; ++i) x[i] = expf(x[i] - max_val);
  wvp_gather_2d_f32(all, vocab, 1);
  float sum = 0.0f;
  uint32_t unused;
  if (draws()) sum = on_engine(WVP_TENSOR_DOT, all, vocab, &unused);
  wvp_bcast_f32(&sum, 1, 0, 0);
  for (uint32_t i = 0; i < own.count; ++i) x[i] /= sum;
  wvp_gather_2d_f32(all, vocab, 1);
}

/* Block b's largest probability left into block_max[b], its place in the block into
 * block_max[blocks + b]. */
static void block_largest(float *block_max, uint32_t b) {
  const uint32_t first = b * per_block, size = vocab - first < per_block ? vocab - first : per_block;
  uint32_t at;
  block_max[b] = on_engine(WVP_TENSOR_MAX, all + first, size, &at);
  block_max[blocks + b] = (float)at;
}

/* The nucleus, on the drawing tile, as run.c's sample_topp takes it: the candidates (at or above
 * the cutoff) most probable first, ties by index (the host reference's stable sort), up to the
 * first whose running sum passes topp. They are taken one at a time, the largest probability
 * left, so that only the nucleus is ordered, not every token. The first global_takes take the
 * largest of all tokens; then block_max (the logits' buffer, spent) keeps each block's largest
 * and its place, the next is the largest of those, and only its block is looked at again. A token
 * taken is negated, which leaves it out. Its tokens go to `order` (exact floats); returns how
 * many, and their sum in *cumulative. */
static uint32_t nucleus(float topp, float *block_max, float *cumulative) {
  const float cutoff = (1.0f - topp) / (float)(vocab - 1);
  uint32_t taken = 0;
  *cumulative = 0.0f;
  for (;;) {
    uint32_t token;
    float p;
    if (taken < global_takes) {
      p = on_engine(WVP_TENSOR_MAX, all, vocab, &token);
    } else {
      if (taken == global_takes)
        for (uint32_t b = 0; b < blocks; ++b) block_largest(block_max, b);
      uint32_t b;
      p = on_engine(WVP_TENSOR_MAX, block_max, blocks, &b);
      token = b * per_block + (uint32_t)block_max[blocks + b];
    }
    if (!(p >= cutoff)) break; /* no candidate left (or NaNs) */
    order[taken++] = (float)token;
    all[token] = -p;
    *cumulative += p;
    if (*cumulative > topp) break;
    if (taken > global_takes) block_largest(block_max, token / per_block);
  }
  return taken;
}

uint32_t sample(float *logits, float temperature, float topp, uint64_t *rng) {
  softmax(logits, temperature);
  if (!draws()) return 0;
  const float coin = random_f32(rng);
  float cumulative;
  /* From all tokens, or when no token reaches the cutoff (only NaNs, from logits / temperature
   * overflowed, leave none): the first where run.c's running sum passes the coin. */
  const uint32_t taken = topp > 0.0f && topp < 1.0f ? nucleus(topp, logits, &cumulative) : 0;
  if (!taken) return draw(all, vocab, coin);
  /* In the nucleus: the first where the running sum (the same sums again) passes the coin times
   * its mass, or its last. */
  const float r = coin * cumulative;
  float cdf = 0.0f;
  uint32_t i = 0;
  for (; i + 1 < taken; ++i) {
    cdf += -all[(uint32_t)order[i]];
    if (r < cdf) break;
  }
  return (uint32_t)order[i];
}
