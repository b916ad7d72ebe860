// 64b/66b PCS receive side (IEEE 802.3 clause 49; see pcs64b66b.sv): 66 line bits in per valid
// clock, in any alignment to the blocks. The block is cut out of the previous and the current
// word at a bit offset of 1 to 66 (66: the current word exactly), so it leaves on the clock its
// last bit arrives. SLIP moves the offset one bit later; past 66 it wraps to 1 and the next
// word completes no block.
module pcs64b66b_dec (
    input  logic        clk,
    input  logic        rst,
    input  logic [57:0] cfg_scrambler_seed,
    input  logic [15:0] cfg_lock_valid_headers,
    input  logic [15:0] cfg_window_headers,
    input  logic [15:0] cfg_unlock_invalid_headers,
    input  logic        rx_valid,
    input  logic [65:0] rx_word,
    output logic        out_valid,
    output logic [63:0] out_payload,
    output logic        out_control,
    output logic        out_header_valid,
    output logic        block_lock,
    output logic [63:0] blocks,
    output logic [63:0] invalid_headers,
    output logic [63:0] slips
);
  logic [65:0]  prev_word;
  logic [6:0]   offset;
  logic         skip_word;
  logic [57:0]  state;
  logic [15:0]  sh_cnt, sh_invld_cnt;

  logic [131:0] window;
  logic [65:0]  blk;
  logic [63:0]  line_payload;
  logic         sh_valid, lose_lock, slip, window_end, lock_now;
  logic [15:0]  sh_cnt_next, sh_invld_cnt_next;

  always_comb begin
    window         = {rx_word, prev_word};
    blk            = 66'(window >> offset);
    line_payload   = blk[65:2];
    sh_valid       = blk[1] ^ blk[0];
    sh_cnt_next    = sh_cnt + 16'd1;
    sh_invld_cnt_next = sh_invld_cnt + {15'd0, !sh_valid};
  end

  // Figure 49-14 from TEST_SH to the next TEST_SH. Unlocked, the first invalid header slips, so
  // reaching the count means that many valid ones in a row (64_GOOD).
`ifdef WVP_RTL_BUG
  assign lose_lock = sh_invld_cnt_next == cfg_unlock_invalid_headers - 16'd1;  // deliberate: one header early
`else
  assign lose_lock = sh_invld_cnt_next == cfg_unlock_invalid_headers;
`endif
  assign slip       = !sh_valid && (!block_lock || lose_lock);
  assign window_end = sh_cnt_next == (block_lock ? cfg_window_headers : cfg_lock_valid_headers);
  assign lock_now   = !slip && window_end && sh_invld_cnt_next == 16'd0;

  always_ff @(posedge clk) begin
    if (rst) begin
      prev_word        <= '0;
      offset           <= 7'd66;
      skip_word        <= 1'b0;
      state            <= cfg_scrambler_seed;
      sh_cnt           <= '0;
      sh_invld_cnt     <= '0;
      block_lock       <= 1'b0;
      out_valid        <= 1'b0;
      out_payload      <= '0;
      out_control      <= 1'b0;
      out_header_valid <= 1'b0;
      blocks           <= '0;
      invalid_headers  <= '0;
      slips            <= '0;
    end else begin
      out_valid <= rx_valid && !skip_word;
      if (rx_valid) begin
        prev_word <= rx_word;
        if (skip_word) begin
          skip_word <= 1'b0;
        end else begin
          // The descrambler runs on every block, aligned or not, as in 802.3.
          out_payload      <= line_payload ^ {6'd0, state} ^ {25'd0, state[57:19]}
                              ^ (line_payload << 39) ^ (line_payload << 58);
          state            <= line_payload[63:6];
          out_control      <= blk[1:0] == 2'b01;
          out_header_valid <= sh_valid;
          blocks           <= blocks + 64'd1;
          invalid_headers  <= invalid_headers + {63'd0, !sh_valid};
          if (slip) begin
            block_lock   <= 1'b0;
            slips        <= slips + 64'd1;
            sh_cnt       <= '0;
            sh_invld_cnt <= '0;
            if (offset == 7'd66) begin
              offset    <= 7'd1;
              skip_word <= 1'b1;
            end else begin
              offset <= offset + 7'd1;
            end
          end else if (window_end) begin
            if (lock_now) block_lock <= 1'b1;
            sh_cnt       <= '0;
            sh_invld_cnt <= '0;
          end else begin
            sh_cnt       <= sh_cnt_next;
            sh_invld_cnt <= sh_invld_cnt_next;
          end
        end
      end
    end
  end
endmodule
