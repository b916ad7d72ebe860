/* LLM decode on the wafer: a Llama-architecture model (llama2.c format) generates tokens on the
 * cores of the grid. The host (`wafervp run --model M.bin`) has cut the grid into pipeline
 * stages (one when the model fits that way: every core works on every layer) and put each core's
 * part of its stage's matrices into its model region (wvp/model_layout.h). Within a stage, the
 * block's tiles share every matrix and vector in two dimensions: x's parts lie along the block
 * columns, the attention heads, hidden units and vocabulary along the block rows (with more rows
 * than KV heads, a KV head's rows split its heads' dimensions and add their scores down the
 * column). A product that reads x sums its partial products along each block row, one that
 * writes x along each block column, so every step works on a part and no core holds a whole
 * vector. A block row's tiles
 * also split the context: each keeps the K/V of every C-th position and the row combines their
 * softmax sums and weighted values. Stage 0 embeds the token; each stage runs its layers (the
 * first and last may have none) and hands x on to the next (over the border of their blocks);
 * the last one classifies and sends the next token
 * back to stage 0, which decides whether to go on. With one sequence that is one token at a time,
 * as batch-1 decode goes, and only one stage works at a time; with micro-batches, as many
 * independent sequences (users) as stages at most follow one another through the pipeline, each
 * with its own prompt, position, KV cache and sampler, so that the stages work at once.
 * When the KV cache outgrows SRAM, a memory node off the wafer holds the positions older than a
 * window (wvp/kv_offload.h).
 *
 * The matrices are of the model's weight type (decode.weight_type: fp32, fp16 or bf16), which the
 * tensor engine widens to fp32 as it multiplies them with x; everything else is fp32.
 *
 * Each step marks itself for the profiler (wvp_step: --stats, --trace, the decode breakdown).
 *
 * One forward pass per position (forward(), in run.c's order), through the prompt (the host's,
 * BOS first) and on. Greedy decoding at temperature 0; otherwise run.c's sampler (sampler.h),
 * spread over the last stage's block, whose first tile draws with sequence b's seed (seed + b).
 * PE (0,0) sends each position's token to the host as it is chosen (wvp_host_out, with its
 * sequence), then prints the simulated cycles per token of all sequences. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <wvp/collectives.h>
#include <wvp/console.h>
#include <wvp/fixed_time.h>
#include <wvp/hal.h>
#include <wvp/kv_offload.h>
#include <wvp/model_layout.h>
#include <wvp/shard.h>

#include "sampler.h"

#define BOS 1

extern uint8_t __heap_start[], __heap_end[]; /* the model region */
volatile uint32_t steps = 16;                /* positions to run (at most the context) */
/* Sampling, as run.c's: temperature 0 is greedy; top-p in (0, 1) samples from the nucleus. In
 * .data so that --poke reaches them (crt0 zeroes .bss after the platform wrote it). */
__attribute__((section(".data"))) volatile float temperature = 0.0f;
volatile float topp = 0.9f;
/* The 64-bit rng state; seed_hi in .data too, since crt0 clears a .bss word after the host's poke. */
volatile uint32_t seed_lo = 1;
__attribute__((section(".data"))) volatile uint32_t seed_hi = 0;
/* 1: every core prints its logits at every position ("logits POS FIRST hex..."), to hold them
 * against the host reference. */
__attribute__((section(".data"))) volatile uint32_t dump_logits = 0;
/* Timing-only (`--start-position`): the position the sequences start at, the caches taken to hold
 * the ones before it. A timing-only run's K/V are zeros, as are the pages never written, so the
 * positions from here on take the cycles they take in a run from position 0. */
__attribute__((section(".data"))) volatile uint32_t first_position = 0;

static float *region;
static const wvp_model_header *model;
static wvp_model_layout shards;
static wvp_decode_layout work;
static uint32_t dim, head_size, seq_len, kv_mul;
static uint32_t head_dims;            /* of each of this block row's heads: all head_size, or its slice of a split head */
static uint32_t weight_type;          /* the matrices' elements (WVP_FP32, _FP16 or _BF16); x and the rest are fp32 */
static uint32_t core;                 /* in the grid: PE (0,0) prints */
static uint32_t stage, stages;        /* this core's pipeline stage, of `stages` */
static uint32_t rank;                 /* this core's number in its stage's block, row-major */
static uint32_t tile_x, tile_y, origin_x, origin_y;  /* this tile, and its stage's block */
static uint32_t col, row, block_w, block_h;          /* this tile in its block, and the block's size */
static wvp_tile_part part;            /* x's part of this block column; this block row's heads, units, vocabulary */
static uint32_t query_heads;          /* this block row's */
static wvp_kv_offload kv;             /* this tile's KV cache, in SRAM and at the memory node */

