/* Where a llama2.c model's shards lie in each core's model region (the SRAM between the
 * firmware's .bss and its stack, __heap_start to __heap_end), for the host loader and the decode
 * firmware alike: this header is C for the firmware and compiles as C++ for the host.
 *
 * Every matrix (out x in) is split by output rows over all N cores: core k holds rows
 * [first, first + count) (wvp/shard.h's balance), stored row-major. Every core's region has the
 * same offsets; a core with fewer rows than the largest share leaves the rest unused. The RMSNorm
 * weights are on every core. All offsets count floats from the region start. */
#ifndef WVP_MODEL_LAYOUT_H
#define WVP_MODEL_LAYOUT_H

#include <stdint.h>

#define WVP_MODEL_MAGIC 0x4D505657u /* "WVPM" */

/* The region starts with this header (16 words), written by the loader. */
typedef struct {
  uint32_t magic;
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
  uint32_t cores;              /* the grid the shards were cut for */
  uint32_t shared_classifier;  /* 1: the classifier rows are the embedding rows */
  uint32_t prompt_len;         /* prompt tokens (BOS first) in the prompt block, at least 1 */
  uint32_t reserved[5];
} wvp_model_header;

typedef struct {
  uint32_t prompt;                                     /* seq_len token ids (int32) */
  uint32_t rows_dim, rows_kv, rows_hidden, rows_vocab; /* largest share of each kind of matrix */
  uint32_t rms_att, rms_ffn, rms_final;                /* (layers x dim), (layers x dim), (dim) */
  uint32_t wq, wk, wv, wo, w1, w2, w3;                 /* layer 0; the next layer follows at + *_stride */
  uint32_t wq_stride, wk_stride, wv_stride, wo_stride, w1_stride, w2_stride, w3_stride;
  uint32_t embedding, classifier;                      /* token rows (classifier: logit rows) */
  uint32_t floats;                                     /* the whole region */
} wvp_model_layout;

static inline uint32_t wvp_share(uint32_t out, uint32_t cores) { return (out + cores - 1) / cores; }

/* Row range of core `k` of `cores` in an `out`-row matrix. */
static inline void wvp_rows_of(uint32_t out, uint32_t cores, uint32_t k, uint32_t *first, uint32_t *count) {
  const uint32_t base = out / cores, extra = out % cores;
  *first = k * base + (k < extra ? k : extra);
  *count = base + (k < extra ? 1u : 0u);
}

static inline wvp_model_layout wvp_model_layout_of(const wvp_model_header *h) {
  wvp_model_layout l;
  const uint32_t d = (uint32_t)h->dim, f = (uint32_t)h->hidden_dim, layers = (uint32_t)h->n_layers;
  const uint32_t kv = d / (uint32_t)h->n_heads * (uint32_t)h->n_kv_heads, n = h->cores;
  l.rows_dim = wvp_share(d, n), l.rows_kv = wvp_share(kv, n), l.rows_hidden = wvp_share(f, n);
  l.rows_vocab = wvp_share((uint32_t)h->vocab_size, n);
  uint32_t at = sizeof(wvp_model_header) / 4;
  l.prompt = at, at += (uint32_t)h->seq_len;
  l.rms_att = at, at += layers * d;
  l.rms_ffn = at, at += layers * d;
  l.rms_final = at, at += d;
  l.wq_stride = l.rows_dim * d, l.wq = at, at += layers * l.wq_stride;
  l.wk_stride = l.rows_kv * d, l.wk = at, at += layers * l.wk_stride;
  l.wv_stride = l.rows_kv * d, l.wv = at, at += layers * l.wv_stride;
  l.wo_stride = l.rows_dim * d, l.wo = at, at += layers * l.wo_stride;
  l.w1_stride = l.rows_hidden * d, l.w1 = at, at += layers * l.w1_stride;
  l.w2_stride = l.rows_dim * f, l.w2 = at, at += layers * l.w2_stride;
  l.w3_stride = l.rows_hidden * d, l.w3 = at, at += layers * l.w3_stride;
  l.embedding = at, at += l.rows_vocab * d;
  l.classifier = h->shared_classifier ? l.embedding : at;
  if (!h->shared_classifier) at += l.rows_vocab * d;
  l.floats = at;
  return l;
}

/* The decode firmware's working memory, after the shards in the same region: activations (on
 * every core) and the KV cache of the attention heads this core computes (head h runs on core
 * h % cores), for every layer and position. */
typedef struct {
  uint32_t x, xb, xb2, q, k, v, att, hb, hb2, logits; /* activations */
  uint32_t all_logits, order;                        /* sampling: every logit, and a permutation */
  uint32_t key_cache, value_cache;                   /* (layer, position, head of this core, head_size) */
  uint32_t heads;                                    /* attention heads on this core */
  uint32_t floats;                                   /* shards and working memory together */
} wvp_decode_layout;

static inline uint32_t wvp_heads_of(const wvp_model_header *h, uint32_t core) {
  const uint32_t n = (uint32_t)h->n_heads;
  return core < n % h->cores ? n / h->cores + 1 : n / h->cores;
}

static inline wvp_decode_layout wvp_decode_layout_of(const wvp_model_header *h, uint32_t core) {
  const wvp_model_layout m = wvp_model_layout_of(h);
  const uint32_t d = (uint32_t)h->dim, f = (uint32_t)h->hidden_dim, seq = (uint32_t)h->seq_len;
  const uint32_t kv = d / (uint32_t)h->n_heads * (uint32_t)h->n_kv_heads, hs = d / (uint32_t)h->n_heads;
  wvp_decode_layout l;
  uint32_t at = m.floats;
  l.x = at, at += d;
  l.xb = at, at += d;
  l.xb2 = at, at += d;
  l.q = at, at += d;
  l.k = at, at += kv;
  l.v = at, at += kv;
  l.att = at, at += seq;
  l.hb = at, at += f;
  l.hb2 = at, at += f;
  l.logits = at, at += m.rows_vocab;
  l.all_logits = at, at += (uint32_t)h->vocab_size;
  l.order = at, at += (uint32_t)h->vocab_size;
  l.heads = wvp_heads_of(h, core);
  l.key_cache = at, at += (uint32_t)h->n_layers * seq * l.heads * hs;
  l.value_cache = at, at += (uint32_t)h->n_layers * seq * l.heads * hs;
  l.floats = at;
  return l;
}

#endif /* WVP_MODEL_LAYOUT_H */
