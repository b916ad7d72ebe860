/* Collectives over the fabric for SPMD firmware: broadcast and all-reduce along a row or column,
 * broadcast, all-reduce, all-gather and argmax over the grid (or a block of it), barrier.
 *
 * Every core calls wvp_collectives_init() (or _init_block) once, then the same collectives in the
 * same order as the other cores of its block (they are matched by order, as in MPI). The library
 * owns colors 0 to WVP_COLORS_RESERVED - 1 and uses the tile's tensor engine (it must be idle at
 * the call); firmware may use the other colors freely. Data moves one fp32 wavelet at a time,
 * pipelined from tile to tile: a vector of n floats along a row of W tiles takes about W + n
 * hops, not W * n. */
#ifndef WVP_COLLECTIVES_H
#define WVP_COLLECTIVES_H

#include <stdint.h>

#define WVP_COLOR_ROW_REDUCE 0 /* flows west: partial results towards a row's root (and to x = 0: gathers) */
#define WVP_COLOR_COL_REDUCE 1 /* flows north: the same for a column */
#define WVP_COLOR_ROW_BCAST  2 /* from any tile of a row to the rest of it, both ways */
#define WVP_COLOR_COL_BCAST  3 /* from any tile of a column to the rest of it */
#define WVP_COLOR_ROW_CHAIN  4 /* flows east, one hop: all-gather, and partial results towards a row's root */
#define WVP_COLOR_COL_CHAIN  5 /* flows south, one hop: the same for a column */
#define WVP_COLOR_SEG_REDUCE 6 /* a column segment's: flows north */
#define WVP_COLOR_SEG_BCAST  7 /* from a column segment's root to the rest of it */
#define WVP_COLOR_ROW_LEADER 8 /* flows west: a row's groups' partial results, leader to leader */
#define WVP_COLOR_COL_LEADER 9 /* flows north: the same for a column */
#define WVP_COLOR_SEG_LEADER 10 /* flows north: the same for a column segment */
#define WVP_COLOR_SEG_CHAIN  11 /* a column segment's: flows south */
#define WVP_COLOR_ROW_LEADER_FWD 12 /* flows east: leader to leader */
#define WVP_COLOR_COL_LEADER_FWD 13 /* flows south */
#define WVP_COLOR_SEG_LEADER_FWD 14 /* flows south */
#define WVP_COLORS_RESERVED  15

typedef enum { WVP_SUM, WVP_MAX } wvp_reduce_op;

/* Writes this tile's routes for the library's colors: the collectives run over the whole grid. */
void wvp_collectives_init(void);
/* The same for the block of w x h tiles from (x0, y0), which holds this tile: its collectives
 * involve its own tiles only and their routes stay inside it, so blocks that do not overlap run
 * theirs independently. Below, "grid", "row", "column", coordinates and core numbers are the
 * block's. */
void wvp_collectives_init_block(uint32_t x0, uint32_t y0, uint32_t w, uint32_t h);
/* After _init or _init_block: this tile's column segment, the block rows [first_row, first_row +
 * rows) of its column, which holds it. Segments that do not overlap run theirs independently. */
void wvp_collectives_init_col_segment(uint32_t first_row, uint32_t rows);
/* The block's cores, and this core's number among them (row-major). */
uint32_t wvp_block_cores(void);
uint32_t wvp_block_rank(void);

/* The tile at x = root_x (y = root_y) sends data[0..n); every other tile of its row (column)
 * receives it into data. */
void wvp_row_bcast_f32(float *data, uint32_t n, uint32_t root_x);
void wvp_col_bcast_f32(float *data, uint32_t n, uint32_t root_y);

/* The tile (root_x, root_y) sends data[0..n); every other tile of the grid receives it. */
void wvp_bcast_f32(float *data, uint32_t n, uint32_t root_x, uint32_t root_y);
/* Element-wise reduction of data[0..n) over the row (column); every tile gets the result in data,
 * the same bits. The line's root is its middle tile, r = (len - 1) / 2, on a line of 64 tiles or
 * more, else its first, r = 0. The tiles before it and the tiles after it each reduce towards it:
 * a half of 128 tiles or more in groups of G = ceil(sqrt(half's tiles)) from the root outwards,
 * each group's result taken from its far end inwards ((d[far] + d[far - 1]) + ... + d[leader]),
 * then the groups' the same way; a shorter half is one group. The root adds the half before it to
 * its own, then the half after it, and broadcasts the result both ways. */
void wvp_row_allreduce_f32(float *data, uint32_t n, wvp_reduce_op op);
void wvp_col_allreduce_f32(float *data, uint32_t n, wvp_reduce_op op);

/* wvp_col_allreduce_f32 over this tile's column segment. */
void wvp_col_segment_allreduce_f32(float *data, uint32_t n, wvp_reduce_op op);

/* Element-wise reduction over the whole grid; every tile gets the result in data. Rows reduce
 * to their roots, the root column all-reduces, and its tiles broadcast along their rows. */
void wvp_allreduce_f32(float *data, uint32_t n, wvp_reduce_op op);

/* y holds `items` items of `item_floats` floats, split over the cores like matrix rows
 * (wvp_shard_rows(items): core k's items follow core k-1's). Every core passes in its own items
 * and gets all of them. Moves about (W + H) parts per tile, each at one wavelet per cycle. */
void wvp_allgather_f32(float *y, uint32_t items, uint32_t item_floats);
/* The same along a column: its items are split over the column's tiles (wvp_rows_of(items, H, y)),
 * and every tile of the column gets all of them. */
void wvp_col_allgather_f32(float *y, uint32_t items, uint32_t item_floats);
/* y holds `items` items split over the block's rows (wvp_rows_of(items, H, y)) and each row's
 * over its tiles (wvp_rows_of(the row's, W, x)), as a matrix's rows split by block row, then by
 * column. The block's first tile (0, 0) gets all of them: a sweep along each row to its first
 * tile, then one up column 0, about half an all-gather's time. */
void wvp_gather_2d_f32(float *y, uint32_t items, uint32_t item_floats);
/* The largest `value` over the grid and, among the cores that hold it, the smallest `index`
 * (the first maximum, as a sequential argmax finds it); every core gets both. Indices must be
 * below 2^24 (they travel as exact fp32). */
void wvp_allreduce_argmax(float value, uint32_t index, float *best, uint32_t *best_index);

/* Returns once every core of the grid has called it. */
void wvp_barrier(void);

#endif /* WVP_COLLECTIVES_H */
