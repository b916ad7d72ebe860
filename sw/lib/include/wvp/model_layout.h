/* Where a llama2.c model's shards lie in each core's model region (the SRAM between the
 * firmware's .bss and its stack, __heap_start to __heap_end), for the host loader and the decode
 * firmware alike: this header is C for the firmware and compiles as C++ for the host.
 *
 * Pipeline stages. The grid is cut into equal blocks of stage_w x stage_h tiles; the first
 * `stages` blocks, numbered along the block rows with every other row backwards (a snake, so
 * consecutive stages are neighbours), each run a range of the layers (wvp_layers_of) and hand the
 * activations on to the next; stage 0 also embeds the token, the last stage also classifies.
 * Blocks past the last stage stay idle. With one stage (the block is the grid) every core works
 * on every layer; more stages are needed when one core's share of every layer does not fit its
 * region, because a core holds the activations and a row of each matrix whatever the grid's
 * size. The vocabulary rows make the first and last stages' regions the fullest, so the header
 * gives those two their own (smaller, or zero: a stage that only embeds or only classifies)
 * number of layers, and the middle stages share the rest evenly.
 *
 * Within a stage, every matrix (out x in) is split by output rows over the stage's N cores: the
 * core of rank k (row-major in the block) holds rows [first, first + count) (wvp/shard.h's
 * balance), stored row-major. Matrices that multiply the
 * same vector are fused so that one tensor descriptor and one all-gather serve them:
 *   - wqkv stacks wq, wk and wv (dim + 2 kv_dim rows), so the gathered output is q, k, v;
 *   - w13 interleaves w1 and w3 by hidden unit (row 2i is w1's row i, row 2i+1 is w3's), split
 *     by hidden units, so each core applies SwiGLU to its own units before the gather.
 * Every core's region has the same offsets; a core with fewer rows than the largest share leaves
 * the rest unused. The RMSNorm weights of the stage's layers are on every core of the stage, the
 * embedding rows on stage 0's cores, the classifier rows on the last stage's (a copy of the
 * embedding rows for a shared classifier, unless that is stage 0). All offsets count floats from
 * the region start and depend on the stage.
 *
 * Micro-batches. `micro_batches` independent sequences (users) go through the pipeline together,
 * one per stage at a time, so that the stages work at once: each has its prompt in the prompt
 * block and its own KV cache in every core's working memory. */
#ifndef WVP_MODEL_LAYOUT_H
#define WVP_MODEL_LAYOUT_H

#include <stdint.h>

#define WVP_MODEL_MAGIC 0x4D505657u /* "WVPM" */
#define WVP_NO_TOKEN (-1) /* a prompt's slot past its last token */
#define WVP_MAX_MICRO_BATCHES 64 /* the firmware keeps each sequence's state on its stack */

/* The region starts with this header (18 words), written by the loader. */
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
} wvp_model_header;

/* The decode firmware's word to the host (wvp_host_out) for each position's token: the sequence
 * in the top byte, the token id below it, so vocabularies stop at 2^24 tokens. */
#define WVP_HOST_TOKEN_BITS 24u
#define WVP_MAX_VOCAB (1u << WVP_HOST_TOKEN_BITS)
static inline uint32_t wvp_host_token(uint32_t sequence, uint32_t token) { return sequence << WVP_HOST_TOKEN_BITS | token; }
static inline uint32_t wvp_host_token_sequence(uint32_t word) { return word >> WVP_HOST_TOKEN_BITS; }
static inline uint32_t wvp_host_token_id(uint32_t word) { return word & (WVP_MAX_VOCAB - 1u); }

/* KV-cache offload. With a window below the context, a core keeps the K/V of its last kv_window
 * positions in SRAM and every position's also at the memory node (the decode firmware says how
 * it gets there); the node gives each core of the grid a slab of n_layers x 2 (keys, values) x
 * the most heads a core has x seq_len x head_size floats. A fetch from the node is at most
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

typedef struct {
  uint32_t first_layer, layers;                          /* this stage's */
  uint32_t prompt;                                       /* per sequence, seq_len token ids (int32): BOS first, WVP_NO_TOKEN after its prompt */
  uint32_t rows_dim, rows_qkv, rows_hidden, rows_vocab;  /* largest share (w13: hidden units) */
  uint32_t rms_att, rms_ffn, rms_final;                  /* (layers x dim), (layers x dim), (dim) */
  uint32_t wqkv, wo, w13, w2;                            /* first_layer; the next follows at + *_stride */
  uint32_t wqkv_stride, wo_stride, w13_stride, w2_stride;
  uint32_t embedding, classifier;                        /* token rows (stage 0), logit rows (last stage) */
  uint32_t rope_freq;                                    /* RoPE's head_size / 2 rotation frequencies (run.c's powf) */
  uint32_t floats;                                       /* the whole region */
} wvp_model_layout;

static inline uint32_t wvp_share(uint32_t out, uint32_t cores) { return (out + cores - 1) / cores; }

/* Row range of core `k` of `cores` in an `out`-row matrix. */
static inline void wvp_rows_of(uint32_t out, uint32_t cores, uint32_t k, uint32_t *first, uint32_t *count) {
  const uint32_t base = out / cores, extra = out % cores;
  *first = k * base + (k < extra ? k : extra);
  *count = base + (k < extra ? 1u : 0u);
}

