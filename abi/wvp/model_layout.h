/* Where a llama2.c model's shards lie in each core's model region (the SRAM between the
 * firmware's .bss and its stack, __heap_start to __heap_end), for the host loader and the decode
 * firmware alike: this header is C for the firmware and compiles as C++ for the host. A pipeline
 * stage's block of C x R tiles splits x by block column, and heads, hidden units and vocabulary
 * by block row. How parts are split and stored, pipeline stages and micro-batches:
 * docs/architecture.md, 'LLM decode'. */
#ifndef WVP_MODEL_LAYOUT_H
#define WVP_MODEL_LAYOUT_H

#include <stdint.h>

#include "element_types.h"

#define WVP_MODEL_MAGIC 0x4D505657u /* "WVPM" */
#define WVP_NO_TOKEN (-1) /* a prompt's slot past its last token */
#define WVP_MAX_MICRO_BATCHES 64 /* the firmware keeps each sequence's state on its stack */

/* The region starts with this header (20 words), written by the loader. */
typedef struct {
  uint32_t magic;
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
  uint32_t cores;              /* the grid the shards were cut for */
  uint32_t shared_classifier;  /* 1: the classifier rows are the embedding rows */
  uint32_t sampling;           /* 1: the last stage's working memory has the sampler's buffers (vocab x 2) */
  uint32_t stage_w, stage_h;   /* the block of tiles of one pipeline stage */
  uint32_t stages;             /* blocks that run layers (1: the block is the grid) */
  uint16_t first_layers, last_layers; /* stage 0's and the last stage's layers, with 2 stages or more */
  uint32_t micro_batches;      /* sequences in the pipeline together, at least 1 */
  uint32_t kv_window;          /* K/V positions a core keeps in SRAM; 0 or seq_len: all of them */
  uint32_t kv_edge;            /* with a window below seq_len: WVP_PORT_W or _E, the edge of the memory node with the rest */
  uint32_t weight_type;        /* the matrices' elements (embedding, attention, FFN, classifier): WVP_FP32, _FP16 or _BF16;
                                  norms, RoPE frequencies and the working memory are fp32 */
  uint32_t prompt_slots;       /* per sequence in the prompt block: the longest prompt's tokens, at most seq_len */
} wvp_model_header;

/* The decode firmware's word to the host (wvp_host_out) for each position's token: the sequence
 * in the top byte, the token id below it, so vocabularies stop at 2^24 tokens. */
#define WVP_HOST_TOKEN_BITS 24u
#define WVP_MAX_VOCAB (1u << WVP_HOST_TOKEN_BITS)
static inline uint32_t wvp_host_token(uint32_t sequence, uint32_t token) { return sequence << WVP_HOST_TOKEN_BITS | token; }
static inline uint32_t wvp_host_token_sequence(uint32_t word) { return word >> WVP_HOST_TOKEN_BITS; }
static inline uint32_t wvp_host_token_id(uint32_t word) { return word & (WVP_MAX_VOCAB - 1u); }

static inline uint32_t wvp_share(uint32_t out, uint32_t parts) { return (out + parts - 1) / parts; }

/* Row range of core `k` of `cores` in an `out`-row matrix: balanced, the first out % cores one more. */
static inline void wvp_rows_of(uint32_t out, uint32_t cores, uint32_t k, uint32_t *first, uint32_t *count) {
  const uint32_t base = out / cores, extra = out % cores;
  *first = k * base + (k < extra ? k : extra);
  *count = base + (k < extra ? 1u : 0u);
}

typedef struct {
  uint32_t first, count;
} wvp_range;

/* Part k of n things split over `parts` (wvp_rows_of's balance). */
static inline wvp_range wvp_range_of(uint32_t n, uint32_t parts, uint32_t k) {
  wvp_range r;
  wvp_rows_of(n, parts, k, &r.first, &r.count);
  return r;
}