/* One sequence in the pipeline; each core keeps the state of all. */
typedef struct {
  uint32_t pos;    /* the position it is at */
  uint32_t token;  /* stage 0: the token at pos */
  uint32_t running;
  uint64_t rng;    /* the last stage's first tile: its sampler's state */
} sequence;

static sequence *sequences; /* model->micro_batches of them */

static float *at(uint32_t offset) { return region + offset; }
/* Row `row` of a matrix part at word `offset`, `cols` weights a row. */
static const void *weight_row(uint32_t offset, uint32_t row, uint32_t cols) {
  return (const uint8_t *)at(offset) + row * cols * wvp_type_bytes(weight_type);
}

/* ---- the small steps, on every core alike ---------------------------------------------- */

/* RMSNorm, folded into the product that reads its output. run.c multiplies a matrix by
 * w * (s * x), s = 1 / sqrt(mean(x^2) + 1e-5): s is one number for all of x, so a tile weights its
 * part of x by the norm's weights only (here) and its share of x's sum of squares travels with the
 * product's partial sums in the product's all-reduce, which scales the sums once they are whole
 * (product_by_columns). The norm needs no collective of its own. Returns the share. Not inlined,
 * here and in product_by_columns: three copies of each took 136 bytes of the model region. */
__attribute__((noinline)) static float norm_weighted(float *xb, const float *x, const float *weight) {
  float ss = 0.0f;
  for (uint32_t j = 0; j < part.dims.count; ++j) {
    ss += x[j] * x[j];
    xb[j] = weight[j] * x[j];
  }
  return ss;
}

/* cos and sin of each rotation angle of this row's dimensions of a head at `pos` (run.c's formula,
 * its frequencies from the loader: powf would take SRAM the model needs): every head and both q
 * and k use the same angles, so they are computed once per position. */
static void rope_angles(float *angles, uint32_t pos) {
  const float *freq = at(shards.rope_freq) + part.head_dims.first / 2;
  for (uint32_t i = 0; i < head_dims; i += 2) wvp_cos_sin((float)pos * freq[i / 2], &angles[i], &angles[i + 1]);
}

/* Rotates each pair of each of `heads` heads by its angle. */
static void rope(float *vec, uint32_t heads, const float *angles) {
  for (uint32_t h = 0; h < heads; ++h, vec += head_dims)
    for (uint32_t i = 0; i < head_dims; i += 2) {
      const float fcr = angles[i], fci = angles[i + 1];
      const float v0 = vec[i], v1 = vec[i + 1];
      vec[i] = v0 * fcr - v1 * fci;
      vec[i + 1] = v0 * fci + v1 * fcr;
    }
}

/* ---- the steps spread over the grid ---------------------------------------------------- */

/* y[0..rows) = this block row's rows of a matrix times normalised x: the tile's rows over its part
 * of x, weighted by the norm (xb, norm_weighted), summed along the block row with the tiles' shares
 * of x's sum of squares (ss) in y[rows] (the layout leaves room for it), then scaled by the norm's
 * factor, so that each tile of the row gets them. */
__attribute__((noinline)) static void product_by_columns(const void *w, const float *xb, float ss, float *y, uint32_t rows) {
  if (!rows) return;
  wvp_dot_rows(w, weight_type, xb, y, rows, part.dims.count);
  y[rows] = ss;
  wvp_row_allreduce_f32(y, rows + 1, WVP_SUM);
  wvp_map(WVP_TENSOR_SCALE, y, 1, y, 1, rows, 1.0f / sqrtf(y[rows] / (float)dim + 1e-5f));
}

/* update = x's part of a matrix that writes x: the tile's rows of that part over the block row's
 * `cols` inputs, summed along the block column. */
static void product_by_rows(const void *w, const float *in, uint32_t cols, float *update) {
  wvp_dot_rows(w, weight_type, in, update, part.dims.count, cols);
  wvp_col_allreduce_f32(update, part.dims.count, WVP_SUM);
}

/* x's part = the embedding row of `token`, which one block row holds. Every block row widens a row
 * of its part and each column takes the rows' maximum, the rows without the token giving -inf:
 * the step takes the same cycles whichever row holds the token (a timing-only run's tokens are
 * not the model's), and x gets that row's bits (max(v, -inf) is v, -0 included). */
