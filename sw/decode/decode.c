/* LLM decode on the wafer: a Llama-architecture model (llama2.c format) generates tokens on the
 * cores of the grid. The host (`wafervp run --model M.bin`) has cut the grid into pipeline
 * stages (one when the model fits that way: every core works on every layer) and put each core's
 * row shards of its stage's matrices into its model region (wvp/model_layout.h). Within a stage,
 * each matrix-vector product runs on all the stage's tensor engines at once and is all-gathered
 * over the fabric. The small vector steps (RMSNorm, RoPE) run on every core alike, so every core
 * of a stage holds the same activations; SwiGLU runs on each core's own hidden units before
 * their gather; attention heads are split over the cores like matrix rows, with their KV cache
 * beside them. Stage 0 embeds the token; each stage runs its layers (the first and last may have
 * none) and hands x to the next (one hop over the border of their blocks); the last one classifies and sends the next token
 * back to stage 0, which decides whether to go on. With one sequence that is one token at a time,
 * as batch-1 decode goes, and only one stage works at a time; with micro-batches, as many
 * independent sequences (users) as stages at most follow one another through the pipeline, each
 * with its own prompt, position, KV cache and sampler, so that the stages work at once.
 * When the KV cache outgrows SRAM, a memory node off the wafer holds the positions older than a
 * window (see "the KV cache beyond the window").
 *
 * Each step marks itself for the profiler (wvp_step: --stats, --trace, the decode breakdown).
 *
 * One forward pass per position, in run.c's order, through the prompt (the host's, BOS first)
 * and on. Greedy decoding at temperature 0;
 * otherwise every core gathers all logits and draws with run.c's sampler and the same seed (sequence
 * b's: seed + b), so all cores choose alike. PE (0,0) sends each position's token to the host as it is chosen
 * (wvp_host_out, with its sequence), then prints the simulated cycles per token of all sequences. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <wvp/collectives.h>
#include <wvp/hal.h>
#include <wvp/model_layout.h>
#include <wvp/shard.h>

#define BOS 1

extern uint8_t __heap_start[], __heap_end[]; /* the model region */
volatile uint32_t steps = 16;                /* positions to run (at most the context) */
/* Sampling, as run.c's: temperature 0 is greedy; top-p in (0, 1) samples from the nucleus. In
 * .data so that --poke reaches them (crt0 zeroes .bss after the platform wrote it). */
__attribute__((section(".data"))) volatile float temperature = 0.0f;
volatile float topp = 0.9f;
volatile uint32_t seed_lo = 1, seed_hi = 0;  /* the 64-bit rng state */
/* 1: every core prints its logits at every position ("logits POS FIRST hex..."), to hold them
 * against the host reference. */
__attribute__((section(".data"))) volatile uint32_t dump_logits = 0;

static float *region;
static const wvp_model_header *model;
static wvp_model_layout shards;
static wvp_decode_layout work;
static uint32_t dim, hidden, kv_dim, head_size, seq_len;
static uint32_t core;                 /* in the grid: PE (0,0) prints */
static uint32_t stage, stages;        /* this core's pipeline stage, of `stages` */
static uint32_t cores, rank;          /* the stage's cores, and this core's number among them */
static uint32_t tile_x, tile_y, origin_x, origin_y;  /* this tile, and its stage's block */

/* One sequence in the pipeline; each core keeps the state of all. */
typedef struct {
  uint32_t pos;    /* the position it is at */
  uint32_t token;  /* stage 0: the token at pos */
  uint32_t running;
  uint64_t rng;    /* the last stage: its sampler's state */
} sequence;

static sequence *sequences; /* model->micro_batches of them */

static float *at(uint32_t offset) { return region + offset; }

/* The console without printf: its float formatting would take SRAM the model needs. */
static void put_uint(uint32_t v) {
  char digits[10];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10), v /= 10;
  while (v);
  while (n) wvp_putc(digits[--n]);
}

static void put_hex(uint32_t v) {
  for (int shift = 28; shift >= 0; shift -= 4) wvp_putc("0123456789abcdef"[(v >> shift) & 15]);
}

/* ---- the small steps, on every core alike ---------------------------------------------- */

static void rmsnorm(float *out, const float *x, const float *weight, uint32_t n) {
  float ss = 0.0f;
  for (uint32_t j = 0; j < n; ++j) ss += x[j] * x[j];
  ss /= (float)n;
  ss += 1e-5f;
  ss = 1.0f / sqrtf(ss);
  for (uint32_t j = 0; j < n; ++j) out[j] = weight[j] * (ss * x[j]);
}

