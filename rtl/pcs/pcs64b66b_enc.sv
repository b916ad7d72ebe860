// 64b/66b PCS transmit side (IEEE 802.3 clause 49; see pcs64b66b.sv): one block in, its 66-bit
// coded block out on the next clock.
module pcs64b66b_enc (
    input  logic        clk,
    input  logic        rst,
    input  logic [57:0] cfg_scrambler_seed,
    input  logic        in_valid,
    input  logic        in_control,
    input  logic [63:0] in_payload,
    output logic        out_valid,
    output logic [65:0] out_block
);
  // The last 58 scrambled bits sent, the most recent in bit 57.
  logic [57:0] state;
  logic [63:0] state_only, scrambled;

  // S_n = D_n ^ S_(n-39) ^ S_(n-58) for 64 bits at once: taps that fall inside this block
  // reach only bits that depend on the state alone, so two shifts of that part unroll it.
  always_comb begin
    state_only = in_payload ^ {6'd0, state} ^ {25'd0, state[57:19]};
    scrambled  = state_only ^ (state_only << 39) ^ (state_only << 58);
  end

  always_ff @(posedge clk) begin
    if (rst) begin
      state     <= cfg_scrambler_seed;
      out_valid <= 1'b0;
      out_block <= '0;
    end else begin
      out_valid <= in_valid;
      if (in_valid) begin
        state     <= scrambled[63:6];
        out_block <= {scrambled, in_control ? 2'b01 : 2'b10};
      end
    end
  end
endmodule