static void embed(uint32_t token, float *x) {
  const int held = wvp_part_holding(token, (uint32_t)model->vocab_size, block_h) == row;
  const uint32_t own_row = wvp_select_u32(held, token - part.vocab.first, 0);
  wvp_widen(weight_row(shards.embedding, own_row, part.dims.count), weight_type, x, part.dims.count);
  for (uint32_t i = 0; i < part.dims.count; i++) x[i] = wvp_select_f32(held, x[i], -INFINITY);
  wvp_col_allreduce_f32(x, part.dims.count, WVP_MAX);
}

/* The block row's query heads (q) attend over positions 0..pos of sequence `b` with its KV heads'
 * k and v: each tile scores its own positions (over its dimensions, which a split head's rows sum
 * down their column), the row takes each head's largest score, each tile the exponentials of its
 * positions' scores and their weighted values, and one all-reduce along the row sums both, the
 * softmax's sums right after the values (the layout's head_sums follow its heads). Dividing the
 * summed values by the summed exponentials then gives each tile of the row the heads' outputs
 * (its dimensions of them) in `out`: run.c's softmax and weighted sum, with one collective fewer
 * than normalising first. */
static void attention(uint32_t layer, uint32_t b, uint32_t pos, const float *q, const float *k, const float *v, float *out) {
  if (!query_heads) return;
  const uint32_t kv_heads = part.kv_heads.count;
  const float scale = sqrtf((float)head_size);
  float *att = at(work.att), *sums = out + query_heads * head_dims;
  const wvp_kv_layer cache = wvp_kv_append(&kv, b, layer - shards.first_layer, pos, k, v);
  const uint32_t own = cache.own; /* att holds (query head, own position) */

  /* Scores of the own positions, each query head's largest over the row. */
  for (uint32_t j = 0; j < kv_heads; ++j)
    for (uint32_t i = 0; i < own;) {
      const wvp_kv_run run = wvp_kv_positions(&kv, &cache, WVP_KV_KEYS, j, i);
      for (uint32_t h = j * kv_mul; h < (j + 1) * kv_mul; ++h)
        for (uint32_t n = 0; n < run.count; ++n) {
          const float *qh = q + h * head_dims, *kt = run.at + n * run.stride;
          float score = 0.0f;
          for (uint32_t e = 0; e < head_dims; ++e) score += qh[e] * kt[e];
          att[h * own + i + n] = score;
        }
      i += run.count;
    }
  wvp_kv_pass_turns(&kv, &cache);
  wvp_col_segment_allreduce_f32(att, query_heads * own, WVP_SUM);
  for (uint32_t h = 0; h < query_heads; ++h) {
    sums[h] = -INFINITY;
    for (uint32_t i = 0; i < own; ++i) {
      float *a = &att[h * own + i];
      *a /= scale;
      sums[h] = wvp_max_f32(*a, sums[h]);
    }
  }
  wvp_row_allreduce_f32(sums, query_heads, WVP_MAX);
  /* Softmax over the row: exponentials of the own positions, and their sum. */
  for (uint32_t h = 0; h < query_heads; ++h) {
    const float max_val = sums[h];
    float sum = 0.0f;
    for (uint32_t i = 0; i < own; ++i) {
      float *a = &att[h * own + i];
      *a = wvp_expf(*a - max_val);
      sum += *a;
    }
    sums[h] = sum;
  }
  /* The weighted values of the own positions, summed over the row with the sums. */
  memset(out, 0, query_heads * head_dims * sizeof(float));
  for (uint32_t j = 0; j < kv_heads; ++j)
    for (uint32_t i = 0; i < own;) {
      const wvp_kv_run run = wvp_kv_positions(&kv, &cache, WVP_KV_VALUES, j, i);
      for (uint32_t h = j * kv_mul; h < (j + 1) * kv_mul; ++h)
        for (uint32_t n = 0; n < run.count; ++n) {
          const float a = att[h * own + i + n], *vt = run.at + n * run.stride;
          float *oh = out + h * head_dims;
          for (uint32_t e = 0; e < head_dims; ++e) oh[e] += a * vt[e];
        }
      i += run.count;
    }
  wvp_kv_pass_turns(&kv, &cache);
  wvp_row_allreduce_f32(out, query_heads * (head_dims + 1), WVP_SUM);
  for (uint32_t h = 0; h < query_heads; ++h)
    for (uint32_t e = 0; e < head_dims; ++e) out[h * head_dims + e] /= sums[h];
}