static void softmax(float *x, uint32_t n) {
  float max_val = x[0];
  for (uint32_t i = 1; i < n; ++i)
    if (x[i] > max_val) max_val = x[i];
  float sum = 0.0f;
  for (uint32_t i = 0; i < n; ++i) {
    x[i] = expf(x[i] - max_val);
    sum += x[i];
  }
  for (uint32_t i = 0; i < n; ++i) x[i] /= sum;
}

/* cos and sin of each rotation angle of a head at `pos` (run.c's formula, its frequencies from the
 * loader: powf would take SRAM the model needs): every head and both q and k use the same
 * head_size / 2 angles, so they are computed once per position. */
static void rope_angles(float *angles, uint32_t pos) {
  const float *freq = at(shards.rope_freq);
  for (uint32_t i = 0; i < head_size; i += 2) {
    const float val = (float)pos * freq[i / 2];
    angles[i] = cosf(val);
    angles[i + 1] = sinf(val);
  }
}

/* Rotates each pair of q (and of k, within kv_dim) by its angle. */
static void rope(float *q, float *k, const float *angles) {
  for (uint32_t i = 0; i < dim; i += 2) {
    const float fcr = angles[i % head_size], fci = angles[i % head_size + 1];
    for (int v = 0; v < (i < kv_dim ? 2 : 1); ++v) {
      float *vec = v == 0 ? q : k;
      const float v0 = vec[i], v1 = vec[i + 1];
      vec[i] = v0 * fcr - v1 * fci;
      vec[i + 1] = v0 * fci + v1 * fcr;
    }
  }
}

/* ---- the steps spread over the grid ---------------------------------------------------- */

/* The core that holds row `row` of an `out`-row matrix (the inverse of wvp_rows_of). */
static uint32_t holder_of(uint32_t row, uint32_t out) {
  const uint32_t base = out / cores, extra = out % cores;
  return row < extra * (base + 1) ? row / (base + 1) : extra + (row - extra * (base + 1)) / base;
}

/* x = the embedding row of `token`, broadcast from the core that holds it. */
static void embed(uint32_t token, float *x) {
  const uint32_t vocab = (uint32_t)model->vocab_size, holder = holder_of(token, vocab);
  if (holder == rank) memcpy(x, at(shards.embedding + (token - wvp_shard_rows(vocab).first) * dim), dim * sizeof(float));
  wvp_bcast_f32(x, dim, holder % model->stage_w, holder / model->stage_w);
}

/* ---- the KV cache beyond the window ------------------------------------------------------------
 * With a window below the context (wvp/model_layout.h), a core keeps its heads' K/V of the last
 * `window` positions in SRAM, position t in slot t % window, and writes each new position through
 * to the memory node on the grid's edge, so that a position is there when it leaves the window.
 * Attention reads the older ones back, a run of one head's positions per fetch, and computes on
 * them exactly what it computes on the window (the same operations in the same order), so the
 * tokens do not change.
 *
 * A row of tiles shares two colors to its edge port, one for requests and one for replies, so the
 * cores of a block row that have heads take turns: a turn wavelet goes round them on a third color,
 * east and from the last back to the first. A core holds the turn for one request and its reply
 * (its router takes the replies off the row meanwhile), then passes it on and computes on what it
 * fetched while the next one fetches. Every core of the ring takes the same turns per layer, one to
 * write and one per fetch of the most heads a core has, passing the ones it has no use for. */
#define COLOR_KV_REQUEST (WVP_COLORS_RESERVED + 2)
#define COLOR_KV_REPLY (WVP_COLORS_RESERVED + 3)
#define COLOR_KV_TURN (WVP_COLORS_RESERVED + 4)
/* The memory node's protocol (models/memnode/memnode_agent.h): a header (opcode, reply color,
 * words), the address in two words; every reply starts with a status word. */
#define NODE_READ64 3u
#define NODE_WRITE64 4u
#define NODE_OK 0u

static uint32_t window;          /* K/V positions in SRAM */
static int offloaded;            /* the older ones are at the memory node */
static uint32_t per_fetch;       /* positions of one head in a fetch */
static uint64_t slab;            /* this core's K/V at the node */
static uint32_t ring_size;       /* cores in this core's turn ring (0: not in one) */
static uint32_t ring_place;      /* this core's, from the ring's first */
static int turn_held;            /* the ring's first core holds the turn before its first */
static uint32_t replies_in, replies_on; /* where the node's replies enter this router, and where they go when not ours */

