/* Collectives as chains of wavelets along the rows and columns of the grid.
 *   - Reductions: each tile adds its part to what its neighbour sends and passes the result on,
 *     one step per hop, the elements streaming behind each other. An all-reduce meets at the
 *     line's middle tile, its root: the tiles before it reduce towards it and the tiles after it
 *     likewise, both halves at once, and the root broadcasts the result both ways, so the data
 *     crosses the line once, not twice. A combine costs a tile a few cycles where a router passes
 *     a wavelet on in one, so a long half reduces in two phases, as WaferLLM's grouped reduction
 *     does: groups of about sqrt(len) tiles from the root outwards each chain-reduce to their
 *     tile nearest the root, the leader, all at once, then the leaders chain-reduce to the root
 *     on a color of their own, which the tiles between them pass straight through.
 *   - Broadcasts: the root's tensor engine streams the data out (one wavelet per cycle) and the
 *     routers copy it to every tile of the line.
 *   - All-gathers: each tile's part travels the line tile by tile, every tile's tensor engine
 *     keeping a copy and forwarding it in the same cycle. Forwarding by the tiles, not by router
 *     multicast, keeps the parts in order on every link: with multicast, a tile's own part could
 *     overtake a neighbour's part still waiting at a busy output. */
#include <wvp/collectives.h>
#include <wvp/fixed_time.h>
#include <wvp/hal.h>
#include <wvp/line_root.h>

/* This tile's position in the block the collectives run over, and the block's size. */
static uint32_t block_x, block_y, block_w, block_h;

/* A chain a tile takes part in when its line reduces: the color its partials flow on, the tile's
 * place on the chain and the chain's length (position 0 keeps the result). */
typedef struct {
  uint32_t color, pos, len;
} chain_step;

/* A tile's place on a line (its row, its column or its column segment) and the chains it runs,
 * in order, when the line reduces to its root (wvp/collectives.h says which tile that is and how
 * the halves split into groups): up to a group's chain and the leaders' chain for each half the
 * tile is in, the root being in both. */
typedef struct {
  uint32_t pos, len, root, bcast_color;
  uint32_t steps;
  chain_step step[4];
} line;
static line row_line, col_line, seg_line = {0, 1, 0, WVP_COLOR_SEG_BCAST, 0, {{0, 0, 0}}};

/* Below this length one chain is about as fast: a second phase costs its leaders a stream's setup. */
#define GROUPED_MIN_LEN 128

/* Routes that are the same for every tile of a line: a wavelet entering from the far side goes
 * to this tile's core; the core's wavelets go one hop towards the line's start (reduce), or both
 * ways and on along the line (broadcast, whatever tile is the root). A line's end tiles pass
 * nothing beyond it. */
static void route_reduce_bcast(uint32_t reduce_color, uint32_t bcast_color, uint32_t pos, uint32_t len, uint32_t port_back,
                               uint32_t port_fwd, uint32_t to_back, uint32_t to_fwd) {
  const uint32_t has_back = pos > 0, has_fwd = pos + 1 < len;
  if (has_back) wvp_route(reduce_color, WVP_PORT_RAMP, to_back);
  if (has_fwd) wvp_route(reduce_color, port_fwd, WVP_TO_RAMP);
  uint32_t from_core = (has_back ? to_back : 0) | (has_fwd ? to_fwd : 0);
  if (from_core) wvp_route(bcast_color, WVP_PORT_RAMP, from_core);
  if (has_back) wvp_route(bcast_color, port_back, WVP_TO_RAMP | (has_fwd ? to_fwd : 0));
  if (has_fwd) wvp_route(bcast_color, port_fwd, WVP_TO_RAMP | (has_back ? to_back : 0));
}

