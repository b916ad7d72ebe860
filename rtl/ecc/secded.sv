// (39,32) SECDED code for the 32-bit SRAM words: corrects any single flipped bit (data or
// check) and detects any two. It is a Hsiao code (odd-weight-column), not an extended
// Hamming code: every column of the parity-check matrix has odd weight, so the syndrome's
// parity alone tells a single error (odd) from a double one (even, never zero), without the
// overall-parity bit and its 33-input XOR that extended Hamming needs.
//
// Columns: data bit i gets the i-th weight-3 vector of 7 bits in increasing order, leaving out
// 0000111, 0111000 and 1100001 (35 exist, 32 are needed; those three leave the rows with 13 or
// 14 terms each, so the check-bit XOR trees are as shallow as they can be). Check bit j gets
// the weight-1 column (1 << j). The check-bit equations (d = data, c = check):
//   c0 = ^(d & 32'h012C_965B) = d0^d1^d3^d4^d6^d9^d10^d12^d15^d18^d19^d21^d24
//   c1 = ^(d & 32'h1255_2AAD) = d0^d2^d3^d5^d7^d9^d11^d13^d16^d18^d20^d22^d25^d28
//   c2 = ^(d & 32'h249A_4D36) = d1^d2^d4^d5^d8^d10^d11^d14^d17^d19^d20^d23^d26^d29
//   c3 = ^(d & 32'h48E0_71C7) = d0^d1^d2^d6^d7^d8^d12^d13^d14^d21^d22^d23^d27^d30
//   c4 = ^(d & 32'h8F03_81F8) = d3^d4^d5^d6^d7^d8^d15^d16^d17^d24^d25^d26^d27^d31
//   c5 = ^(d & 32'hF003_FE00) = d9^d10^d11^d12^d13^d14^d15^d16^d17^d28^d29^d30^d31
//   c6 = ^(d & 32'hFFFC_0000) = d18^d19^d20^d21^d22^d23^d24^d25^d26^d27^d28^d29^d30^d31
//
// Decoding: syndrome = received check ^ check bits of the received data.
//   zero                        no error
//   equal to a data column      that data bit flipped: corrected
//   weight 1                    that check bit flipped: corrected (the data is already right)
//   anything else               uncorrectable: every double error (even weight) and the odd-
//                               weight syndromes no column has (three or more flips); the data
//                               is passed through as received
// models/sram/secded.cpp is the C++ twin; the co-simulation regression holds the two equal.
//
// Purely combinational: the encoder and the decoder are independent paths of one block, so the
// transactor needs no clock and one evaluation is one transaction.
module secded (
    input  logic [31:0] enc_data_i,
    output logic [ 6:0] enc_check_o,

    input  logic [31:0] dec_data_i,
    input  logic [ 6:0] dec_check_i,
    output logic [31:0] dec_data_o,
    output logic        dec_corrected_o,
    output logic        dec_uncorrectable_o,
    output logic [ 6:0] dec_syndrome_o
);
  // Row j: the data bits check bit j covers.
  localparam logic [6:0][31:0] CheckMask = {
    32'hFFFC_0000, 32'hF003_FE00, 32'h8F03_81F8, 32'h48E0_71C7,
    32'h249A_4D36, 32'h1255_2AAD, 32'h012C_965B
  };

  function automatic logic [6:0] check_bits(logic [31:0] data);
    for (int j = 0; j < 7; j++) check_bits[j] = ^(data & CheckMask[j]);
  endfunction

  // Column i of the parity-check matrix: the check bits data bit i feeds.
  function automatic logic [6:0] column(logic [4:0] i);
    for (int j = 0; j < 7; j++) column[j] = CheckMask[j][i];
  endfunction

  logic [ 6:0] syndrome;
  logic [31:0] flip;
  logic        check_bit_error;

  assign enc_check_o = check_bits(enc_data_i);
  assign syndrome = dec_check_i ^ check_bits(dec_data_i);

  for (genvar i = 0; i < 32; i++) begin : g_flip
    assign flip[i] = syndrome == column(5'(i));
  end
  // A check bit alone flipped leaves a one-hot syndrome; no data column is one-hot.
`ifdef WVP_RTL_BUG
  // The deliberate bug, for the co-simulation to catch: a flipped c6 is taken for a double error.
  assign check_bit_error = syndrome != 0 && (syndrome & (syndrome - 7'd1)) == 0 && !syndrome[6];
`else
  assign check_bit_error = syndrome != 0 && (syndrome & (syndrome - 7'd1)) == 0;
`endif

  assign dec_data_o = dec_data_i ^ flip;
  assign dec_corrected_o = |flip || check_bit_error;
  assign dec_uncorrectable_o = syndrome != 0 && !dec_corrected_o;
  assign dec_syndrome_o = syndrome;
endmodule