__attribute__((cold, noinline)) static void kv_init(void) {
  window = wvp_kv_window(model);
  offloaded = wvp_kv_offloaded(model);
  if (!offloaded) return;
  per_fetch = WVP_KV_FETCH_WORDS / head_size;
  slab = core * wvp_kv_slab_bytes(model);
  const int west = model->kv_edge == WVP_PORT_W;
  const uint32_t toward = west ? WVP_TO_W : WVP_TO_E, away = west ? WVP_TO_E : WVP_TO_W;
  const int far_end = west ? tile_x + 1 == wvp_grid_w() : tile_x == 0; /* no tile beyond to serve */
  replies_in = model->kv_edge;
  replies_on = far_end ? 0 : away;
  wvp_route(COLOR_KV_REQUEST, WVP_PORT_RAMP, toward);
  if (!far_end) wvp_route(COLOR_KV_REQUEST, west ? WVP_PORT_E : WVP_PORT_W, toward);
  wvp_route(COLOR_KV_REPLY, replies_in, replies_on);

  /* The ring: the cores with heads (the stage's first ranks) in this block row, from its west. */
  const uint32_t holders = (uint32_t)model->n_heads < cores ? (uint32_t)model->n_heads : cores;
  const uint32_t row_first = (tile_y - origin_y) * model->stage_w;
  ring_place = tile_x - origin_x;
  ring_size = holders > row_first ? holders - row_first : 0;
  if (ring_size > model->stage_w) ring_size = model->stage_w;
  if (ring_place >= ring_size) {
    ring_size = 0;
    return;
  }
  turn_held = ring_place == 0;
  if (ring_size == 1) return;
  const int last = ring_place + 1 == ring_size;
  wvp_route(COLOR_KV_TURN, WVP_PORT_RAMP, last ? WVP_TO_W : WVP_TO_E);
  wvp_route(COLOR_KV_TURN, ring_place == 0 ? WVP_PORT_E : WVP_PORT_W, WVP_TO_RAMP);
  if (ring_place > 0 && !last) wvp_route(COLOR_KV_TURN, WVP_PORT_E, WVP_TO_W); /* the last core's turn back to the first */
}

static void take_turn(void) {
  if (ring_size < 2) return;
  if (turn_held) {
    turn_held = 0;
    return;
  }
  (void)wvp_recv(COLOR_KV_TURN);
}

static void pass_turn(void) {
  if (ring_size >= 2) wvp_send(COLOR_KV_TURN, 1);
}

/* Sends a request's header and address; the replies come to this core until release_row(). */
static void node_request(uint32_t opcode, uint32_t words, uint64_t address) {
  wvp_route(COLOR_KV_REPLY, replies_in, WVP_TO_RAMP);
  wvp_send(COLOR_KV_REQUEST, opcode << 24 | COLOR_KV_REPLY << 16 | words);
  wvp_send(COLOR_KV_REQUEST, (uint32_t)address);
  wvp_send(COLOR_KV_REQUEST, (uint32_t)(address >> 32));
}

static void release_row(void) { wvp_route(COLOR_KV_REPLY, replies_in, replies_on); }

/* A reply's status word; the core stops on an error, naming the address. */
__attribute__((cold)) static void node_error(uint64_t address, uint32_t status) {
  wvp_puts("decode: the memory node refused the access at 0x");
  put_hex((uint32_t)(address >> 32));
  put_hex((uint32_t)address);
  wvp_puts(" (status 0x");
  put_hex(status);
  wvp_puts(")\n");
  wvp_exit(3);
}

static void node_status(uint64_t address) {
  const uint32_t status = wvp_recv(COLOR_KV_REPLY);
  if (status >> 24 != NODE_OK) node_error(address, status);
}

/* Position `pos` of this core's heads (`keys` and `values`, their slot) goes to the node, in one
 * turn: a head's keys and values go, then their two statuses come back. */