/* The same with the line's chain: the core's wavelets go one hop towards its end. */
static void route_line(uint32_t reduce_color, uint32_t chain_color, uint32_t bcast_color, uint32_t pos, uint32_t len,
                       uint32_t port_back, uint32_t port_fwd, uint32_t to_back, uint32_t to_fwd) {
  route_reduce_bcast(reduce_color, bcast_color, pos, len, port_back, port_fwd, to_back, to_fwd);
  if (pos + 1 < len) wvp_route(chain_color, WVP_PORT_RAMP, to_fwd);
  if (pos > 0) wvp_route(chain_color, port_back, WVP_TO_RAMP);
}

/* One half of a line, the tiles from the root to one end: `pos` tiles from the root, `len` of them
 * with it. It reduces in groups of G from the root outwards, the last one possibly shorter, each to
 * its tile nearest the root, its leader; the leaders reduce to the root on their own color, which
 * the tiles between two leaders pass straight through. `port_away` faces away from the root,
 * `to_root` towards it. Adds the tile's chains to the line and writes the leaders' routes. */
__attribute__((cold, noinline)) static void add_half(line *l, uint32_t pos, uint32_t len, uint32_t color, uint32_t leader_color,
                                               uint32_t port_away, uint32_t to_root) {
  uint32_t g = 1;
  while (g * g < len) ++g;
  if (len < GROUPED_MIN_LEN) g = len;
  const uint32_t in_group = pos % g, rest = len - (pos - in_group), group_len = rest < g ? rest : g;
  const uint32_t group = pos / g, groups = (len + g - 1) / g, leaders_beyond = group + 1 < groups;
  if (group_len > 1) l->step[l->steps++] = (chain_step){color, in_group, group_len};
  if (in_group) {
    if (leaders_beyond) wvp_route(leader_color, port_away, to_root);
    return;
  }
  if (group > 0) wvp_route(leader_color, WVP_PORT_RAMP, to_root);
  if (leaders_beyond) wvp_route(leader_color, port_away, WVP_TO_RAMP);
  if (groups > 1) l->step[l->steps++] = (chain_step){leader_color, group, groups};
}

/* The half before the root reduces forward (east or south) on `forward` and its leaders' color,
 * the one after it back (west or north) on `back` and its leaders'. */
/* Fills `l` in place, field by field: a line returned or assigned whole is a 68-byte copy, which
 * code compiled for size makes a call to the C library's byte-wise memcpy (1,600 instructions a
 * tile at init). */
__attribute__((cold, noinline)) static void line_of(line *l, uint32_t pos, uint32_t len, uint32_t forward,
                                              uint32_t forward_leader, uint32_t back, uint32_t back_leader,
                                              uint32_t bcast_color, uint32_t port_back, uint32_t port_fwd,
                                              uint32_t to_back, uint32_t to_fwd) {
  const uint32_t root = wvp_line_root(len);
  l->pos = pos;
  l->len = len;
  l->root = root;
  l->bcast_color = bcast_color;
  l->steps = 0;
  if (pos <= root) add_half(l, root - pos, root + 1, forward, forward_leader, port_back, to_fwd);
  if (pos >= root) add_half(l, pos - root, len - root, back, back_leader, port_fwd, to_back);
}

void wvp_collectives_init(void) { wvp_collectives_init_block(0, 0, wvp_grid_w(), wvp_grid_h()); }

__attribute__((cold)) void wvp_collectives_init_block(uint32_t x0, uint32_t y0, uint32_t w, uint32_t h) {
  block_x = wvp_x() - x0;
  block_y = wvp_y() - y0;
  block_w = w;
  block_h = h;
  route_line(WVP_COLOR_ROW_REDUCE, WVP_COLOR_ROW_CHAIN, WVP_COLOR_ROW_BCAST, block_x, block_w, WVP_PORT_W, WVP_PORT_E,
             WVP_TO_W, WVP_TO_E);
  route_line(WVP_COLOR_COL_REDUCE, WVP_COLOR_COL_CHAIN, WVP_COLOR_COL_BCAST, block_y, block_h, WVP_PORT_N, WVP_PORT_S,
             WVP_TO_N, WVP_TO_S);
  line_of(&row_line, block_x, block_w, WVP_COLOR_ROW_CHAIN, WVP_COLOR_ROW_LEADER_FWD, WVP_COLOR_ROW_REDUCE,
          WVP_COLOR_ROW_LEADER, WVP_COLOR_ROW_BCAST, WVP_PORT_W, WVP_PORT_E, WVP_TO_W, WVP_TO_E);
  line_of(&col_line, block_y, block_h, WVP_COLOR_COL_CHAIN, WVP_COLOR_COL_LEADER_FWD, WVP_COLOR_COL_REDUCE,
          WVP_COLOR_COL_LEADER, WVP_COLOR_COL_BCAST, WVP_PORT_N, WVP_PORT_S, WVP_TO_N, WVP_TO_S);
}