/* The part that k of n things split over `parts` falls in (the inverse of wvp_range_of). */
static inline uint32_t wvp_part_holding(uint32_t k, uint32_t n, uint32_t parts) {
  const uint32_t base = n / parts, extra = n % parts;
  return k < extra * (base + 1) ? k / (base + 1) : extra + (k - extra * (base + 1)) / base;
}

/* Words of a matrix part of `elements` weights: every part starts on a word, so the layout counts
 * words whatever the weights' type. */
static inline uint32_t wvp_weight_words(const wvp_model_header *h, uint32_t elements) {
  return (uint32_t)(((uint64_t)elements * wvp_type_bytes(h->weight_type) + 3) / 4);
}

static inline uint32_t wvp_head_size(const wvp_model_header *h) { return (uint32_t)(h->dim / h->n_heads); }
static inline uint32_t wvp_kv_mul(const wvp_model_header *h) { return (uint32_t)(h->n_heads / h->n_kv_heads); }

/* Heads. With no more block rows than KV heads, each block row holds whole KV heads (with their
 * kv_mul query heads each). With more, so that every row works on attention, KV head j takes
 * the rows wvp_range_of(stage_h, n_kv_heads, j), and the first of them, up to one per pair of
 * dimensions (RoPE rotates pairs), split the dimensions of its heads: each such row holds its
 * slice of q, k and v of every head of the group, scores its slice, and the group sums the
 * scores down the column (wvp_col_segment_allreduce_f32). */
static inline int wvp_heads_split(const wvp_model_header *h) { return h->stage_h > (uint32_t)h->n_kv_heads; }
/* The rows that split KV head j's dimensions, in a block: its group's first rows. */
static inline wvp_range wvp_head_rows_of(const wvp_model_header *h, uint32_t j) {
  wvp_range r = wvp_range_of(h->stage_h, (uint32_t)h->n_kv_heads, j);
  const uint32_t pairs = wvp_head_size(h) / 2;
  if (r.count > pairs) r.count = pairs;
  return r;
}
/* The most KV heads a block row has, the most dimensions of each it holds, and the most
 * positions of the context a tile owns (see the KV cache below): every core's region is sized
 * for them. The smallest group has the fewest rows, so the widest slices. */
static inline uint32_t wvp_row_kv_heads(const wvp_model_header *h) { return wvp_share((uint32_t)h->n_kv_heads, h->stage_h); }
static inline uint32_t wvp_row_head_dims(const wvp_model_header *h) {
  if (!wvp_heads_split(h)) return wvp_head_size(h);
  const uint32_t pairs = wvp_head_size(h) / 2, fewest = h->stage_h / (uint32_t)h->n_kv_heads;
  return 2 * wvp_share(pairs, fewest < pairs ? fewest : pairs);
}
static inline uint32_t wvp_own_positions(const wvp_model_header *h) { return wvp_share((uint32_t)h->seq_len, h->stage_w); }

/* What tile (col, row) of a stage's block holds of every layer (docs/architecture.md,
 * 'LLM decode'). */
typedef struct {
  wvp_range dims;      /* x's elements of block column col */
  wvp_range kv_heads;  /* block row row's KV heads; its query heads are kv_heads times kv_mul */
  wvp_range head_dims; /* the dimensions of each of them it holds: all, or its slice of a split head */
  wvp_range head_rows; /* the block rows that hold its heads' slices (this row alone if not split) */
  wvp_range units;     /* block row row's hidden units */
  wvp_range vocab;     /* block row row's vocabulary rows */
} wvp_tile_part;