__attribute__((noinline)) static void kv_write_through(uint32_t layer, uint32_t pos, const float *keys, const float *values) {
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_MEMORY);
  take_turn();
  for (uint32_t j = 0; j < work.heads; ++j) {
    uint64_t address[2];
    for (uint32_t kind = WVP_KV_KEYS; kind <= WVP_KV_VALUES; ++kind) {
      address[kind] = slab + wvp_kv_slab_offset(model, layer, kind, j, pos);
      node_request(NODE_WRITE64, head_size, address[kind]);
      wvp_tensor_stream_out(COLOR_KV_REQUEST, WVP_FP32, (kind == WVP_KV_KEYS ? keys : values) + j * head_size, head_size);
    }
    node_status(address[WVP_KV_KEYS]);
    node_status(address[WVP_KV_VALUES]);
  }
  release_row();
  pass_turn();
  wvp_activity_end(before);
}

/* Positions first..first+n-1 of head j's keys or values from the node, in one turn. */
__attribute__((noinline)) static const float *kv_fetch(uint32_t layer, uint32_t kind, uint32_t j, uint32_t first, uint32_t n) {
  float *fetched = at(work.kv_fetch);
  const uint64_t address = slab + wvp_kv_slab_offset(model, layer, kind, j, first);
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_MEMORY);
  take_turn();
  node_request(NODE_READ64, n * head_size, address);
  node_status(address);
  wvp_tensor_stream_in(COLOR_KV_REPLY, WVP_FP32, fetched, n * head_size);
  release_row();
  pass_turn();
  wvp_activity_end(before);
  return fetched;
}

/* The turns of fetches this core has no heads for. */
static void pass_turns(uint32_t turns) {
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_MEMORY);
  for (uint32_t i = 0; i < turns; ++i) take_turn(), pass_turn();
  wvp_activity_end(before);
}

/* The ring's first core takes the last turn back, so that nothing is left on the fabric. */
static void kv_finish(void) {
  if (offloaded && ring_size >= 2 && ring_place == 0 && !turn_held) take_turn();
}

/* Head j's keys or values from position t on (up to pos), as many as lie together: `cache` holds
 * this layer's window of them, the ones before `resident` are fetched from the node. */
typedef struct {
  const float *at;
  uint32_t count, stride; /* positions, and floats from one to the next */
} kv_run;

static kv_run kv_positions(const float *cache, uint32_t layer, uint32_t kind, uint32_t j, uint32_t t, uint32_t pos,
                           uint32_t resident) {
  if (t < resident) {
    const uint32_t n = resident - t < per_fetch ? resident - t : per_fetch;
    return (kv_run){kv_fetch(layer, kind, j, t, n), n, head_size};
  }
  const uint32_t slot = t % window, n = pos + 1 - t < window - slot ? pos + 1 - t : window - slot;
  return (kv_run){cache + (slot * work.heads + j) * head_size, n, work.heads * head_size};
}

/* This core's heads attend over positions 0..pos of sequence `b`; the heads' outputs are gathered
 * into out. */
static void attention(uint32_t layer, uint32_t b, uint32_t pos, const float *q, const float *k, const float *v, float *out) {
  const uint32_t kv_mul = (uint32_t)(model->n_heads / model->n_kv_heads);
  float *att = at(work.att);
  /* This sequence's and layer's window, by slot, then by this core's head. */
  const uint32_t stage_layer = layer - shards.first_layer;
  const uint32_t layer_at = (b * shards.layers + stage_layer) * window * work.heads * head_size;
  float *keys = at(work.key_cache + layer_at), *values = at(work.value_cache + layer_at);
  const uint32_t resident = pos + 1 > window ? pos + 1 - window : 0; /* the positions before it are at the node */
  const uint32_t slot_at = (pos % window) * work.heads * head_size;
  for (uint32_t j = 0; j < work.heads; ++j) {
    const uint32_t kv_head = (work.first_head + j) / kv_mul;
    memcpy(keys + slot_at + j * head_size, k + kv_head * head_size, head_size * sizeof(float));
    memcpy(values + slot_at + j * head_size, v + kv_head * head_size, head_size * sizeof(float));
  }
  if (offloaded && ring_size) kv_write_through(stage_layer, pos, keys + slot_at, values + slot_at);
  for (uint32_t j = 0; j < work.heads; ++j) {
    const uint32_t h = work.first_head + j;
    const float *qh = q + h * head_size;
    for (uint32_t t = 0; t <= pos;) {
      const kv_run run = kv_positions(keys, stage_layer, WVP_KV_KEYS, j, t, pos, resident);
      for (uint32_t i = 0; i < run.count; ++i, ++t) {
        const float *kt = run.at + i * run.stride;
        float score = 0.0f;
        for (uint32_t e = 0; e < head_size; ++e) score += qh[e] * kt[e];
        att[t] = score / sqrtf((float)head_size);
      }
    }
    softmax(att, pos + 1);
    float *oh = out + h * head_size;
    memset(oh, 0, head_size * sizeof(float));
    for (uint32_t t = 0; t <= pos;) {
      const kv_run run = kv_positions(values, stage_layer, WVP_KV_VALUES, j, t, pos, resident);
      for (uint32_t i = 0; i < run.count; ++i, ++t) {
        const float *vt = run.at + i * run.stride;
        for (uint32_t e = 0; e < head_size; ++e) oh[e] += att[t] * vt[e];
      }
    }
  }
  if (offloaded && ring_size) {
    const uint32_t most_heads = wvp_share((uint32_t)model->n_heads, cores);
    pass_turns((most_heads - work.heads) * 2 * ((resident + per_fetch - 1) / per_fetch));
  }
  wvp_allgather_f32(out, (uint32_t)model->n_heads, head_size);
}

