/* The KV cache of a block row's tile (wvp/model_layout.h), and its positions beyond the window.
 *
 * A tile keeps its own positions (c, c + C, ... for block column c of C) among the last `window`
 * in SRAM slots. With a window below the context it also writes each new own position through to
 * the memory node on the grid's edge, so that a position is there when it leaves the window.
 * Attention reads the older ones back, a run of one KV head's own positions per fetch, and
 * computes on them exactly what it computes on the window (the same operations in the same
 * order), so the tokens do not change.
 *
 * A row of tiles shares two colors to its edge port, one for requests and one for replies, so the
 * tiles of a block row that has heads take turns: a turn wavelet goes round them on a third color,
 * east and from the last back to the first. A tile holds the turn for one request and its reply
 * (its router takes the replies off the row meanwhile), then passes it on and computes on what it
 * fetched while the next one fetches. Between two collectives every tile of the ring takes the
 * same turns: one per position (its owner writes), then per KV head and kind, as many as the tile
 * with the most own positions fetches, passing the ones it has no use for. Hence
 * wvp_kv_pass_turns after each sweep over the keys and over the values: the row's next collective
 * must find no turn still going round.
 *
 * The library owns the colors below and uses the tile's tensor engine (idle at each call). */
#ifndef WVP_KV_OFFLOAD_H
#define WVP_KV_OFFLOAD_H

#include <stdint.h>
#include <string.h>
#include <wvp/collectives.h>
#include <wvp/model_layout.h>

#define WVP_COLOR_KV_REQUEST (WVP_COLORS_RESERVED + 3)
#define WVP_COLOR_KV_REPLY (WVP_COLORS_RESERVED + 4)
#define WVP_COLOR_KV_TURN (WVP_COLORS_RESERVED + 5)

/* A tile's KV cache. Its size comes out of the model region, hence the bytes. */
typedef struct {
  /* The firmware's, before wvp_kv_offload_init: */
  const wvp_model_header *model;
  float *key_cache, *value_cache; /* the tile's slots: (sequence, stage layer, slot, KV head of the block row, head_dims) */
  float *fetched;                 /* WVP_KV_FETCH_WORDS floats (offload only) */
  uint32_t layers;                /* the stage's */
  uint32_t col;                   /* this tile's block column */
  uint32_t kv_heads;              /* its block row's */
  uint32_t head_dims;             /* the dimensions of each it holds (wvp_tile_part's) */
  /* wvp_kv_offload_init's: */
  uint32_t block_w, slot_heads;   /* slot_heads: the most KV heads a block row has, as the slots are cut */
  uint32_t slots;                 /* own positions kept in SRAM */
  uint32_t per_fetch;             /* own positions of one head in a fetch */
  uint8_t offloaded;              /* the older positions are at the memory node */
  uint8_t turn_held;              /* the ring's first tile holds the turn before its first */
  uint8_t replies_in, replies_on; /* where the node's replies enter this router, and where they go when not ours */
  uint64_t slab;                  /* this core's K/V at the node */
} wvp_kv_offload;

/* Derives the rest from the firmware's fields and, with offload, writes the routes of the node's
 * colors and of the ring. */
void wvp_kv_offload_init(wvp_kv_offload *kv);

/* One sequence's cache in one stage layer, as attention at a position sees it. */
typedef struct {
  float *keys, *values; /* the layer's slots, by slot, then by the block row's KV head */
  uint32_t layer;       /* in the stage */
  uint32_t own;         /* this tile's own positions up to the position */
  uint32_t resident;    /* the first of them in SRAM: those before are at the node */
  uint32_t idle_turns;  /* per sweep over the heads, the fetch turns this tile has no use for */
} wvp_kv_layer;

/* KV head `head`'s keys or values of own positions, as many as lie together. */
typedef struct {
  const float *at;
  uint32_t count, stride; /* positions, and floats from one to the next */
} wvp_kv_run;

/* The memory node's side of wvp_kv_append and wvp_kv_positions, out of line. The position's
 * turn: the tile that owns `pos` writes its `keys` and `values` (their slot) through; returns
 * wvp_kv_layer's idle_turns. */
uint32_t wvp_kv_write_through(wvp_kv_offload *kv, uint32_t layer, uint32_t pos, const float *keys, const float *values, int owner);
/* Own positions first..first+n-1 of KV head `head`'s keys or values from the node, in one turn. */
const float *wvp_kv_fetch(wvp_kv_offload *kv, uint32_t layer, uint32_t kind, uint32_t head, uint32_t first, uint32_t n);

/* The own positions of block column `c` up to `pos`. */
static inline uint32_t wvp_kv_own_positions(const wvp_kv_offload *kv, uint32_t c, uint32_t pos) {
  return pos >= c ? (pos - c) / kv->block_w + 1 : 0;
}

/* The following run at every layer: inline, so that attention keeps its registers across them. */

/* Keeps position `pos`'s keys k and values v of the block row's KV heads in their slot (on the
 * tile that owns it) and, with offload, writes them through: the whole ring takes this turn. */
static inline wvp_kv_layer wvp_kv_append(wvp_kv_offload *kv, uint32_t sequence, uint32_t layer, uint32_t pos, const float *k,
                                         const float *v) {
  const uint32_t slot_floats = kv->slot_heads * kv->head_dims;
  const uint32_t layer_at = (sequence * kv->layers + layer) * kv->slots * slot_floats;
  wvp_kv_layer l = {.keys = kv->key_cache + layer_at, .values = kv->value_cache + layer_at, .layer = layer};
  l.own = wvp_kv_own_positions(kv, kv->col, pos);
  l.resident = l.own > kv->slots ? l.own - kv->slots : 0;
  const int owner = pos % kv->block_w == kv->col;
  const uint32_t slot_at = ((pos / kv->block_w) % kv->slots) * slot_floats;
  if (owner) {
    memcpy(l.keys + slot_at, k, kv->kv_heads * kv->head_dims * sizeof(float));
    memcpy(l.values + slot_at, v, kv->kv_heads * kv->head_dims * sizeof(float));
  }
  if (kv->offloaded) l.idle_turns = wvp_kv_write_through(kv, layer, pos, l.keys + slot_at, l.values + slot_at, owner);
  return l;
}

/* KV head `head`'s keys or values (WVP_KV_KEYS or _VALUES) of own positions i.. (below
 * layer->own), as many as lie together: from the slots, or fetched from the node in one turn. */
static inline wvp_kv_run wvp_kv_positions(wvp_kv_offload *kv, const wvp_kv_layer *layer, uint32_t kind, uint32_t head, uint32_t i) {
  if (i < layer->resident) {
    const uint32_t n = layer->resident - i < kv->per_fetch ? layer->resident - i : kv->per_fetch;
    return (wvp_kv_run){wvp_kv_fetch(kv, layer->layer, kind, head, i, n), n, kv->head_dims};
  }
  const float *cache = kind == WVP_KV_KEYS ? layer->keys : layer->values;
  const uint32_t slot = i % kv->slots, n = layer->own - i < kv->slots - slot ? layer->own - i : kv->slots - slot;
  return (wvp_kv_run){cache + (slot * kv->slot_heads + head) * kv->head_dims, n, kv->slot_heads * kv->head_dims};
}

/* After a sweep over the heads' keys or values: the turns of the fetches this tile did not make. */
void wvp_kv_pass_turns(wvp_kv_offload *kv, const wvp_kv_layer *layer);

/* At the end: the ring's first tile takes the last turn back, so that nothing is left on the
 * fabric. */
void wvp_kv_finish(wvp_kv_offload *kv);

#endif /* WVP_KV_OFFLOAD_H */