__attribute__((cold)) void wvp_collectives_init_col_segment(uint32_t first_row, uint32_t rows) {
  const uint32_t pos = block_y - first_row;
  route_line(WVP_COLOR_SEG_REDUCE, WVP_COLOR_SEG_CHAIN, WVP_COLOR_SEG_BCAST, pos, rows, WVP_PORT_N, WVP_PORT_S, WVP_TO_N,
             WVP_TO_S);
  line_of(&seg_line, pos, rows, WVP_COLOR_SEG_CHAIN, WVP_COLOR_SEG_LEADER_FWD, WVP_COLOR_SEG_REDUCE, WVP_COLOR_SEG_LEADER,
          WVP_COLOR_SEG_BCAST, WVP_PORT_N, WVP_PORT_S, WVP_TO_N, WVP_TO_S);
}

uint32_t wvp_block_cores(void) { return block_w * block_h; }

uint32_t wvp_block_rank(void) { return block_y * block_w + block_x; }

/* ---- moving blocks: the tensor engine streams them ------------------------------------------ */

static void send_block(uint32_t color, const float *data, uint32_t n) {
  if (n) wvp_tensor_stream_out(color, WVP_FP32, data, n);
}

/* The wait for a collective's first wavelet is mostly waiting for the sender to finish its own
 * work, so the profiler counts it as synchronisation and the rest as transfer. The stream is
 * described before that wait, so that it starts as the first wavelet arrives: a receiver that
 * takes its time holds up the sender, and every tile before it on a broadcast. */
static void wait_first(uint32_t color, int first_of_collective) {
  if (!first_of_collective) return;
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_SYNC);
  wvp_peek(color);
  wvp_activity_end(before);
}

static void recv_block(uint32_t color, float *data, uint32_t n, int first_of_collective) {
  if (!n) return;
  if (n == 1) {  /* one wavelet: the core takes it itself, without a stream's start-up */
    wait_first(color, first_of_collective);
    data[0] = wvp_recv_f32(color);
    return;
  }
  wvp_tensor_describe_stream_in(color, WVP_FP32, data, n);
  wait_first(color, first_of_collective);
  wvp_tensor_go();
}

/* Receives n floats into data from color `from` and passes them on along color `to` as they come
 * (the chains' routes send the core's wavelets on to the next tile). */
static void forward_block(uint32_t from, uint32_t to, float *data, uint32_t n, int first_of_collective) {
  if (!n) return;
  wvp_tensor_describe_stream_forward(from, to, WVP_FP32, data, n);
  wait_first(from, first_of_collective);
  wvp_tensor_go();
}

static void bcast(uint32_t color, float *data, uint32_t n, int is_root) {
  if (is_root) send_block(color, data, n);
  else recv_block(color, data, n, 1);
}

static void row_bcast(float *data, uint32_t n, uint32_t root_x) {
  if (block_w > 1) bcast(WVP_COLOR_ROW_BCAST, data, n, block_x == root_x);
}

static void col_bcast(float *data, uint32_t n, uint32_t root_y) {
  if (block_h > 1) bcast(WVP_COLOR_COL_BCAST, data, n, block_y == root_y);
}

