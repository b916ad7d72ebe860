/* Collectives as chains of wavelets: each tile adds its part to what its neighbour sends and
 * passes the result on, so one reduction step per hop and elements stream behind each other. */
#include <wvp/collectives.h>
#include <wvp/hal.h>

static uint32_t grid_x, grid_y, grid_w, grid_h;

/* Routes that are the same for every tile of a line: a wavelet entering from the far side goes
 * to this tile's core; the core's wavelets go towards the line's start (reduce), or both ways
 * and on along the line (broadcast, whatever tile is the root). */
static void route_line(uint32_t reduce_color, uint32_t bcast_color, uint32_t pos, uint32_t len, uint32_t port_back,
                       uint32_t port_fwd, uint32_t to_back, uint32_t to_fwd) {
  const uint32_t has_back = pos > 0, has_fwd = pos + 1 < len;
  if (has_back) wvp_route(reduce_color, WVP_PORT_RAMP, to_back);
  if (has_fwd) wvp_route(reduce_color, port_fwd, WVP_TO_RAMP);
  uint32_t from_core = (has_back ? to_back : 0) | (has_fwd ? to_fwd : 0);
  if (from_core) wvp_route(bcast_color, WVP_PORT_RAMP, from_core);
  if (has_back) wvp_route(bcast_color, port_back, WVP_TO_RAMP | (has_fwd ? to_fwd : 0));
  if (has_fwd) wvp_route(bcast_color, port_fwd, WVP_TO_RAMP | (has_back ? to_back : 0));
}

void wvp_collectives_init(void) {
  grid_x = wvp_x();
  grid_y = wvp_y();
  grid_w = wvp_grid_w();
  grid_h = wvp_grid_h();
  route_line(WVP_COLOR_ROW_REDUCE, WVP_COLOR_ROW_BCAST, grid_x, grid_w, WVP_PORT_W, WVP_PORT_E, WVP_TO_W, WVP_TO_E);
  route_line(WVP_COLOR_COL_REDUCE, WVP_COLOR_COL_BCAST, grid_y, grid_h, WVP_PORT_N, WVP_PORT_S, WVP_TO_N, WVP_TO_S);
}

static void bcast(uint32_t color, float *data, uint32_t n, int is_root) {
  for (uint32_t i = 0; i < n; ++i) {
    if (is_root) wvp_send_f32(color, data[i]);
    else data[i] = wvp_recv_f32(color);
  }
}

void wvp_row_bcast_f32(float *data, uint32_t n, uint32_t root_x) {
  if (grid_w > 1) bcast(WVP_COLOR_ROW_BCAST, data, n, grid_x == root_x);
}

void wvp_col_bcast_f32(float *data, uint32_t n, uint32_t root_y) {
  if (grid_h > 1) bcast(WVP_COLOR_COL_BCAST, data, n, grid_y == root_y);
}

static float combine(float a, float b, wvp_reduce_op op) {
  if (op == WVP_MAX) return a > b ? a : b;
  return a + b;
}

static void reduce(uint32_t color, float *data, uint32_t n, wvp_reduce_op op, uint32_t pos, uint32_t len) {
  const int last = pos + 1 == len;
  for (uint32_t i = 0; i < n; ++i) {
    const float partial = last ? data[i] : combine(wvp_recv_f32(color), data[i], op);
    if (pos > 0) wvp_send_f32(color, partial);
    else data[i] = partial;
  }
}

void wvp_row_reduce_f32(float *data, uint32_t n, wvp_reduce_op op) {
  reduce(WVP_COLOR_ROW_REDUCE, data, n, op, grid_x, grid_w);
}

void wvp_col_reduce_f32(float *data, uint32_t n, wvp_reduce_op op) {
  reduce(WVP_COLOR_COL_REDUCE, data, n, op, grid_y, grid_h);
}

void wvp_allreduce_f32(float *data, uint32_t n, wvp_reduce_op op) {
  wvp_row_reduce_f32(data, n, op);
  if (grid_x == 0) {
    wvp_col_reduce_f32(data, n, op);
    wvp_col_bcast_f32(data, n, 0);
  }
  wvp_row_bcast_f32(data, n, 0);
}

void wvp_allreduce_argmax(float value, uint32_t index, float *best, uint32_t *best_index) {
  float top = value;
  wvp_allreduce_f32(&top, 1, WVP_MAX);
  /* The smallest index is the largest negated one; cores without the maximum offer -2^24. */
  float neg = value == top ? -(float)index : -16777216.0f;
  wvp_allreduce_f32(&neg, 1, WVP_MAX);
  *best = top;
  *best_index = (uint32_t)(-neg);
}

void wvp_barrier(void) {
  float token = 0.0f;
  wvp_allreduce_f32(&token, 1, WVP_SUM);
}
