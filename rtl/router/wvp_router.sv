// The five-port color router of models/router (colors mode, `wafer` pipeline) as RTL.
//
// Ports 0..4 are N, E, S, W and the ramp to the tile. Every input port holds a FIFO per color
// (the ramp's is the tile's send queue); every output port keeps a credit counter per color for
// the buffer downstream (the ramp's is the tile's receive queue). A wavelet follows the route
// table entry of its color and input port: a set of output ports (multicast), latched when its
// buffer's head first meets a non-empty entry, so a later route write does not split a copy set.
//
// One cycle, as in Fabric::process():
//  - input side: each input port offers one color whose head has a route and, for at least one
//    of its outputs still owed a copy, a credit. Colors are searched round robin from the one
//    after the port's last popped color;
//  - output side: each output port grants one offering input, round robin from the input after
//    its last grant. A head leaves its buffer once every output of its set has had its copy.
// The decisions are combinational from the state (out_*, pop_*); the clock edge commits them.
//
// `hold` freezes the decisions: an edge with hold set only writes wavelets, credits and routes.
// The transactor uses such edges to deliver more than one write per port between two cycles it
// evaluates (it skips cycles in which nothing can move).
module wvp_router #(
    parameter int MAX_COLORS = 32,
    parameter int MAX_DEPTH = 8
) (
    input logic clk,
    input logic rst_n,
    // Configuration, held from reset on.
    input logic [5:0] cfg_colors,        // colors in use, 1..MAX_COLORS
    input logic [3:0] cfg_link_depth,    // link input buffer per color, 1..MAX_DEPTH
    input logic [3:0] cfg_ramp_depth,    // send queue per color, 1..MAX_DEPTH
    input logic [7:0] cfg_link_credits,  // downstream link buffer per color
    input logic [7:0] cfg_ramp_credits,  // receive queue per color
    input logic hold,
    // Wavelet writes into the input buffers, one per port and edge.
    input logic [4:0] in_valid,
    input logic [4:0][4:0] in_color,
    input logic [4:0][31:0] in_data,
    // Credits returned per output port: a bit per color.
    input logic [4:0][MAX_COLORS-1:0] credit_return,
    // Route table write: color, input port, output port mask.
    input logic route_we,
    input logic [4:0] route_color,
    input logic [2:0] route_port,
    input logic [4:0] route_mask,
    // This cycle's decisions: what each output port sends and which buffer each input pops.
    output logic [4:0] out_valid,
    output logic [4:0][4:0] out_color,
    output logic [4:0][31:0] out_data,
    output logic [4:0][2:0] out_src,
    output logic [4:0] pop_valid,
    output logic [4:0][4:0] pop_color,
    // For the statistics: a head waits for a route or a credit (blocked), or any head that could
    // leave does not this cycle (stalled).
    output logic blocked,
    output logic stalled
);
  localparam int Ports = 5;
  localparam int Ramp = 4;
  localparam int SlotBits = $clog2(MAX_DEPTH);

  logic [31:0] mem[Ports][MAX_COLORS][MAX_DEPTH];
  logic [SlotBits-1:0] head[Ports][MAX_COLORS];
  logic [SlotBits:0] count[Ports][MAX_COLORS];
  logic active[Ports][MAX_COLORS];
  logic [4:0] pending[Ports][MAX_COLORS];  // outputs still owed a copy of an active head
  logic [4:0] routes[MAX_COLORS][Ports];
  logic [7:0] credits[Ports][MAX_COLORS];
  logic [4:0] rr_in[Ports];   // color to search from
  logic [2:0] rr_out[Ports];  // input port to search from

  // Per buffer: the outputs its head is owed (latched set or table entry) and those of them with
  // a credit now.
  logic [4:0] owed[Ports][MAX_COLORS];
  logic [4:0] ready_outs[Ports][MAX_COLORS];
  // Input side.
  logic offer_valid[Ports];
  logic [4:0] offer_color[Ports];
  logic [4:0] offer_outs[Ports];
  // Output side.
  logic grant_valid[Ports];
  logic [2:0] grant_src[Ports];
  logic [4:0] granted[Ports];    // per input port, the outputs that granted it
  logic [4:0] remaining[Ports];  // per input port, the offered head's outputs still owed after this cycle
  logic pop[Ports];
  logic [MAX_COLORS-1:0] candidates[Ports];  // per input port, the colors whose head could leave

  function automatic logic [SlotBits-1:0] next_slot(logic [SlotBits-1:0] slot, logic [3:0] cap);
    return ({1'b0, slot} + 4'd1 == cap) ? '0 : slot + 1'b1;
  endfunction

  function automatic logic [4:0] next_color(logic [4:0] color, logic [5:0] colors);
    return ({1'b0, color} + 6'd1 == colors) ? '0 : color + 1'b1;
  endfunction

  always_comb begin
    for (int p = 0; p < Ports; p++) begin
      for (int c = 0; c < MAX_COLORS; c++) begin
        owed[p][c] = active[p][c] ? pending[p][c] : routes[c][p];
        for (int o = 0; o < Ports; o++) ready_outs[p][c][o] = owed[p][c][o] && credits[o][c] != 8'd0;
        if (count[p][c] == '0) ready_outs[p][c] = '0;
        candidates[p][c] = ready_outs[p][c] != '0;
      end
    end

    for (int p = 0; p < Ports; p++) begin
      offer_valid[p] = 1'b0;
      offer_color[p] = '0;
      offer_outs[p] = '0;
      for (int k = 0; k < MAX_COLORS; k++) begin
        logic [5:0] c;
        c = {1'b0, rr_in[p]} + 6'(k);
        if (c >= cfg_colors) c = c - cfg_colors;
        if (k < int'(cfg_colors) && !offer_valid[p] && ready_outs[p][c[4:0]] != '0) begin
          offer_valid[p] = 1'b1;
          offer_color[p] = c[4:0];
          offer_outs[p] = ready_outs[p][c[4:0]];
        end
      end
    end

    for (int p = 0; p < Ports; p++) granted[p] = '0;
    for (int o = 0; o < Ports; o++) begin
      grant_valid[o] = 1'b0;
      grant_src[o] = '0;
      for (int k = 0; k < Ports; k++) begin
        logic [3:0] p;
        p = {1'b0, rr_out[o]} + 4'(k);
        if (p >= 4'(Ports)) p = p - 4'(Ports);
        if (!grant_valid[o] && offer_valid[p[2:0]] && offer_outs[p[2:0]][o]) begin
          grant_valid[o] = 1'b1;
          grant_src[o] = p[2:0];
        end
      end
      if (grant_valid[o]) granted[grant_src[o]][o] = 1'b1;
    end

    for (int p = 0; p < Ports; p++) begin
      remaining[p] = owed[p][offer_color[p]] & ~granted[p];
      pop[p] = granted[p] != '0 && remaining[p] == '0;
    end

    for (int o = 0; o < Ports; o++) begin
      out_valid[o] = grant_valid[o] && !hold;
      out_src[o] = grant_src[o];
      out_color[o] = offer_color[grant_src[o]];
      out_data[o] = mem[grant_src[o]][offer_color[grant_src[o]]][head[grant_src[o]][offer_color[grant_src[o]]]];
      pop_valid[o] = pop[o] && !hold;
      pop_color[o] = offer_color[o];
    end

    blocked = 1'b0;
    stalled = 1'b0;
    for (int p = 0; p < Ports; p++) begin
      for (int c = 0; c < MAX_COLORS; c++) blocked |= count[p][c] != '0 && ready_outs[p][c] == '0;
      // A port sends one wavelet a cycle; a multicast head may get only some of its outputs.
      stalled |= (candidates[p] & (candidates[p] - 1'b1)) != '0 || (offer_valid[p] && granted[p] != offer_outs[p]);
    end
    stalled |= blocked;
  end

  // Per buffer (input port p, color c); credits per output port p and color c.
  for (genvar p = 0; p < Ports; p++) begin : g_port
    for (genvar c = 0; c < MAX_COLORS; c++) begin : g_color
      logic write, leave, sent;
      logic [3:0] cap;
      logic [SlotBits:0] tail;
      always_comb begin
        write = in_valid[p] && in_color[p] == 5'(c);
        leave = !hold && pop[p] && offer_color[p] == 5'(c);
        sent = !hold && grant_valid[p] && offer_color[grant_src[p]] == 5'(c);
        cap = p == Ramp ? cfg_ramp_depth : cfg_link_depth;
        tail = {1'b0, head[p][c]} + count[p][c];
        if (tail >= (SlotBits + 1)'(cap)) tail = tail - (SlotBits + 1)'(cap);
      end

      always_ff @(posedge clk) begin
        if (!rst_n) begin
          head[p][c] <= '0;
          count[p][c] <= '0;
          active[p][c] <= 1'b0;
          pending[p][c] <= '0;
          credits[p][c] <= p == Ramp ? cfg_ramp_credits : cfg_link_credits;
        end else begin
          if (write) mem[p][c][tail[SlotBits-1:0]] <= in_data[p];
          count[p][c] <= count[p][c] + (SlotBits + 1)'(write) - (SlotBits + 1)'(leave);
          if (leave) head[p][c] <= next_slot(head[p][c], cap);
          // A head that met a route keeps that output set until its last copy is out.
          if (!hold) begin
            if (leave) begin
              active[p][c] <= 1'b0;
            end else if (offer_valid[p] && offer_color[p] == 5'(c) && granted[p] != '0) begin
              active[p][c] <= 1'b1;
              pending[p][c] <= remaining[p];
            end else if (count[p][c] != '0 && !active[p][c] && routes[c][p] != '0) begin
              active[p][c] <= 1'b1;
              pending[p][c] <= routes[c][p];
            end
          end
          credits[p][c] <= credits[p][c] + 8'(credit_return[p][c]) - 8'(sent);
        end
      end

      always_ff @(posedge clk) begin
        if (!rst_n) routes[c][p] <= '0;
        else if (route_we && route_color == 5'(c) && route_port == 3'(p)) routes[c][p] <= route_mask;
      end
    end

    always_ff @(posedge clk) begin
      if (!rst_n) begin
        rr_in[p] <= '0;
        rr_out[p] <= '0;
      end else if (!hold) begin
        if (pop[p]) rr_in[p] <= next_color(offer_color[p], cfg_colors);
`ifdef WVP_RTL_BUG
        if (grant_valid[p]) rr_out[p] <= grant_src[p];  // the bug: the winner keeps its priority
`else
        if (grant_valid[p]) rr_out[p] <= grant_src[p] == 3'(Ports - 1) ? '0 : grant_src[p] + 1'b1;
`endif
      end
    end
  end
endmodule