/* ---- reductions: one combine per hop, streamed ----------------------------------------------
 * In a chain, partials travel towards its position 0 element by element. The chain's far end
 * sends its data; each tile on the way combines what arrives with its own as it streams through
 * its tensor engine, one element per cycle (the arriving partial on the left: w + own, or
 * w > own ? w : own), and position 0 keeps the result. */

#define NO_BCAST UINT32_MAX

/* The most elements a root broadcasts while it still reduces them. Its last chain's tile next to
 * it is still sending its own partials then, so it cannot take the broadcast until it has sent
 * them all: the broadcast's wavelets wait in that tile's receive queue, its router's input buffer
 * and the root's send queue, and the root takes the partials into its receive queue and input
 * buffer meanwhile. With every queue and buffer at least one wavelet deep, 4 elements always
 * fit; more could fill them, and the two tiles would wait for each other for ever. */
#define FUSED_BCAST_MAX 4

/* The line's chains in order: its reduction to the root. With a `bcast_color` the root (position
 * 0 of every chain it runs) then broadcasts the result on it; a short vector's it sends out as its
 * last chain makes it, keeping it (KEEP), so that the broadcast starts with the reduction's first
 * element, not after its last. Not inlined: one copy serves every line, and the decode's model
 * regions get the bytes. */
__attribute__((noinline)) static void reduce(float *data, uint32_t n, wvp_reduce_op op, const line *l, uint32_t bcast_color) {
  const uint32_t tensor_op = op == WVP_MAX ? WVP_TENSOR_MAX : WVP_TENSOR_ADD;
  const int fused = bcast_color != NO_BCAST && n <= FUSED_BCAST_MAX;
  if (!n) return;
  for (uint32_t i = 0; i < l->steps; ++i) {
    const chain_step *s = &l->step[i];
    if (s->pos + 1 == s->len) {
      send_block(s->color, data, n);
      continue;
    }
    const int keep = fused && i + 1 == l->steps;
    const uint32_t out = keep ? WVP_TENSOR_TO_FABRIC | WVP_TENSOR_KEEP : s->pos > 0 ? WVP_TENSOR_TO_FABRIC : 0;
    wvp_tensor_stream_combine(tensor_op, s->color, WVP_FP32, data, out, keep ? bcast_color : s->pos > 0 ? s->color : (uintptr_t)data,
                              n);
  }
  if (bcast_color != NO_BCAST && !fused) send_block(bcast_color, data, n);
}

/* Along a row, a column or a column segment: reduced to the root, which broadcasts the result. */
__attribute__((noinline)) static void line_allreduce(float *data, uint32_t n, wvp_reduce_op op, const line *l) {
  if (l->len < 2) return;
  const int root = l->pos == l->root;
  reduce(data, n, op, l, root ? l->bcast_color : NO_BCAST);
  if (!root) recv_block(l->bcast_color, data, n, 1);
}

/* Rows reduce to their roots and the roots' column all-reduces; each root passes the column's
 * result on along its row as it arrives (the column's root sends it once it has it). */
static void allreduce(float *data, uint32_t n, wvp_reduce_op op) {
  if (block_h < 2) {
    line_allreduce(data, n, op, &row_line);
    return;
  }
  reduce(data, n, op, &row_line, NO_BCAST);
  if (row_line.pos != row_line.root) {
    recv_block(WVP_COLOR_ROW_BCAST, data, n, 1);
    return;
  }
  const int col_root = col_line.pos == col_line.root;
  reduce(data, n, op, &col_line, col_root ? WVP_COLOR_COL_BCAST : NO_BCAST);
  if (col_root) row_bcast(data, n, row_line.root);
  else if (block_w > 1) forward_block(WVP_COLOR_COL_BCAST, WVP_COLOR_ROW_BCAST, data, n, 1);
  else recv_block(WVP_COLOR_COL_BCAST, data, n, 1);
}

