/* Checks every collective of wvp/collectives.h on the whole grid, with roots at the edges and
 * in the middle, all-gathers (and 2-D gathers) of uneven shares and column segments' all-reduces,
 * on lines short enough for one chain and long enough for grouped reductions, and prints
 * "collectives ok" from PE (0,0); any core that sees a wrong value prints it and exits with the
 * number of the failed check. */
#include <stdint.h>
#include <stdio.h>
#include <wvp/collectives.h>
#include <wvp/hal.h>
#include <wvp/shard.h>

#define N 40 /* longer than the queues: broadcasts meet backpressure */
#define GATHERED 3 * 70 /* the largest all-gather below */

static uint32_t x, y, w, h;

static int check(int id, const float *got, const float *want, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    if (got[i] != want[i]) {
      printf("check %d: element %u is %.1f, expected %.1f\n", id, (unsigned)i, (double)got[i], (double)want[i]);
      return id;
    }
  return 0;
}

/* The value tile (tx, ty) contributes to element i: distinct per tile and element, and small
 * enough that every sum is exact in fp32. */
static float value(uint32_t tx, uint32_t ty, uint32_t i) { return (float)((ty * w + tx) * 8 + i); }

int main(void) {
  x = wvp_x(), y = wvp_y(), w = wvp_grid_w(), h = wvp_grid_h();
  wvp_collectives_init();
  float data[N], want[N];
  int failed = 0;

  /* Row broadcast from the last column, then from the middle one. */
  for (uint32_t root = w - 1, round = 0; round < 2; root = w / 2, ++round) {
    for (uint32_t i = 0; i < N; ++i) data[i] = value(x, y, i), want[i] = value(root, y, i);
    wvp_row_bcast_f32(data, N, root);
    if (!failed) failed = check(1 + (int)round, data, want, N);
  }
  /* Column broadcast from the middle row. */
  for (uint32_t i = 0; i < N; ++i) data[i] = value(x, y, i), want[i] = value(x, h / 2, i);
  wvp_col_bcast_f32(data, N, h / 2);
  if (!failed) failed = check(3, data, want, N);

  /* Row all-reduce (max, then sum) and column all-reduce (max): every tile gets the result. */
  for (uint32_t i = 0; i < N; ++i) data[i] = value(x, y, i), want[i] = value(w - 1, y, i);
  wvp_row_allreduce_f32(data, N, WVP_MAX);
  if (!failed) failed = check(4, data, want, N);
  for (uint32_t i = 0; i < N; ++i) {
    data[i] = value(x, y, i);
    want[i] = 0;
    for (uint32_t k = 0; k < w; ++k) want[i] += value(k, y, i);
  }
  wvp_row_allreduce_f32(data, N, WVP_SUM);
  if (!failed) failed = check(5, data, want, N);
  for (uint32_t i = 0; i < N; ++i) {
    data[i] = -value(x, y, i);
    want[i] = -value(x, 0, i);  /* the largest of the negated values is row 0's */
  }
  wvp_col_allreduce_f32(data, N, WVP_MAX);
  if (!failed) failed = check(6, data, want, N);

  /* All-reduce max over the grid, and a barrier. */
  for (uint32_t i = 0; i < N; ++i) data[i] = value(x, y, i), want[i] = value(w - 1, h - 1, i);
  wvp_allreduce_f32(data, N, WVP_MAX);
  if (!failed) failed = check(7, data, want, N);
  wvp_barrier();

  /* Argmax with a tie: the cores in the last row all hold the maximum, above every other core's
   * number; the first of them wins. */
  float best;
  uint32_t best_index;
  const uint32_t id = y * w + x;
  const float top = (float)(w * h);
  wvp_allreduce_argmax(y == h - 1 ? top : (float)id, id * 3, &best, &best_index);
  if (!failed && (best != top || best_index != (h - 1) * w * 3)) {
    printf("check 8: argmax %.1f at %u, expected %.1f at %u\n", (double)best, (unsigned)best_index, (double)top,
           (unsigned)((h - 1) * w * 3));
    failed = 8;
  }

  /* Short vectors, which a line's root broadcasts while it reduces them (up to 4 elements), and
   * one longer: sums over the grid, the row and the column of 1 to 5 elements. */
  for (uint32_t n = 1; n <= 5; ++n)
    for (uint32_t over = 0; over < 3; ++over) {
      for (uint32_t i = 0; i < n; ++i) {
        data[i] = value(x, y, i);
        want[i] = 0;
        for (uint32_t ty = 0; ty < h; ++ty)
          for (uint32_t tx = 0; tx < w; ++tx)
            if ((over == 0) || (over == 1 && ty == y) || (over == 2 && tx == x)) want[i] += value(tx, ty, i);
      }
      if (over == 0) wvp_allreduce_f32(data, n, WVP_SUM);
      else if (over == 1) wvp_row_allreduce_f32(data, n, WVP_SUM);
      else wvp_col_allreduce_f32(data, n, WVP_SUM);
      if (!failed) failed = check(19 + (int)over, data, want, n);
    }

  /* Broadcast over the grid from a tile inside it. */
  for (uint32_t i = 0; i < N; ++i) data[i] = value(x, y, i), want[i] = value(w / 2, h - 1, i);
  wvp_bcast_f32(data, N, w / 2, h - 1);
  if (!failed) failed = check(9, data, want, N);

  /* All-gathers: as many items as cores, more (uneven shares), fewer (cores without items), and
   * items of several floats. Every item starts out wrong except this core's own. */
  static const uint32_t item_counts[][2] = {{0, 1}, {70, 1}, {5, 3}, {70, 3}};
  for (uint32_t round = 0; round < 4; ++round) {
    const uint32_t items = item_counts[round][0] ? item_counts[round][0] : w * h, floats = item_counts[round][1];
    static float gathered[GATHERED];
    const wvp_range mine = wvp_shard_rows(items);
    for (uint32_t i = 0; i < items * floats; ++i) {
      const int own = i / floats >= mine.first && i / floats < mine.first + mine.count;
      gathered[i] = own ? (float)(i * 7 + 1) : -1.0f;
    }
    wvp_allgather_f32(gathered, items, floats);
    for (uint32_t i = 0; i < items * floats && !failed; ++i)
      if (gathered[i] != (float)(i * 7 + 1)) {
        printf("check %u: all-gather of %u items x %u: element %u is %.1f\n", (unsigned)(10 + round), (unsigned)items,
               (unsigned)floats, (unsigned)i, (double)gathered[i]);
        failed = 10 + (int)round;
      }
  }

  /* The same to the first tile, the items split by row, then each row's by column. */
  for (uint32_t round = 0; round < 4 && !failed; ++round) {
    const uint32_t items = item_counts[round][0] ? item_counts[round][0] : w * h, floats = item_counts[round][1];
    static float gathered[GATHERED];
    const wvp_range row = wvp_range_of(items, h, y), part = wvp_range_of(row.count, w, x);
    for (uint32_t i = 0; i < items * floats; ++i) {
      const uint32_t item = i / floats;
      const int own = item >= row.first + part.first && item < row.first + part.first + part.count;
      gathered[i] = own ? (float)(i * 7 + 1) : -1.0f;
    }
    wvp_gather_2d_f32(gathered, items, floats);
    for (uint32_t i = 0; i < items * floats && !failed && x == 0 && y == 0; ++i)
      if (gathered[i] != (float)(i * 7 + 1)) {
        printf("check %u: 2-D gather of %u items x %u: element %u is %.1f\n", (unsigned)(14 + round), (unsigned)items,
               (unsigned)floats, (unsigned)i, (double)gathered[i]);
        failed = 14 + (int)round;
      }
  }

  /* Column segments: the column's first half and the rest, each summed apart. */
  if (h >= 2) {
    const uint32_t half = h / 2, first = y < half ? 0 : half, rows = y < half ? half : h - half;
    wvp_collectives_init_col_segment(first, rows);
    for (uint32_t i = 0; i < N; ++i) {
      data[i] = value(x, y, i);
      want[i] = 0;
      for (uint32_t k = first; k < first + rows; ++k) want[i] += value(x, k, i);
    }
    wvp_col_segment_allreduce_f32(data, N, WVP_SUM);
    if (!failed) failed = check(18, data, want, N);
  }

  if (!failed && x == 0 && y == 0) printf("collectives ok on %ux%u\n", (unsigned)w, (unsigned)h);
  return failed;
}