/* hb = SwiGLU(w1 x) * (w3 x) for the block row's hidden units (the tile's rows of w13 hold w1's
 * and w3's in turn) from normalised x (xb and ss: norm_weighted), and the FFN's update of x's part
 * from them (w2). */
static void ffn(uint32_t layer, const float *xb, float ss, float *update) {
  const uint32_t units = part.units.count, j = layer - shards.first_layer;
  float *h13 = at(work.h13), *hb = at(work.hb);
  product_by_columns(at(shards.w13 + j * shards.w13_stride), xb, ss, h13, 2 * units);
  /* SwiGLU, run.c's: e^-w1x for all units on the engine (negated, then exponentiated), the rest
   * on the core. */
  wvp_map(WVP_TENSOR_SCALE, h13, 2, hb, 1, units, -1.0f);
  wvp_map(WVP_TENSOR_EXP, hb, 1, hb, 1, units, 0.0f);
  for (uint32_t u = 0; u < units; ++u) {
    float val = h13[2 * u];
    val *= 1.0f / (1.0f + hb[u]);
    hb[u] = val * h13[2 * u + 1];
  }
  product_by_rows(at(shards.w2 + j * shards.w2_stride), hb, units, update);
}

/* The logits of this block row's vocabulary rows, from normalised x (xb and ss: norm_weighted). */
static float *classifier(const float *xb, float ss, uint32_t pos) {
  const wvp_range mine = part.vocab;
  float *logits = at(work.logits);
  product_by_columns(at(shards.classifier), xb, ss, logits, mine.count);
  if (dump_logits && col == 0 && mine.count) {
    wvp_puts("logits ");
    wvp_put_uint(pos);
    wvp_putc(' ');
    wvp_put_uint(mine.first);
    for (uint32_t i = 0; i < mine.count; ++i) {
      union { float f; uint32_t u; } bits = {.f = logits[i]};
      wvp_putc(' ');
      wvp_put_hex(bits.u);
    }
    wvp_putc('\n');
  }
  return logits;
}

/* Sequence b's prompt: prompt_slots slots, WVP_NO_TOKEN after its last token. */
static const int32_t *prompt_of(uint32_t b) { return (const int32_t *)at(shards.prompt) + b * model->prompt_slots; }

/* Sequence b's token after position `pos`, from the block rows' logits: the prompt's while there
 * is one, otherwise the first largest logit overall, or a draw (on the block's first tile, which
 * broadcasts it when the block is the only stage, or sends it back to stage 0). Within the prompt
 * the largest logit is found all the same but stands in for a draw, as run.c samples only after
 * the prompt and the sequence's sampler state must stay the host reference's. */
static uint32_t next_token(float *logits, uint32_t b, uint32_t pos) {
  const wvp_range mine = part.vocab;
  const int32_t prompted = pos + 1 < model->prompt_slots ? prompt_of(b)[pos + 1] : WVP_NO_TOKEN;
  if (temperature == 0.0f || prompted != WVP_NO_TOKEN) {
    /* Every tile of the block row holds the row's logits; each scans its share of them. */
    const wvp_range scanned = wvp_range_of(mine.count, block_w, col);
    float best = -INFINITY, top;
    uint32_t best_index = 0, largest;
    for (uint32_t i = scanned.first; i < scanned.first + scanned.count; ++i) {
      const int larger = logits[i] > best;
      best = wvp_select_f32(larger, logits[i], best);
      best_index = wvp_select_u32(larger, mine.first + i, best_index);
    }
    wvp_allreduce_argmax(best, best_index, &top, &largest);
    return prompted != WVP_NO_TOKEN ? (uint32_t)prompted : largest;
  }
  float next = (float)sample(logits, temperature, topp, &sequences[b].rng);
  if (stages == 1) wvp_bcast_f32(&next, 1, 0, 0);
  return (uint32_t)next;
}

/* ---- the pipeline ------------------------------------------------------------------------------
 * Consecutive stages' blocks are neighbours (wvp_stage_of's snake), so x's parts cross the
 * border between them: straight down each block column when the next block is below; along the
 * top row of both blocks when it is beside, each part from its column of one block to its column
 * of the other, the tiles passing on the parts bound further. Stage s hands on over color
 * COLOR_HANDOFF + s % 2, so that a stage's incoming and outgoing parts never share a link's
 * color. Each part goes as an item: the sequence whose x it is (or STOP), then the part. The
 * tiles that receive broadcast their item down their block column. The next token goes back from
 * the last stage's first tile to PE (0,0) on another color, west along its row and north up
 * column 0. A stage waits for x (the step "handoff"): in batch-1 decode only one stage works at
 * a time; micro-batches keep the others busy meanwhile. Each stage takes the sequences in the
 * order they come, so their next tokens come back to stage 0 in the order it handed them on. */