/* ---- all-gather ------------------------------------------------------------------------------
 * Core k holds items [k * share + min(k, extra), ...) (wvp_rows_of's split). Position p of a
 * line of `len` holds the items of cores [base + p * step, ... + per): a tile (per = 1) in the
 * row phase, a whole row (per = W) in the column phase. */
typedef struct {
  float *y;
  uint32_t item_floats, share, extra;
  uint32_t base, step, per;
} line_parts;

static uint32_t first_item(const line_parts *l, uint32_t core) {
  return core * l->share + (core < l->extra ? core : l->extra);
}

/* No division: the gather asks for every part of every line, for every collective. */
static float *part_of(const line_parts *l, uint32_t p, uint32_t *n) {
  const uint32_t lo = l->base + p * l->step, first = first_item(l, lo);
  *n = (first_item(l, lo + l->per) - first) * l->item_floats;
  return l->y + first * l->item_floats;
}

/* One part's turn at this tile in a sweep: the owner sends it, the others keep and pass it on
 * (the sweep's last tile only keeps it). */
static void pass_part(uint32_t color, float *part, uint32_t n, int own, int passes_on, int *first) {
  if (!n) return;
  if (own) {
    if (passes_on) send_block(color, part, n);
    return;
  }
  if (passes_on) forward_block(color, color, part, n, *first);
  else recv_block(color, part, n, *first);
  *first = 0;
}

/* Parts travel towards position 0 on the reduce color, each tile sending its own part first,
 * then every part from further away. Those come in the order they lie in (the next tile's part,
 * then the ones behind it), so they are taken and passed on as one block, not part by part. Tile
 * 0 only receives, so the sweep drains from its end and cannot deadlock. */
static void sweep_to_start(const line_parts *l, uint32_t pos, uint32_t len, uint32_t reduce_color, int *first) {
  uint32_t n, beyond;
  float *own = part_of(l, pos, &n);
  pass_part(reduce_color, own, n, 1, pos > 0, first);
  if (pos + 1 == len) return;
  float *further = part_of(l, pos + 1, &beyond);
  beyond = (uint32_t)(part_of(l, len, &n) - further);
  pass_part(reduce_color, further, beyond, 0, pos > 0, first);
}

/* The sweep to the start, then one towards len - 1 on the chain color, which tile len - 1 only
 * receives. */
static void gather_line(const line_parts *l, uint32_t pos, uint32_t len, uint32_t reduce_color, uint32_t chain_color) {
  int first = 1;
  uint32_t n;
  sweep_to_start(l, pos, len, reduce_color, &first);
  for (uint32_t p = pos + 1; p-- > 0;) {
    float *part = part_of(l, p, &n);
    pass_part(chain_color, part, n, p == pos, pos + 1 < len, &first);
  }
}

static void allgather(float *y, uint32_t items, uint32_t item_floats) {
  const uint32_t cores = block_w * block_h;
  line_parts l = {y, item_floats, items / cores, items % cores, block_y * block_w, 1, 1};
  if (block_w > 1) gather_line(&l, block_x, block_w, WVP_COLOR_ROW_REDUCE, WVP_COLOR_ROW_CHAIN);
  l.base = 0, l.step = block_w, l.per = block_w;
  if (block_h > 1) gather_line(&l, block_y, block_h, WVP_COLOR_COL_REDUCE, WVP_COLOR_COL_CHAIN);
}

/* A column's items split over its tiles (one part per tile). */
static void col_allgather(float *y, uint32_t items, uint32_t item_floats) {
  const line_parts l = {y, item_floats, items / block_h, items % block_h, 0, 1, 1};
  if (block_h > 1) gather_line(&l, block_y, block_h, WVP_COLOR_COL_REDUCE, WVP_COLOR_COL_CHAIN);
}