/* hb = SwiGLU(w1 x) * (w3 x) for all hidden units: each core computes its own units (its rows
 * of w13 hold w1 and w3 interleaved), then they are gathered. */
static void ffn_hidden(uint32_t layer, const float *x, float *hb) {
  const wvp_rows units = wvp_shard_rows(hidden);
  float *h13 = at(work.h13);
  wvp_dot_rows(at(shards.w13 + (layer - shards.first_layer) * shards.w13_stride), x, h13, 2 * units.count, dim);
  for (uint32_t u = 0; u < units.count; ++u) {
    float val = h13[2 * u];
    val *= 1.0f / (1.0f + expf(-val));  /* SwiGLU */
    hb[units.first + u] = val * h13[2 * u + 1];
  }
  wvp_allgather_f32(hb, hidden, 1);
}

/* ---- run.c's sampler, on every core with the same state ---------------------------------- */

static uint32_t random_u32(uint64_t *state) {
  *state ^= *state >> 12;
  *state ^= *state << 25;
  *state ^= *state >> 27;
  return (uint32_t)((*state * 0x2545F4914F6CDD1Dull) >> 32);
}

static float random_f32(uint64_t *state) { return (float)(random_u32(state) >> 8) / 16777216.0f; }

/* Draws from probs[0..n) (a softmax) with `coin`: the nucleus of top-p mass, most probable
 * first and ties by index (the host reference's order), or all tokens. `order` is scratch. */
static uint32_t draw(const float *probs, uint32_t n, float coin, float p, uint32_t *order) {
  if (p <= 0.0f || p >= 1.0f) {
    float cdf = 0.0f;
    for (uint32_t i = 0; i < n; ++i) {
      cdf += probs[i];
      if (coin < cdf) return i;
    }
    return n - 1;
  }
  const float cutoff = (1.0f - p) / (float)(n - 1);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; ++i) {  /* insertion sort: stable, so ties stay in index order */
    if (probs[i] < cutoff) continue;
    uint32_t j = m++;
    while (j > 0 && probs[order[j - 1]] < probs[i]) order[j] = order[j - 1], --j;
    order[j] = i;
  }
  float cumulative = 0.0f;
  uint32_t last = m - 1;
  for (uint32_t i = 0; i < m; ++i) {
    cumulative += probs[order[i]];
    if (cumulative > p) {
      last = i;
      break;
    }
  }
  const float r = coin * cumulative;
  float cdf = 0.0f;
  for (uint32_t i = 0; i <= last; ++i) {
    cdf += probs[order[i]];
    if (r < cdf) return order[i];
  }
  return order[last];
}

/* The next token of sequence `b`: the classifier's rows on each core, then the first largest
 * logit overall, or a draw from all of them. Within the prompt (`in_prompt`: the prompt gives the
 * next token) the largest logit stands in for a draw, as run.c samples only after the prompt and
 * the sequence's sampler state must stay the host reference's. */