#define COLOR_HANDOFF WVP_COLORS_RESERVED
#define COLOR_NEXT_TOKEN (WVP_COLORS_RESERVED + 2)
/* The collectives' colors are the lowest, the KV offload's the highest. */
_Static_assert(COLOR_NEXT_TOKEN < WVP_COLOR_KV_REQUEST && WVP_COLOR_KV_REQUEST < WVP_COLOR_KV_TURN &&
                   WVP_COLOR_KV_REPLY < WVP_COLOR_KV_TURN, "decode's colors below the KV offload's turn");
WVP_USES_COLORS(WVP_COLOR_KV_TURN + 1);
#define STOP (-1.0f) /* in place of a sequence: the pipeline ends */

typedef enum { NEXT_BELOW, NEXT_EAST, NEXT_WEST } border;

/* Where stage s + 1's block lies from stage s's. */
static border border_after(uint32_t s) {
  uint32_t ax, ay, bx, by;
  wvp_stage_origin(model, wvp_grid_w(), s, &ax, &ay);
  wvp_stage_origin(model, wvp_grid_w(), s + 1, &bx, &by);
  return by > ay ? NEXT_BELOW : bx > ax ? NEXT_EAST : NEXT_WEST;
}

static border to_next, from_previous; /* this stage's borders, where it has them */

static uint32_t handoff_color(uint32_t s) { return COLOR_HANDOFF + (s & 1u); }

/* Routes of a hand-off along a block's top row towards `side` (NEXT_EAST or NEXT_WEST): a tile
 * that `sends` sends that way, one that `takes` takes what comes from the other side. */
static void route_along_top_row(uint32_t color, border side, int sends, int takes) {
  const uint32_t to = side == NEXT_EAST ? WVP_TO_E : WVP_TO_W, from = side == NEXT_EAST ? WVP_PORT_W : WVP_PORT_E;
  if (sends) wvp_route(color, WVP_PORT_RAMP, to);
  if (takes) wvp_route(color, from, WVP_TO_RAMP);
}

/* The next token's way back, through the tiles on it whatever their stage, also those of blocks
 * past the last stage (which run nothing else). */
__attribute__((noinline)) static void route_next_token(void) {
  if (stages == 1) return;
  uint32_t sx, sy;
  wvp_stage_origin(model, wvp_grid_w(), stages - 1, &sx, &sy);
  const int on_row = tile_y == sy && tile_x <= sx, on_column = tile_x == 0 && tile_y <= sy;
  if (!on_row && !on_column) return;
  const uint32_t in = tile_x == sx && tile_y == sy ? WVP_PORT_RAMP : on_row ? WVP_PORT_E : WVP_PORT_S;
  const uint32_t out = tile_x == 0 && tile_y == 0 ? WVP_TO_RAMP : tile_x > 0 ? WVP_TO_W : WVP_TO_N;
  wvp_route(COLOR_NEXT_TOKEN, in, out);
}

/* Finds this stage's borders and writes the routes of the hand-offs and of the token's way back. */
__attribute__((cold)) static void pipeline_init(void) {
  if (stage + 1 < stages) {
    to_next = border_after(stage);
    const uint32_t color = handoff_color(stage);
    if (to_next == NEXT_BELOW && row + 1 == block_h) wvp_route(color, WVP_PORT_RAMP, WVP_TO_S);
    if (to_next != NEXT_BELOW && row == 0)
      route_along_top_row(color, to_next, 1, to_next == NEXT_EAST ? col > 0 : col + 1 < block_w);
  }
  if (stage > 0) {
    from_previous = border_after(stage - 1);
    const uint32_t color = handoff_color(stage - 1);
    if (from_previous == NEXT_BELOW && row == 0) wvp_route(color, WVP_PORT_N, WVP_TO_RAMP);
    if (from_previous != NEXT_BELOW && row == 0)
      route_along_top_row(color, from_previous, from_previous == NEXT_EAST ? col + 1 < block_w : col > 0, 1);
  }
  route_next_token();
}

