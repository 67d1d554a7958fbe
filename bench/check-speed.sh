#!/usr/bin/env bash
# How long `flowc check` takes on flows of 1,000 to 8,000 written-out layers (release
# build). The aim for 1,000 layers is under 100 ms, growing linearly with the layers.
# Prints the median of several runs for each size and the time per layer.
#   bench/check-speed.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-15}"
.ci/deps
swift build -c release --product flowc >/dev/null
flowc=.build/release/flowc
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'x\n1\n' >"$dir/points.csv"  # the specs' data file: check looks it up

make_spec() {  # $1 = number of layers; every layer written out, alternating masks
  local n=$1
  {
    echo "dim: 16"
    echo "prior: standard_normal"
    echo "templates:"
    echo "  net: {hidden: [32, 32], activation: leaky_relu}"
    echo "flow:"
    for ((i = 0; i < n; i++)); do
      if ((i % 2 == 0)); then keep=even; else keep=odd; fi
      echo "  - {kind: affine_coupling, name: c$i, keep: $keep, scale: net, shift: net, scale_clamp: 2.0}"
    done
    echo "data: {source: csv, path: points.csv}"
    echo "train: {steps: 1000, lr: 1e-3}"
  } >"$dir/flow-$n.yaml"
}

median_ms() {  # $@ = command; prints the median wall time of $runs runs in ms
  local times=()
  for ((r = 0; r < runs; r++)); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null
    end=$(date +%s%N)
    times+=($(((end - start) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.1f", m/1000}'
}

echo "flowc check, release build, median of $runs runs ($(nproc) cores)"
printf '%8s  %10s  %12s\n' layers "ms" "µs/layer"
for n in 1000 2000 4000 8000; do
  make_spec "$n"
  ms=$(median_ms "$flowc" check "$dir/flow-$n.yaml")
  printf '%8d  %10s  %12s\n' "$n" "$ms" "$(awk -v m="$ms" -v n="$n" 'BEGIN {printf "%.1f", m*1000/n}')"
done
echo "process start-up alone (flowc --version): $(median_ms "$flowc" --version) ms"