static inline uint32_t wvp_stage_cores(const wvp_model_header *h) { return h->stage_w * h->stage_h; }

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
  const uint32_t d = (uint32_t)h->dim, f = (uint32_t)h->hidden_dim;
  const uint32_t kv = d / (uint32_t)h->n_heads * (uint32_t)h->n_kv_heads, n = wvp_stage_cores(h);
  const int first = stage == 0, last = stage + 1 == h->stages;
  wvp_layers_of(h, stage, &l.first_layer, &l.layers);
  l.rows_dim = wvp_share(d, n), l.rows_qkv = wvp_share(d + 2 * kv, n), l.rows_hidden = wvp_share(f, n);
  l.rows_vocab = wvp_share((uint32_t)h->vocab_size, n);
  uint32_t at = sizeof(wvp_model_header) / 4;
  l.prompt = at, at += h->micro_batches * (uint32_t)h->seq_len;
  l.rms_att = at, at += l.layers * d;
  l.rms_ffn = at, at += l.layers * d;
  l.rms_final = at, at += d;
  l.wqkv_stride = l.rows_qkv * d, l.wqkv = at, at += l.layers * l.wqkv_stride;
  l.wo_stride = l.rows_dim * d, l.wo = at, at += l.layers * l.wo_stride;
  l.w13_stride = 2 * l.rows_hidden * d, l.w13 = at, at += l.layers * l.w13_stride;
  l.w2_stride = l.rows_dim * f, l.w2 = at, at += l.layers * l.w2_stride;
  l.embedding = at;
  if (first) at += l.rows_vocab * d;
  l.classifier = h->shared_classifier && first ? l.embedding : at;
  if (last && l.classifier == at) at += l.rows_vocab * d;
  l.rope_freq = at, at += d / (uint32_t)h->n_heads / 2;
  l.floats = at;
  return l;
}

/* The decode firmware's working memory, after the shards in the same region: activations (on
 * every core), scratch, and the KV cache of the attention heads this core computes (the heads
 * are split over the stage's cores like rows, wvp_rows_of(n_heads)), for every sequence, every
 * layer of the stage and every position. The classifier's outputs and the sampler's buffers are the last
 * stage's only. */
typedef struct {
  uint32_t x, xb, xb2, qkv, att, hb;  /* activations; q, k, v lie together in qkv */
  uint32_t h13, logits;               /* this core's w13 and classifier outputs */
  uint32_t rope;                      /* cos, sin per rotation angle of a head */
  uint32_t all_logits, order;         /* sampling only: every logit, and a permutation */
  uint32_t key_cache, value_cache;    /* (sequence, stage layer, position mod the window, head of this core, head_size) */
  uint32_t kv_fetch;                  /* K or V of older positions from the memory node (offload only) */
  uint32_t first_head, heads;         /* attention heads on this core */
  uint32_t floats;                    /* shards and working memory together */
} wvp_decode_layout;

/* `rank`: the core's number within its stage's block, row-major. */
static inline wvp_decode_layout wvp_decode_layout_of(const wvp_model_header *h, uint32_t stage, uint32_t rank) {
  const wvp_model_layout m = wvp_model_layout_of(h, stage);
  const int last = stage + 1 == h->stages;
  const uint32_t d = (uint32_t)h->dim, f = (uint32_t)h->hidden_dim, seq = (uint32_t)h->seq_len;
  const uint32_t kv = d / (uint32_t)h->n_heads * (uint32_t)h->n_kv_heads, hs = d / (uint32_t)h->n_heads;
  wvp_decode_layout l;
  uint32_t at = m.floats;
  l.x = at, at += d;
  l.xb = at, at += d;
  l.xb2 = at, at += d;
  l.qkv = at, at += d + 2 * kv;
  l.att = at, at += seq;
  l.hb = at, at += f;
  l.h13 = at, at += 2 * m.rows_hidden;
  l.logits = at, at += last ? m.rows_vocab : 0;
  l.rope = at, at += hs;
  const uint32_t sampler = h->sampling && last ? (uint32_t)h->vocab_size : 0;
  l.all_logits = at, at += sampler;
  l.order = at, at += sampler;
  wvp_rows_of((uint32_t)h->n_heads, wvp_stage_cores(h), rank, &l.first_head, &l.heads);
  const uint32_t cache = h->micro_batches * m.layers * wvp_kv_window(h) * l.heads * hs;
  l.key_cache = at, at += cache;
  l.value_cache = at, at += cache;
  l.kv_fetch = at, at += wvp_kv_offloaded(h) && l.heads ? WVP_KV_FETCH_WORDS : 0;
  l.floats = at;
  return l;
}

/* Bytes of one core's slab at the memory node; core k's starts at k times that. */
static inline uint64_t wvp_kv_slab_bytes(const wvp_model_header *h) {
  const uint32_t hs = (uint32_t)(h->dim / h->n_heads);
  return 4ull * (uint32_t)h->n_layers * 2 * wvp_share((uint32_t)h->n_heads, wvp_stage_cores(h)) * (uint32_t)h->seq_len * hs;
}
/* The byte offset in a core's slab of position `pos` of the `kind` (WVP_KV_KEYS or _VALUES) of
 * head `head` (of the core's own, from 0) in stage layer `layer`; the loader keeps slabs below
 * 4 GiB. A head's positions follow each other, so a run of them is one fetch. */
static inline uint32_t wvp_kv_slab_offset(const wvp_model_header *h, uint32_t layer, uint32_t kind, uint32_t head, uint32_t pos) {
  const uint32_t hs = (uint32_t)(h->dim / h->n_heads), seq = (uint32_t)h->seq_len;
  const uint32_t heads = wvp_share((uint32_t)h->n_heads, wvp_stage_cores(h));
  return 4u * (((layer * 2 + kind) * heads + head) * seq + pos) * hs;
}

#endif /* WVP_MODEL_LAYOUT_H */