static uint32_t classify(const float *x, uint32_t b, int in_prompt) {
  const wvp_rows mine = wvp_shard_rows((uint32_t)model->vocab_size);
  float *logits = at(work.logits);
  float best = -INFINITY;
  uint32_t best_index = 0;
  wvp_dot_rows(at(shards.classifier), x, logits, mine.count, dim);
  for (uint32_t i = 0; i < mine.count; ++i)
    if (logits[i] > best) best = logits[i], best_index = mine.first + i;
  if (dump_logits && mine.count) {
    wvp_puts("logits ");
    put_uint(sequences[b].pos);
    wvp_putc(' ');
    put_uint(mine.first);
    for (uint32_t i = 0; i < mine.count; ++i) {
      union { float f; uint32_t u; } bits = {.f = logits[i]};
      wvp_putc(' ');
      put_hex(bits.u);
    }
    wvp_putc('\n');
  }
  wvp_step(WVP_STEP_SAMPLE, WVP_NO_LAYER);
  if (temperature == 0.0f || in_prompt) {
    float top;
    uint32_t next;
    wvp_allreduce_argmax(best, best_index, &top, &next);
    return next;
  }
  const uint32_t vocab = (uint32_t)model->vocab_size;
  float *all = at(work.all_logits);
  memcpy(all + mine.first, logits, mine.count * sizeof(float));
  wvp_allgather_f32(all, vocab, 1);  /* every core now holds every logit */
  for (uint32_t i = 0; i < vocab; ++i) all[i] /= temperature;
  softmax(all, vocab);
  return draw(all, vocab, random_f32(&sequences[b].rng), topp, (uint32_t *)at(work.order));
}

/* This stage's layers on sequence b's x. */
static void run_layers(float *x, uint32_t b) {
  const uint32_t pos = sequences[b].pos;
  float *xb = at(work.xb), *xb2 = at(work.xb2), *hb = at(work.hb), *angles = at(work.rope);
  float *q = at(work.qkv), *k = q + dim, *v = k + kv_dim;
  for (uint32_t j = 0; j < shards.layers; ++j) {
    const uint32_t l = shards.first_layer + j;
    wvp_step(WVP_STEP_ATTENTION_NORM, l);
    rmsnorm(xb, x, at(shards.rms_att + j * dim), dim);
    wvp_step(WVP_STEP_QKV, l);
    wvp_sharded_matvec(at(shards.wqkv + j * shards.wqkv_stride), xb, q, dim + 2 * kv_dim, dim);
    wvp_step(WVP_STEP_ROPE, l);
    if (j == 0) rope_angles(angles, pos);
    rope(q, k, angles);
    wvp_step(WVP_STEP_ATTENTION, l);
    attention(l, b, pos, q, k, v, xb);
    wvp_step(WVP_STEP_OUTPUT, l);
    wvp_sharded_matvec(at(shards.wo + j * shards.wo_stride), xb, xb2, dim, dim);
    for (uint32_t i = 0; i < dim; ++i) x[i] += xb2[i];

    wvp_step(WVP_STEP_FFN_NORM, l);
    rmsnorm(xb, x, at(shards.rms_ffn + j * dim), dim);
    wvp_step(WVP_STEP_FFN, l);
    ffn_hidden(l, xb, hb);
    wvp_sharded_matvec(at(shards.w2 + j * shards.w2_stride), hb, xb, dim, hidden);
    for (uint32_t i = 0; i < dim; ++i) x[i] += xb[i];
  }
}

/* Sequence b's prompt: seq_len slots, WVP_NO_TOKEN after its last token. */
static const int32_t *prompt_of(uint32_t b) { return (const int32_t *)at(shards.prompt) + b * seq_len; }

/* The last stage: sequence b's token after its position (the prompt's while there is one). */
static uint32_t next_token(float *x, uint32_t b) {
  wvp_step(WVP_STEP_FINAL_NORM, WVP_NO_LAYER);
  rmsnorm(x, x, at(shards.rms_final), dim);
  wvp_step(WVP_STEP_CLASSIFIER, WVP_NO_LAYER);
  const uint32_t after = sequences[b].pos + 1;
  const int32_t prompted = after < seq_len ? prompt_of(b)[after] : WVP_NO_TOKEN;
  const uint32_t predicted = classify(x, b, prompted != WVP_NO_TOKEN);
  return prompted != WVP_NO_TOKEN ? (uint32_t)prompted : predicted;
}

/* ---- the pipeline ------------------------------------------------------------------------------
 * Consecutive stages' blocks are neighbours (wvp_stage_of's snake), so x crosses from one to the
 * next in one hop over their common border, on a color of its own. The next token goes back
 * from the last stage's first tile to PE (0,0) on another color, west along its row and north up
 * column 0. A stage waits for x (the step "handoff"): in batch-1 decode only one stage works at
 * a time; micro-batches keep the others busy meanwhile. A hand-off's first wavelet names the
 * sequence whose x follows, or STOP. Each stage takes the sequences in the order they come, so
 * their next tokens come back to stage 0 in the order it handed them on. */
