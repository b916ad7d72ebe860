#include <wvp/console.h>
#include <wvp/hal.h>
#include <wvp/kv_offload.h>

/* The memory node's protocol (models/memnode/memnode_agent.h): a header (opcode, reply color,
 * words), the address in two words; every reply starts with a status word. */
#define NODE_READ64 3u
#define NODE_WRITE64 4u
#define NODE_OK 0u

__attribute__((cold)) void wvp_kv_offload_init(wvp_kv_offload *kv) {
  const wvp_model_header *model = kv->model;
  kv->block_w = model->stage_w;
  kv->slot_heads = wvp_row_kv_heads(model);
  kv->slots = wvp_kv_own_window(model);
  kv->offloaded = wvp_kv_offloaded(model);
  if (!kv->offloaded) return;
  kv->per_fetch = kv->head_dims ? WVP_KV_FETCH_WORDS / kv->head_dims : 0; /* 0: a row of a split head past its dimensions */
  kv->slab = wvp_core_id() * wvp_kv_slab_bytes(model);
  const uint32_t tile_x = wvp_x();
  const int west = model->kv_edge == WVP_PORT_W;
  const uint32_t toward = west ? WVP_TO_W : WVP_TO_E, away = west ? WVP_TO_E : WVP_TO_W;
  const int far_end = west ? tile_x + 1 == wvp_grid_w() : tile_x == 0; /* no tile beyond to serve */
  kv->replies_in = (uint8_t)model->kv_edge;
  kv->replies_on = (uint8_t)(far_end ? 0 : away);
  wvp_route(WVP_COLOR_KV_REQUEST, WVP_PORT_RAMP, toward);
  if (!far_end) wvp_route(WVP_COLOR_KV_REQUEST, west ? WVP_PORT_E : WVP_PORT_W, toward);
  wvp_route(WVP_COLOR_KV_REPLY, kv->replies_in, kv->replies_on);

  /* The ring: the block row's tiles, from its west, when the row has heads. */
  if (!kv->kv_heads) return;
  kv->turn_held = kv->col == 0;
  if (kv->block_w == 1) return;
  const int last = kv->col + 1 == kv->block_w;
  wvp_route(WVP_COLOR_KV_TURN, WVP_PORT_RAMP, last ? WVP_TO_W : WVP_TO_E);
  wvp_route(WVP_COLOR_KV_TURN, kv->col == 0 ? WVP_PORT_E : WVP_PORT_W, WVP_TO_RAMP);
  if (kv->col > 0 && !last) wvp_route(WVP_COLOR_KV_TURN, WVP_PORT_E, WVP_TO_W); /* the last tile's turn back to the first */
}

static void take_turn(wvp_kv_offload *kv) {
  if (kv->block_w < 2) return;
  if (kv->turn_held) {
    kv->turn_held = 0;
    return;
  }
  (void)wvp_recv(WVP_COLOR_KV_TURN);
}

static void pass_turn(const wvp_kv_offload *kv) {
  if (kv->block_w >= 2) wvp_send(WVP_COLOR_KV_TURN, 1);
}

/* Sends a request's header and address; the replies come to this core until release_row(). */
static void node_request(const wvp_kv_offload *kv, uint32_t opcode, uint32_t words, uint64_t address) {
  wvp_route(WVP_COLOR_KV_REPLY, kv->replies_in, WVP_TO_RAMP);
  wvp_send(WVP_COLOR_KV_REQUEST, opcode << 24 | WVP_COLOR_KV_REPLY << 16 | words);
  wvp_send(WVP_COLOR_KV_REQUEST, (uint32_t)address);
  wvp_send(WVP_COLOR_KV_REQUEST, (uint32_t)(address >> 32));
}

static void release_row(const wvp_kv_offload *kv) { wvp_route(WVP_COLOR_KV_REPLY, kv->replies_in, kv->replies_on); }

/* A reply's status word; the core stops on an error, naming the address. */
__attribute__((cold)) static void node_error(uint64_t address, uint32_t status) {
  wvp_puts("kv offload: the memory node refused the access at 0x");
  wvp_put_hex((uint32_t)(address >> 32));
  wvp_put_hex((uint32_t)address);
  wvp_puts(" (status 0x");
  wvp_put_hex(status);
  wvp_puts(")\n");
  wvp_exit(3);
}

static void node_status(uint64_t address) {
  const uint32_t status = wvp_recv(WVP_COLOR_KV_REPLY);
  if (status >> 24 != NODE_OK) node_error(address, status);
}

/* The fetches per KV head and kind that block column c's own positions up to `pos` before its
 * slots take. */
static uint32_t fetches(const wvp_kv_offload *kv, uint32_t c, uint32_t pos) {
  const uint32_t own = wvp_kv_own_positions(kv, c, pos), resident = own < kv->slots ? own : kv->slots;
  return (own - resident + kv->per_fetch - 1) / kv->per_fetch;
}

/* A head's keys and values go, then their two statuses come back. Out of line, so that the path
 * without offload saves no registers for it. The tile with the most own positions, block column
 * 0, fetches the most: the others pass the turns they do not take. */
uint32_t wvp_kv_write_through(wvp_kv_offload *kv, uint32_t layer, uint32_t pos, const float *keys, const float *values, int owner) {
  const uint32_t idle_turns = kv->kv_heads * (fetches(kv, 0, pos) - fetches(kv, kv->col, pos)), own = pos / kv->block_w;
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_MEMORY);
  take_turn(kv);
  for (uint32_t j = 0; owner && j < kv->kv_heads; ++j) {
    uint64_t address[2];
    for (uint32_t kind = WVP_KV_KEYS; kind <= WVP_KV_VALUES; ++kind) {
      address[kind] = kv->slab + wvp_kv_slab_offset(kv->model, layer, kind, j, own);
      node_request(kv, NODE_WRITE64, kv->head_dims, address[kind]);
      wvp_tensor_stream_out(WVP_COLOR_KV_REQUEST, WVP_FP32, (kind == WVP_KV_KEYS ? keys : values) + j * kv->head_dims,
                            kv->head_dims);
    }
    node_status(address[WVP_KV_KEYS]);
    node_status(address[WVP_KV_VALUES]);
  }
  if (owner) release_row(kv);
  pass_turn(kv);
  wvp_activity_end(before);
  return idle_turns;
}

const float *wvp_kv_fetch(wvp_kv_offload *kv, uint32_t layer, uint32_t kind, uint32_t j, uint32_t first, uint32_t n) {
  const uint64_t address = kv->slab + wvp_kv_slab_offset(kv->model, layer, kind, j, first);
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_MEMORY);
  take_turn(kv);
  node_request(kv, NODE_READ64, n * kv->head_dims, address);
  node_status(address);
  wvp_tensor_stream_in(WVP_COLOR_KV_REPLY, WVP_FP32, kv->fetched, n * kv->head_dims);
  release_row(kv);
  pass_turn(kv);
  wvp_activity_end(before);
  return kv->fetched;
}

void wvp_kv_pass_turns(wvp_kv_offload *kv, const wvp_kv_layer *layer) {
  if (!kv->offloaded) return;
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_MEMORY);
  for (uint32_t i = 0; i < layer->idle_turns; ++i) take_turn(kv), pass_turn(kv);
  wvp_activity_end(before);
}

void wvp_kv_finish(wvp_kv_offload *kv) {
  if (kv->offloaded && kv->kv_heads && kv->block_w >= 2 && kv->col == 0 && !kv->turn_held) take_turn(kv);
}