/* One item into the relay buffer: its sequence (or STOP), then x's part `p` of block column p
 * unless STOP; `pass_on`: sent on along the same color as it comes. */
static void take_item(uint32_t color, uint32_t p, int pass_on) {
  float *item = at(work.relay);
  uint32_t before = wvp_activity_begin(WVP_ACTIVITY_SYNC);
  item[0] = wvp_recv_f32(color);
  wvp_activity_end(before);
  before = wvp_activity_begin(WVP_ACTIVITY_FABRIC);
  if (pass_on) wvp_send_f32(color, item[0]);
  const uint32_t n = wvp_range_of(dim, block_w, p).count;
  if (item[0] != STOP && n && pass_on) wvp_tensor_stream_forward(color, color, WVP_FP32, item + 1, n);
  if (item[0] != STOP && n && !pass_on) wvp_tensor_stream_in(color, WVP_FP32, item + 1, n);
  wvp_activity_end(before);
}

/* The tiles on this stage's border with the next send their item of sequence b's x (or STOP);
 * along a top row, each then passes on the items of the tiles behind it (sequences as exact fp32). */
static void hand_on(const float *x, float sequence_or_stop) {
  const uint32_t color = handoff_color(stage);
  if (to_next == NEXT_BELOW ? row + 1 != block_h : row != 0) return;
  uint32_t before = wvp_activity_begin(WVP_ACTIVITY_FABRIC);
  wvp_send_f32(color, sequence_or_stop);
  if (sequence_or_stop != STOP && part.dims.count) wvp_tensor_stream_out(color, WVP_FP32, x, part.dims.count);
  wvp_activity_end(before);
  if (to_next == NEXT_EAST)
    for (uint32_t p = col; p-- > 0;) take_item(color, p, 1);
  if (to_next == NEXT_WEST)
    for (uint32_t p = col + 1; p < block_w; ++p) take_item(color, p, 1);
}

/* x's part from the previous stage, and its sequence in *b; 0 on STOP. The top row's tiles take
 * their items (passing on those bound further) and broadcast them down their columns. */
static int take_over(float *x, uint32_t *b) {
  const uint32_t color = handoff_color(stage - 1);
  float *item = at(work.relay);
  if (row == 0) {
    if (from_previous == NEXT_EAST)
      for (uint32_t p = block_w - 1; p > col; --p) take_item(color, p, 1);
    if (from_previous == NEXT_WEST)
      for (uint32_t p = 0; p < col; ++p) take_item(color, p, 1);
    take_item(color, col, 0);
  }
  wvp_col_bcast_f32(item, 1 + part.dims.count, 0);
  if (item[0] == STOP) return 0;
  *b = (uint32_t)item[0];
  memcpy(x, item + 1, part.dims.count * sizeof(float));
  return 1;
}

/* The last stage's first tile sends the next token to PE (0,0), which broadcasts it over stage 0
 * (token ids travel as exact fp32, below 2^24). */
static void send_next_token(uint32_t next) {
  if (rank == 0) wvp_send_f32(COLOR_NEXT_TOKEN, (float)next);
}

static uint32_t receive_next_token(void) {
  float next = 0.0f;
  if (rank == 0) {
    const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_SYNC);
    next = wvp_recv_f32(COLOR_NEXT_TOKEN);
    wvp_activity_end(before);
  }
  wvp_bcast_f32(&next, 1, 0, 0);
  return (uint32_t)next;
}

/* ---- the forward pass ---------------------------------------------------------------------- */

/* This stage's part of sequence b's forward pass at its position, in run.c's steps on x's part:
 * the embedding (stage 0; a later stage has taken x over from the one before), the stage's
 * layers, then on the last stage the final norm, the classifier and the next token (for stage 0),
 * on any other the hand-off of x to the next stage. */