static inline wvp_tile_part wvp_tile_part_of(const wvp_model_header *h, uint32_t col, uint32_t row) {
  wvp_tile_part p;
  p.dims = wvp_range_of((uint32_t)h->dim, h->stage_w, col);
  if (wvp_heads_split(h)) {
    const uint32_t j = wvp_part_holding(row, h->stage_h, (uint32_t)h->n_kv_heads);
    p.head_rows = wvp_head_rows_of(h, j);
    const int holds = row < p.head_rows.first + p.head_rows.count;
    const wvp_range pairs = wvp_range_of(wvp_head_size(h) / 2, p.head_rows.count, holds ? row - p.head_rows.first : 0);
    p.kv_heads.first = j, p.kv_heads.count = holds ? 1u : 0u;
    p.head_dims.first = holds ? 2 * pairs.first : 0, p.head_dims.count = holds ? 2 * pairs.count : 0;
  } else {
    p.kv_heads = wvp_range_of((uint32_t)h->n_kv_heads, h->stage_h, row);
    p.head_dims.first = 0, p.head_dims.count = wvp_head_size(h);
    p.head_rows.first = row, p.head_rows.count = 1;
  }
  p.units = wvp_range_of((uint32_t)h->hidden_dim, h->stage_h, row);
  p.vocab = wvp_range_of((uint32_t)h->vocab_size, h->stage_h, row);
  return p;
}

/* KV cache. Block row r keeps the keys and values of its KV heads, and its C tiles split the
 * positions: tile c keeps positions c, c + C, c + 2C, ... (its "own" positions, the i-th of them
 * in slot i), so that each tile attends over a C-th of the context and the block row combines
 * their softmax sums and weighted values.
 *
 * Offload. With a window below the context, a tile keeps the K/V of its own positions among the
 * last kv_window in SRAM (wvp_kv_own_window slots, own position i in slot i % slots) and every
 * own position's also at the memory node (wvp/kv_offload.h says how it gets there); the node
 * gives each core of the grid a slab of n_layers x 2 (keys, values) x the most KV heads a block
 * row has x its own positions x head_size floats. A fetch from the node is at most
 * WVP_KV_FETCH_WORDS words (the node's agent serves up to 256 per request), into a buffer of the
 * working memory. */
#define WVP_KV_FETCH_WORDS 256u
#define WVP_KV_KEYS 0u
#define WVP_KV_VALUES 1u
static inline uint32_t wvp_kv_window(const wvp_model_header *h) {
  const uint32_t seq = (uint32_t)h->seq_len;
  return h->kv_window && h->kv_window < seq ? h->kv_window : seq;
}
static inline int wvp_kv_offloaded(const wvp_model_header *h) { return wvp_kv_window(h) < (uint32_t)h->seq_len; }
/* The own positions a tile keeps in SRAM: the most a window of kv_window positions holds. */
static inline uint32_t wvp_kv_own_window(const wvp_model_header *h) { return wvp_share(wvp_kv_window(h), h->stage_w); }

typedef struct {
  uint32_t first_layer, layers;                           /* this stage's */
  uint32_t prompt;                                        /* per sequence, prompt_slots token ids (int32): BOS first, WVP_NO_TOKEN after its prompt */
  uint32_t cols_dim;                                      /* the largest part of x (a block column's) */
  uint32_t rows_qkv, cols_heads, rows_units, rows_vocab;  /* the largest parts of a block row: q|k|v rows, query heads' columns, hidden units, vocabulary */
  uint32_t rms_att, rms_ffn, rms_final;                   /* (layers x cols_dim), (layers x cols_dim), (cols_dim) */
  uint32_t wqkv, wo, w13, w2;                             /* first_layer; the next follows at + *_stride (words) */
  uint32_t wqkv_stride, wo_stride, w13_stride, w2_stride;
  uint32_t embedding, classifier;                         /* token rows (stage 0), logit rows (last stage) */
  uint32_t rope_freq;                                     /* RoPE's head_size / 2 rotation frequencies (run.c's powf) */
  uint32_t floats;                                        /* the whole region */
} wvp_model_layout;

/* The stage of tile (x, y) of a grid `grid_w` tiles wide; h->stages for a tile of an idle block. */
static inline uint32_t wvp_stage_of(const wvp_model_header *h, uint32_t grid_w, uint32_t x, uint32_t y) {
  const uint32_t across = grid_w / h->stage_w, bx = x / h->stage_w, by = y / h->stage_h;
  const uint32_t stage = by * across + ((by & 1u) ? across - 1 - bx : bx);
  return stage < h->stages ? stage : h->stages;
}

