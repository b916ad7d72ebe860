#!/bin/sh
# The fabric's cycle-level behaviour as numbers, to hold a change of the fabric engine against:
# `wafervp noc --json` over pipelines, routings, loads up to and past saturation, packet lengths,
# VCs and grids, and `wafervp run --stats` of firmware that talks over the fabric (colors mode).
# Host-dependent fields (host time, speeds, memory) are dropped; what is left must not change.
#
# Usage: bench/fabric_reference.sh WAFERVP FIRMWARE_DIR OUT_DIR
#   e.g. before a change: bench/fabric_reference.sh build/platform/wafervp build/sw /tmp/ref
#        after it:        bench/fabric_reference.sh build/platform/wafervp build/sw /tmp/new
#                         diff -r /tmp/ref /tmp/new
# Needs jq. Takes about a minute on one host core.
set -eu
[ $# -eq 3 ] || { echo "usage: $0 WAFERVP FIRMWARE_DIR OUT_DIR" >&2; exit 2; }
wafervp=$1 firmware=$2 out=$3
mkdir -p "$out"
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT
# The keys whose values depend on the host, not on the simulation.
host_keys='del(.. | objects | .host_seconds?, .host_setup_seconds?, .flit_hops_per_second?, .mips?, .host_memory?, .bytes_per_touched_router?)'

noc() {  # noc NAME ARGS...: one study point
  name=$1
  shift
  "$wafervp" noc --json "$raw" "$@" > /dev/null
  jq -S "$host_keys" "$raw" > "$out/noc-$name.json"
}

run() {  # run NAME ARGS...: one firmware run
  name=$1
  shift
  "$wafervp" run --stats "$raw" "$@" > "$out/run-$name.txt" 2> /dev/null  # stderr: host time
  jq -S "$host_keys" "$raw" > "$out/run-$name.json"
}

for pipeline in wafer iq-vc-4stage; do
  p="--set fabric.pipeline=$pipeline"
  noc "$pipeline-xy-p4-vc2-low" --grid 8x8 $p --set noc.injection_rate=0.05
  noc "$pipeline-xy-p4-vc2-mid" --grid 8x8 $p --set noc.injection_rate=0.25
  noc "$pipeline-xy-p4-vc2-near" --grid 8x8 $p --set noc.injection_rate=0.42
  noc "$pipeline-xy-p4-vc2-past" --grid 8x8 $p --set noc.injection_rate=0.7 --set noc.drain_max_cycles=3000
  noc "$pipeline-xy-p1-vc1" --grid 8x8 $p --set noc.injection_rate=0.3 --set noc.packet_flits=1 --set noc.vcs=1
  noc "$pipeline-xy-p1-vc4" --grid 8x8 $p --set noc.injection_rate=0.4 --set noc.packet_flits=1 --set noc.vcs=4
  noc "$pipeline-yx-p4-vc4" --grid 8x8 $p --set noc.injection_rate=0.35 --set noc.routing=yx --set noc.vcs=4
  noc "$pipeline-wf-p4-vc2" --grid 8x8 $p --set noc.injection_rate=0.3 --set noc.routing=west-first
  noc "$pipeline-oe-p2-vc2" --grid 8x8 $p --set noc.injection_rate=0.3 --set noc.routing=odd-even --set noc.packet_flits=2
  noc "$pipeline-oe-p8-vc4-d4" --grid 8x8 $p --set noc.injection_rate=0.4 --set noc.routing=odd-even \
    --set noc.packet_flits=8 --set noc.vcs=4 --set noc.buffer_depth_flits=4
  noc "$pipeline-transpose" --grid 8x8 $p --set noc.injection_rate=0.2 --set noc.pattern=transpose --set noc.seed=3
  noc "$pipeline-hotspot" --grid 8x8 $p --set noc.injection_rate=0.1 --set noc.pattern=hotspot --set noc.seed=4
  noc "$pipeline-tornado-wf" --grid 8x8 $p --set noc.injection_rate=0.25 --set noc.pattern=tornado --set noc.routing=west-first
  noc "$pipeline-64-half" --grid 64x64 $p --set noc.injection_rate=0.02875 --set noc.measure_cycles=1000
  noc "$pipeline-64-near-oe" --grid 64x64 $p --set noc.injection_rate=0.045 --set noc.warmup_cycles=500 \
    --set noc.measure_cycles=500 --set noc.drain_max_cycles=1000 --set noc.routing=odd-even --set noc.packet_flits=1
  noc "$pipeline-256-region" --grid 256x256 $p --set noc.injection_rate=0.05 --set noc.measure_cycles=2000 \
    --set noc.region_width=32 --set noc.region_height=24
done
# The wafer pipeline's timing parameters: slower hops, reticle crossings, slow credits.
noc wafer-timing --grid 16x16 --set fabric.hop_latency_cycles=2 --set fabric.credit_delay_cycles=3 \
  --set wafer.reticle_width_tiles=4 --set wafer.reticle_height_tiles=8 --set fabric.reticle_crossing_cycles=2 \
  --set noc.injection_rate=0.2 --set noc.vcs=3 --set noc.buffer_depth_flits=3

run allreduce-16 --grid 16x16 "$firmware/allreduce.elf"
run allreduce-64 --grid 64x64 "$firmware/allreduce.elf"
run allreduce-16-q7 --grid 16x16 --quantum 7 "$firmware/allreduce.elf"
run allreduce-16-slow --grid 16x16 --set fabric.hop_latency_cycles=3 --set fabric.colors=8 \
  --set fabric.buffer_depth_flits=2 --set fabric.rx_queue_depth_flits=1 "$firmware/allreduce.elf"
run exchange-32 --grid 32x32 "$firmware/exchange.elf"
run pingpong-4 --grid 4x4 "$firmware/pingpong.elf"