static void forward(float *x, uint32_t b) {
  const uint32_t pos = sequences[b].pos, dims = part.dims.count, kv_heads = part.kv_heads.count;
  float *xb = at(work.xb), *update = at(work.update), *heads = at(work.heads), *angles = at(work.rope);
  float *q = at(work.qkv), *k = q + query_heads * head_dims, *v = k + kv_heads * head_dims;
  if (stage == 0) {
    wvp_step(WVP_STEP_EMBED, WVP_NO_LAYER);
    embed(sequences[b].token, x);
  }
  for (uint32_t j = 0; j < shards.layers; ++j) {
    const uint32_t l = shards.first_layer + j;
    wvp_step(WVP_STEP_ATTENTION_NORM, l);
    float ss = norm_weighted(xb, x, at(shards.rms_att + j * shards.cols_dim));
    wvp_step(WVP_STEP_QKV, l);
    product_by_columns(at(shards.wqkv + j * shards.wqkv_stride), xb, ss, q, (query_heads + 2 * kv_heads) * head_dims);
    wvp_step(WVP_STEP_ROPE, l);
    if (j == 0) rope_angles(angles, pos);
    rope(q, query_heads, angles);
    rope(k, kv_heads, angles);
    wvp_step(WVP_STEP_ATTENTION, l);
    attention(l, b, pos, q, k, v, heads);
    wvp_step(WVP_STEP_OUTPUT, l);
    product_by_rows(at(shards.wo + j * shards.wo_stride), heads, query_heads * head_dims, update);
    for (uint32_t i = 0; i < dims; ++i) x[i] += update[i];

    wvp_step(WVP_STEP_FFN_NORM, l);
    ss = norm_weighted(xb, x, at(shards.rms_ffn + j * shards.cols_dim));
    wvp_step(WVP_STEP_FFN, l);
    ffn(l, xb, ss, update);
    for (uint32_t i = 0; i < dims; ++i) x[i] += update[i];
  }
  if (stage + 1 < stages) {
    wvp_step(WVP_STEP_HANDOFF, WVP_NO_LAYER);
    hand_on(x, (float)b);
    return;
  }
  wvp_step(WVP_STEP_FINAL_NORM, WVP_NO_LAYER);
  const float ss = norm_weighted(xb, x, at(shards.rms_final));
  wvp_step(WVP_STEP_CLASSIFIER, WVP_NO_LAYER);
  float *logits = classifier(xb, ss, pos);
  wvp_step(WVP_STEP_SAMPLE, WVP_NO_LAYER);
  const uint32_t next = next_token(logits, b, pos);
  if (stages == 1) sequences[b].token = next;
  else send_next_token(next);
}

/* ---- the sequences through the pipeline ------------------------------------------------------ */

static void send_token_to_host(uint32_t b) {
  if (core == 0) wvp_host_out(wvp_host_token(b, sequences[b].token));
}

/* Stage 0 leads: it starts every sequence, then, as each one's next token comes back (from the
 * last stage, or its own classifier), runs that sequence's next position, until the sequence has
 * had `positions` or generated BOS. Waiting for a sequence's token before going on with it keeps
 * the sequences in flight to micro_batches. It stops the pipeline at the end. Returns the
 * positions of all sequences. */
static uint32_t run_first_stage(uint32_t positions) {
  const uint32_t micro_batches = model->micro_batches;
  float *x = at(work.x);
  uint32_t done = 0, running = micro_batches;
  for (uint32_t b = 0; b < micro_batches; ++b) {
    sequences[b].token = (uint32_t)prompt_of(b)[0];
    forward(x, b);
  }
  /* The tokens come back in the order the sequences went: round robin over those still running. */
  for (uint32_t b = 0; running; b = b + 1 < micro_batches ? b + 1 : 0) {
    sequence *s = &sequences[b];
    if (!s->running) continue;
    if (stages > 1) s->token = receive_next_token();
    ++s->pos, ++done;
    if (s->token != BOS) send_token_to_host(b);
    if (s->token != BOS && s->pos < positions) {
      forward(x, b);
    } else {
      s->running = 0;
      --running;
    }
  }
  if (stages > 1) hand_on(x, STOP);
  return done;
}

static void run_later_stage(void) {
  float *x = at(work.x);
  uint32_t b;
  for (;;) {
    wvp_step(WVP_STEP_HANDOFF, WVP_NO_LAYER);
    if (!take_over(x, &b)) break;
    forward(x, b);
    ++sequences[b].pos;
  }
  if (stage + 1 < stages) hand_on(x, STOP);
}

/* This core's shards, working memory and part of the model in its stage. Cold, so compiled for
 * size: set-up runs it once, and every byte of code is one the model regions lose. */
__attribute__((cold, noinline)) static void layouts_of_stage(void) {
  shards = wvp_model_layout_of(model, stage);
  work = wvp_decode_layout_of(model, stage);
  part = wvp_tile_part_of(model, col, row);
}

/* Finds this core's stage, shards and working memory and sets up its routes; returns RUN, or the
 * exit code. */