/* The top-left tile of stage `stage`'s block. */
static inline void wvp_stage_origin(const wvp_model_header *h, uint32_t grid_w, uint32_t stage, uint32_t *x0, uint32_t *y0) {
  const uint32_t across = grid_w / h->stage_w, by = stage / across, k = stage % across;
  *x0 = ((by & 1u) ? across - 1 - k : k) * h->stage_w;
  *y0 = by * h->stage_h;
}

/* The layers of stage `stage`: all with one stage; else the header's counts on the first and the
 * last stage, and the rest balanced over the middle ones. */
static inline void wvp_layers_of(const wvp_model_header *h, uint32_t stage, uint32_t *first, uint32_t *count) {
  const uint32_t layers = (uint32_t)h->n_layers;
  if (h->stages == 1) {
    *first = 0, *count = layers;
  } else if (stage == 0) {
    *first = 0, *count = h->first_layers;
  } else if (stage + 1 == h->stages) {
    *first = layers - h->last_layers, *count = h->last_layers;
  } else {
    wvp_rows_of(layers - h->first_layers - h->last_layers, h->stages - 2, stage - 1, first, count);
    *first += h->first_layers;
  }
}

static inline wvp_model_layout wvp_model_layout_of(const wvp_model_header *h, uint32_t stage) {
  wvp_model_layout l;
  const uint32_t d = (uint32_t)h->dim, hs = wvp_head_size(h), kv_mul = wvp_kv_mul(h);
  const uint32_t kv_heads = wvp_row_kv_heads(h), head_dims = wvp_row_head_dims(h);
  const int first = stage == 0, last = stage + 1 == h->stages;
  wvp_layers_of(h, stage, &l.first_layer, &l.layers);
  l.cols_dim = wvp_share(d, h->stage_w);
  l.rows_qkv = (kv_mul + 2) * kv_heads * head_dims, l.cols_heads = kv_mul * kv_heads * head_dims;
  l.rows_units = wvp_share((uint32_t)h->hidden_dim, h->stage_h);
  l.rows_vocab = wvp_share((uint32_t)h->vocab_size, h->stage_h);
  uint32_t at = sizeof(wvp_model_header) / 4;
  l.prompt = at, at += h->micro_batches * h->prompt_slots;
  l.rms_att = at, at += l.layers * l.cols_dim;
  l.rms_ffn = at, at += l.layers * l.cols_dim;
  l.rms_final = at, at += l.cols_dim;
  l.wqkv_stride = wvp_weight_words(h, l.rows_qkv * l.cols_dim), l.wqkv = at, at += l.layers * l.wqkv_stride;
  l.wo_stride = wvp_weight_words(h, l.cols_dim * l.cols_heads), l.wo = at, at += l.layers * l.wo_stride;
  l.w13_stride = wvp_weight_words(h, 2 * l.rows_units * l.cols_dim), l.w13 = at, at += l.layers * l.w13_stride;
  l.w2_stride = wvp_weight_words(h, l.cols_dim * l.rows_units), l.w2 = at, at += l.layers * l.w2_stride;
  const uint32_t vocabulary = wvp_weight_words(h, l.rows_vocab * l.cols_dim);
  l.embedding = at;
  if (first) at += vocabulary;
  l.classifier = h->shared_classifier && first ? l.embedding : at;
  if (last && l.classifier == at) at += vocabulary;
  l.rope_freq = at, at += hs / 2;
  l.floats = at;
  return l;
}

/* The decode firmware's working memory, after the shards in the same region: the parts of the
 * activations a tile works on, scratch, and its KV cache for every sequence and layer of the
 * stage. The classifier's outputs and the sampler's buffers are the last stage's only. */
