// 64b/66b PCS of IEEE 802.3 clause 49: the encoder (scrambler, sync header;
// pcs64b66b_enc.sv) and the decoder (block lock, SLIP, descrambler; pcs64b66b_dec.sv), one
// 66-bit block per clock on the line side, no gearbox. The twin is models/link/pcs.h, which
// says what is and is not modelled.
//
// Line words carry 66 line bits with the first transmitted in bit 0: a block is
// {payload[63:0], sync[1:0]}, and the data sync header "01" of 802.3 (line order) is 2'b10.
// The configuration inputs are static: they are sampled at reset or continuously compared,
// and must not change while rst is low.

// Both sides with their configuration; they share nothing but the clock and reset.
module pcs64b66b (
    input  logic        clk,
    input  logic        rst,
    input  logic [57:0] cfg_scrambler_seed,
    input  logic [15:0] cfg_lock_valid_headers,
    input  logic [15:0] cfg_window_headers,
    input  logic [15:0] cfg_unlock_invalid_headers,
    input  logic        tx_valid,
    input  logic        tx_control,
    input  logic [63:0] tx_payload,
    output logic        tx_out_valid,
    output logic [65:0] tx_out_block,
    input  logic        rx_valid,
    input  logic [65:0] rx_word,
    output logic        rx_out_valid,
    output logic [63:0] rx_out_payload,
    output logic        rx_out_control,
    output logic        rx_out_header_valid,
    output logic        block_lock,
    output logic [63:0] rx_blocks,
    output logic [63:0] rx_invalid_headers,
    output logic [63:0] rx_slips
);
  pcs64b66b_enc enc (
      .clk, .rst, .cfg_scrambler_seed,
      .in_valid(tx_valid), .in_control(tx_control), .in_payload(tx_payload),
      .out_valid(tx_out_valid), .out_block(tx_out_block)
  );
  pcs64b66b_dec dec (
      .clk, .rst, .cfg_scrambler_seed, .cfg_lock_valid_headers, .cfg_window_headers,
      .cfg_unlock_invalid_headers, .rx_valid, .rx_word,
      .out_valid(rx_out_valid), .out_payload(rx_out_payload), .out_control(rx_out_control),
      .out_header_valid(rx_out_header_valid), .block_lock,
      .blocks(rx_blocks), .invalid_headers(rx_invalid_headers), .slips(rx_slips)
  );
endmodule