#define COLOR_HANDOFF WVP_COLORS_RESERVED
#define COLOR_NEXT_TOKEN (WVP_COLORS_RESERVED + 1)
#define STOP (-1.0f) /* in place of a sequence: the pipeline ends */


/* The tiles on either side of the border between stage s and s + 1. */
typedef struct {
  uint32_t out_x, out_y, in_x, in_y;
  uint32_t to, port; /* the way out of stage s, the port into stage s + 1 */
} border;

static border border_after(uint32_t s) {
  uint32_t ax, ay, bx, by;
  wvp_stage_origin(model, wvp_grid_w(), s, &ax, &ay);
  wvp_stage_origin(model, wvp_grid_w(), s + 1, &bx, &by);
  if (by > ay) return (border){ax, by - 1, bx, by, WVP_TO_S, WVP_PORT_N};
  if (bx > ax) return (border){bx - 1, ay, bx, by, WVP_TO_E, WVP_PORT_W};
  return (border){ax, ay, ax - 1, by, WVP_TO_W, WVP_PORT_E};
}

static border to_next, from_previous; /* this stage's borders, where it has them */

/* Finds this stage's borders and writes the routes of the hand-offs and of the token's way back. */
static void pipeline_init(void) {
  if (stage + 1 < stages) {
    to_next = border_after(stage);
    if (tile_x == to_next.out_x && tile_y == to_next.out_y) wvp_route(COLOR_HANDOFF, WVP_PORT_RAMP, to_next.to);
  }
  if (stage > 0) {
    from_previous = border_after(stage - 1);
    if (tile_x == from_previous.in_x && tile_y == from_previous.in_y) wvp_route(COLOR_HANDOFF, from_previous.port, WVP_TO_RAMP);
  }
  if (stages == 1) return;
  uint32_t sx, sy;
  wvp_stage_origin(model, wvp_grid_w(), stages - 1, &sx, &sy);
  const int on_row = tile_y == sy && tile_x <= sx, on_column = tile_x == 0 && tile_y <= sy;
  if (!on_row && !on_column) return;
  const uint32_t in = tile_x == sx && tile_y == sy ? WVP_PORT_RAMP : on_row ? WVP_PORT_E : WVP_PORT_S;
  const uint32_t out = tile_x == 0 && tile_y == 0 ? WVP_TO_RAMP : tile_x > 0 ? WVP_TO_W : WVP_TO_N;
  wvp_route(COLOR_NEXT_TOKEN, in, out);
}

/* The exit tile sends the sequence number and its x to the next stage, or STOP (sequences as
 * exact fp32). */
static void hand_on(const float *x, float sequence_or_stop) {
  if (tile_x != to_next.out_x || tile_y != to_next.out_y) return;
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_FABRIC);
  wvp_send_f32(COLOR_HANDOFF, sequence_or_stop);
  if (sequence_or_stop != STOP) wvp_tensor_stream_out(COLOR_HANDOFF, WVP_FP32, x, dim);
  wvp_activity_end(before);
}

/* x from the previous stage, broadcast over this one from the entry tile, and its sequence in
 * *b; 0 on STOP. The sequence and x travel together in the staging buffer (q|k|v is free between
 * layers). */