typedef struct {
  uint32_t x, xb, update;        /* x's part: the residual stream, times a norm's weights, a by-rows product's sums */
  uint32_t relay;                /* a hand-off's sequence and part of x, passing through */
  uint32_t qkv, heads;           /* the block row's q|k|v, and its query heads' attention outputs */
  uint32_t head_sums;            /* right after heads: a value per query head (the softmax's maxima, then sums) */
  uint32_t att;                  /* scores of the own positions (query head, own position) */
  uint32_t h13, hb;              /* the block row's w1|w3 outputs, interleaved, and its SwiGLU outputs */
  uint32_t logits;               /* the block row's; the sampler's scratch after them */
  uint32_t rope;                 /* cos, sin per rotation angle of a head */
  uint32_t all_logits, order;    /* sampling only: every logit, and a permutation */
  uint32_t key_cache, value_cache; /* (sequence, stage layer, slot, KV head of the block row, head_size) */
  uint32_t kv_fetch;             /* K or V of older positions from the memory node (offload only) */
  uint32_t floats;               /* shards and working memory together */
} wvp_decode_layout;

static inline wvp_decode_layout wvp_decode_layout_of(const wvp_model_header *h, uint32_t stage) {
  const wvp_model_layout m = wvp_model_layout_of(h, stage);
  const int last = stage + 1 == h->stages;
  const uint32_t hs = wvp_head_size(h), kv_heads = wvp_row_kv_heads(h), head_dims = wvp_row_head_dims(h);
  const uint32_t query_heads = kv_heads * wvp_kv_mul(h);
  wvp_decode_layout l;
  uint32_t at = m.floats;
  l.x = at, at += m.cols_dim;
  l.xb = at, at += m.cols_dim;
  l.update = at, at += m.cols_dim;
  l.relay = at, at += 1 + m.cols_dim;
  /* A product's outputs have one float more: the norm's sum of squares travels with them. */
  l.qkv = at, at += m.rows_qkv + 1;
  l.heads = at, at += m.cols_heads;
  l.head_sums = at, at += query_heads;
  l.att = at, at += query_heads * wvp_own_positions(h);
  l.h13 = at, at += 2 * m.rows_units + 1;
  l.hb = at, at += m.rows_units;
  l.logits = at, at += last ? (m.rows_vocab < 2 ? 2 : m.rows_vocab) + 1 : 0; /* also the sampler's scratch: 2 floats at least */
  l.rope = at, at += hs;
  const uint32_t sampler = h->sampling && last ? (uint32_t)h->vocab_size : 0;
  l.all_logits = at, at += sampler;
  l.order = at, at += sampler;
  const uint32_t cache = h->micro_batches * m.layers * wvp_kv_own_window(h) * kv_heads * head_dims;
  l.key_cache = at, at += cache;
  l.value_cache = at, at += cache;
  l.kv_fetch = at, at += wvp_kv_offloaded(h) ? WVP_KV_FETCH_WORDS : 0;
  l.floats = at;
  return l;
}

/* Bytes of one core's slab at the memory node; core k's starts at k times that. */
static inline uint64_t wvp_kv_slab_bytes(const wvp_model_header *h) {
  return 4ull * (uint32_t)h->n_layers * 2 * wvp_row_kv_heads(h) * wvp_own_positions(h) * wvp_row_head_dims(h);
}
/* The byte offset in a core's slab of own position `own` (the tile's own-th) of the `kind`
 * (WVP_KV_KEYS or _VALUES) of KV head `head` (of the block row's, from 0) in stage layer
 * `layer`; the loader keeps slabs below 4 GiB. A head's own positions follow each other, so a
 * run of them is one fetch. */
static inline uint32_t wvp_kv_slab_offset(const wvp_model_header *h, uint32_t layer, uint32_t kind, uint32_t head, uint32_t own) {
  return 4u * (((layer * 2 + kind) * wvp_row_kv_heads(h) + head) * wvp_own_positions(h) + own) * wvp_row_head_dims(h);
}

#endif /* WVP_MODEL_LAYOUT_H */