/* Each row's items to its first tile, then the rows' up column 0. */
static void gather_2d(float *y, uint32_t items, uint32_t item_floats) {
  const line_parts rows = {y, item_floats, items / block_h, items % block_h, 0, 1, 1};
  uint32_t n;
  float *mine = part_of(&rows, block_y, &n);
  const uint32_t row_items = n / item_floats;
  const line_parts row = {mine, item_floats, row_items / block_w, row_items % block_w, 0, 1, 1};
  int first = 1;
  if (block_w > 1) sweep_to_start(&row, block_x, block_w, WVP_COLOR_ROW_REDUCE, &first);
  first = 1;
  if (block_x == 0 && block_h > 1) sweep_to_start(&rows, block_y, block_h, WVP_COLOR_COL_REDUCE, &first);
}

/* ---- the public collectives ----------------------------------------------------------------
 * They mark their time for the profiler (wvp/phases.h): moving data is FABRIC, agreeing on one
 * value or point in time is SYNC. */
#define MARKED(activity, call)                             \
  do {                                                     \
    const uint32_t before_ = wvp_activity_begin(activity); \
    call;                                                  \
    wvp_activity_end(before_);                             \
  } while (0)

void wvp_row_bcast_f32(float *data, uint32_t n, uint32_t root_x) { MARKED(WVP_ACTIVITY_FABRIC, row_bcast(data, n, root_x)); }

void wvp_col_bcast_f32(float *data, uint32_t n, uint32_t root_y) { MARKED(WVP_ACTIVITY_FABRIC, col_bcast(data, n, root_y)); }

void wvp_bcast_f32(float *data, uint32_t n, uint32_t root_x, uint32_t root_y) {
  const uint32_t before = wvp_activity_begin(WVP_ACTIVITY_FABRIC);
  if (block_x == root_x) col_bcast(data, n, root_y);
  row_bcast(data, n, root_x);
  wvp_activity_end(before);
}

void wvp_allreduce_f32(float *data, uint32_t n, wvp_reduce_op op) { MARKED(WVP_ACTIVITY_FABRIC, allreduce(data, n, op)); }

void wvp_row_allreduce_f32(float *data, uint32_t n, wvp_reduce_op op) {
  MARKED(WVP_ACTIVITY_FABRIC, line_allreduce(data, n, op, &row_line));
}

void wvp_col_allreduce_f32(float *data, uint32_t n, wvp_reduce_op op) {
  MARKED(WVP_ACTIVITY_FABRIC, line_allreduce(data, n, op, &col_line));
}

void wvp_col_segment_allreduce_f32(float *data, uint32_t n, wvp_reduce_op op) {
  MARKED(WVP_ACTIVITY_FABRIC, line_allreduce(data, n, op, &seg_line));
}

void wvp_allgather_f32(float *y, uint32_t items, uint32_t item_floats) {
  MARKED(WVP_ACTIVITY_FABRIC, allgather(y, items, item_floats));
}

void wvp_col_allgather_f32(float *y, uint32_t items, uint32_t item_floats) {
  MARKED(WVP_ACTIVITY_FABRIC, col_allgather(y, items, item_floats));
}

void wvp_gather_2d_f32(float *y, uint32_t items, uint32_t item_floats) { MARKED(WVP_ACTIVITY_FABRIC, gather_2d(y, items, item_floats)); }

static void argmax(float value, uint32_t index, float *best, uint32_t *best_index) {
  float top = value;
  allreduce(&top, 1, WVP_MAX);
  /* The smallest index is the largest negated one; cores without the maximum offer -2^24. */
  float neg = wvp_select_f32(value == top, -(float)index, -16777216.0f);
  allreduce(&neg, 1, WVP_MAX);
  *best = top;
  *best_index = (uint32_t)(-neg);
}

void wvp_allreduce_argmax(float value, uint32_t index, float *best, uint32_t *best_index) {
  MARKED(WVP_ACTIVITY_SYNC, argmax(value, index, best, best_index));
}

void wvp_barrier(void) {
  float token = 0.0f;
  MARKED(WVP_ACTIVITY_SYNC, allreduce(&token, 1, WVP_SUM));
}