static int take_over(float *x, uint32_t *b) {
  float *incoming = at(work.qkv);
  if (tile_x == from_previous.in_x && tile_y == from_previous.in_y) {
    uint32_t before = wvp_activity_begin(WVP_ACTIVITY_SYNC);
    incoming[0] = wvp_recv_f32(COLOR_HANDOFF);
    wvp_activity_end(before);
    before = wvp_activity_begin(WVP_ACTIVITY_FABRIC);
    if (incoming[0] != STOP) wvp_tensor_stream_in(COLOR_HANDOFF, WVP_FP32, incoming + 1, dim);
    wvp_activity_end(before);
  }
  wvp_bcast_f32(incoming, 1 + dim, from_previous.in_x - origin_x, from_previous.in_y - origin_y);
  if (incoming[0] == STOP) return 0;
  *b = (uint32_t)incoming[0];
  memcpy(x, incoming + 1, dim * sizeof(float));
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

/* Stage 0's part of sequence b's forward pass at its position: it embeds the token, runs its
 * layers and hands x on; as the only stage it also learns the next token. */
static void forward_first_stage(uint32_t b) {
  float *x = at(work.x);
  wvp_step(WVP_STEP_EMBED, WVP_NO_LAYER);
  embed(sequences[b].token, x);
  run_layers(x, b);
  if (stages == 1) {
    sequences[b].token = next_token(x, b);
  } else {
    wvp_step(WVP_STEP_HANDOFF, WVP_NO_LAYER);
    hand_on(x, (float)b);
  }
}

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
  uint32_t done = 0, running = micro_batches;
  for (uint32_t b = 0; b < micro_batches; ++b) {
    sequences[b].token = (uint32_t)prompt_of(b)[0];
    forward_first_stage(b);
  }
  /* The tokens come back in the order the sequences went: round robin over those still running. */
  for (uint32_t b = 0; running; b = b + 1 < micro_batches ? b + 1 : 0) {
    sequence *s = &sequences[b];
    if (!s->running) continue;
    if (stages > 1) s->token = receive_next_token();
    ++s->pos, ++done;
    if (s->token != BOS) send_token_to_host(b);
    if (s->token != BOS && s->pos < positions) {
      forward_first_stage(b);
    } else {
      s->running = 0;
      --running;
    }
  }
  if (stages > 1) hand_on(at(work.x), STOP);
  return done;
}

static void run_later_stage(void) {
  float *x = at(work.x);
  uint32_t b;
  for (;;) {
    wvp_step(WVP_STEP_HANDOFF, WVP_NO_LAYER);
    if (!take_over(x, &b)) break;
    run_layers(x, b);
    if (stage + 1 == stages) {
      send_next_token(next_token(x, b));
    } else {
      wvp_step(WVP_STEP_HANDOFF, WVP_NO_LAYER);
      hand_on(x, (float)b);
    }
    ++sequences[b].pos;
  }
  if (stage + 1 < stages) hand_on(x, STOP);
}

/* Finds this core's stage, shards and working memory and sets up its routes; returns RUN, or the
 * exit code. */
#define RUN (-1)
static int setup(void) {
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
  if (stage == stages) return 0; /* a block past the last stage */
  wvp_stage_origin(model, grid_w, stage, &origin_x, &origin_y);
  cores = wvp_stage_cores(model);
  rank = (tile_y - origin_y) * model->stage_w + (tile_x - origin_x);
  shards = wvp_model_layout_of(model, stage);
  work = wvp_decode_layout_of(model, stage, rank);
  if (work.floats * 4 > (uint32_t)(__heap_end - __heap_start)) {
    wvp_puts("decode: the model needs ");
    put_uint(work.floats * 4);
    wvp_puts(" bytes of model region, this core has ");
    put_uint((uint32_t)(__heap_end - __heap_start));
    wvp_putc('\n');
    return 2;
  }
  dim = (uint32_t)model->dim, hidden = (uint32_t)model->hidden_dim, seq_len = (uint32_t)model->seq_len;
  head_size = dim / (uint32_t)model->n_heads;
  kv_dim = head_size * (uint32_t)model->n_kv_heads;
  wvp_collectives_init_block(origin_x, origin_y, model->stage_w, model->stage_h);
  pipeline_init();
  kv_init();
  return RUN;
}

/* The host sends the prompts once the cores run (platform/host_stream.h) and rings every core's
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
    sequences[b] = (sequence){.pos = 0, .running = 1, .rng = (((uint64_t)seed_hi << 32) | seed_lo) + b};

  const uint32_t positions = steps < seq_len ? steps : seq_len;
  wvp_barrier();
  const uint32_t start = read_csr(mcycle);
  if (stage == 0) {
    const uint32_t pos = run_first_stage(positions);
    const uint32_t cycles = read_csr(mcycle) - start;
    kv_finish();
    wvp_step(WVP_STEP_DONE, WVP_NO_LAYER);
    if (core == 0) {
      wvp_puts("decode: ");
      put_uint(pos);
      wvp_puts(" positions, ");
      put_uint(cycles / pos);
      wvp_puts(" cycles per token\n");
    }
  } else {
    run_later_stage();
    kv_finish();
    wvp_step(WVP_STEP_DONE, WVP_NO_LAYER);
  }
  return 0;
}