#define RUN (-1)
__attribute__((noinline)) static int setup(void) {
  region = (float *)__heap_start;
  model = (const wvp_model_header *)__heap_start;
  const uint32_t grid_w = wvp_grid_w();
  tile_x = wvp_x(), tile_y = wvp_y();
  core = wvp_core_id();
  if (model->magic != WVP_MODEL_MAGIC || model->cores != grid_w * wvp_grid_h() || model->stages == 0) {
    if (core == 0) wvp_puts("decode: no model for this grid in the region (load one with --model)\n");
    return 2;
  }
  if (temperature != 0.0f && !model->sampling) {
    if (core == 0) wvp_puts("decode: sampling needs the sampler's buffers in the region (load the model for a temperature)\n");
    return 2;
  }
  stages = model->stages;
  stage = wvp_stage_of(model, grid_w, tile_x, tile_y);
  if (stage == stages) { /* a block past the last stage: the next token may still pass */
    route_next_token();
    return 0;
  }
  wvp_stage_origin(model, grid_w, stage, &origin_x, &origin_y);
  block_w = model->stage_w, block_h = model->stage_h;
  col = tile_x - origin_x, row = tile_y - origin_y;
  rank = row * block_w + col;
  layouts_of_stage();
  if (work.floats * 4 > (uint32_t)(__heap_end - __heap_start)) {
    wvp_puts("decode: the model needs ");
    wvp_put_uint(work.floats * 4);
    wvp_puts(" bytes of model region, this core has ");
    wvp_put_uint((uint32_t)(__heap_end - __heap_start));
    wvp_putc('\n');
    return 2;
  }
  dim = (uint32_t)model->dim, seq_len = (uint32_t)model->seq_len, weight_type = model->weight_type;
  head_size = wvp_head_size(model), kv_mul = wvp_kv_mul(model);
  query_heads = part.kv_heads.count * kv_mul;
  head_dims = part.head_dims.count;
  /* (Used on the last stage only, with the sampler's buffers: setup refuses a temperature without.) */
  sampler_init((uint32_t)model->vocab_size, part.vocab, block_w, col, at(work.all_logits), at(work.order));
  wvp_collectives_init_block(origin_x, origin_y, model->stage_w, model->stage_h);
  if (query_heads) wvp_collectives_init_col_segment(part.head_rows.first, part.head_rows.count);
  pipeline_init();
  kv = (wvp_kv_offload){.model = model, .key_cache = at(work.key_cache), .value_cache = at(work.value_cache),
                        .fetched = at(work.kv_fetch), .layers = shards.layers, .col = col, .kv_heads = part.kv_heads.count,
                        .head_dims = head_dims};
  wvp_kv_offload_init(&kv);
  return RUN;
}

/* The host sends the prompts once the cores run (platform/host/host_stream.h) and rings every core's
 * doorbell, its software interrupt (msip), when they have arrived: the prompt block may be read
 * from then on. wfi waits for it (mie.MSIE; mstatus.MIE stays off, so no handler runs). */
static void wait_for_prompts(void) {
  set_csr(mie, MIE_MSIE);
  while (!(read_csr(mip) & MIP_MSIP)) __asm__ volatile("wfi");
  clear_csr(mie, MIE_MSIE);
  *wvp_reg(WVP_CLINT_BASE + WVP_CLINT_MSIP) = 0;
}

int main(void) {
  const int code = setup();
  if (code != RUN) return code;
  wait_for_prompts();
  sequence all[model->micro_batches];
  sequences = all;
  for (uint32_t b = 0; b < model->micro_batches; ++b)
    sequences[b] = (sequence){.pos = first_position, .running = 1, .rng = (((uint64_t)seed_hi << 32) | seed_lo) + b};

  const uint32_t positions = steps < seq_len ? steps : seq_len;
  wvp_barrier();
  const uint32_t start = read_csr(mcycle);
  if (stage == 0) {
    const uint32_t pos = run_first_stage(positions);
    const uint32_t cycles = read_csr(mcycle) - start;
    wvp_kv_finish(&kv);
    wvp_step(WVP_STEP_DONE, WVP_NO_LAYER);
    if (core == 0) {
      wvp_puts("decode: ");
      wvp_put_uint(pos);
      wvp_puts(" positions, ");
      wvp_put_uint(cycles / pos);
      wvp_puts(" cycles per token\n");
    }
  } else {
    run_later_stage();
    wvp_kv_finish(&kv);
    wvp_step(WVP_STEP_DONE, WVP_NO_LAYER);
  }
  return 0;
}
