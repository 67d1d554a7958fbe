#!/usr/bin/env bash
# How long `flowc diff` takes on two 1,000-layer specs that differ by a layer inserted
# in the middle and one changed mask (release build). The aim is well under a second:
# the layer alignment is O(n·m) only over the part between the common prefix and
# suffix, and here checking the two specs dominates.
# Prints the median wall time of several runs, and that of `flowc check` on one spec
# for comparison.
#   bench/diff-speed.sh [runs]
# FLOWC_SCRATCH=<dir> builds into another scratch path (default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-11}"
scratch="${FLOWC_SCRATCH:-.build}"
.ci/deps
swift build -c release --product flowc --scratch-path "$scratch" >/dev/null
flowc="$scratch/release/flowc"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

make_spec() {  # $1 = file, $2 = 1 to insert a layer after layer 499 and change layer 750's mask
  {
    echo "dim: 16"
    echo "prior: standard_normal"
    echo "templates:"
    echo "  net: {hidden: [32, 32], activation: leaky_relu}"
    echo "flow:"
    for ((i = 0; i < 1000; i++)); do
      if ((i % 2 == 0)); then keep=even; else keep=odd; fi
      if (($2 == 1 && i == 750)); then keep="[1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]"; fi
      echo "  - {kind: affine_coupling, keep: $keep, scale: net, shift: net}"
      if (($2 == 1 && i == 499)); then echo "  - {kind: permutation, order: reverse}"; fi
    done
    echo "data: {source: csv, path: points.csv}"
    echo "train: {steps: 1000, lr: 1e-3}"
  } >"$1"
}

median_ms() {  # $@ = command; prints the median wall time of $runs runs in ms
  local times=()
  for ((r = 0; r < runs; r++)); do
    local start end
    start=$(date +%s%N)
    "$@" >/dev/null || true   # diff exits 1 when the specs differ
    end=$(date +%s%N)
    times+=($(((end - start) / 1000)))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "%.1f", m/1000}'
}

make_spec "$dir/a.yaml" 0
make_spec "$dir/b.yaml" 1
"$flowc" diff --no-color "$dir/a.yaml" "$dir/b.yaml" | sed -n '4,12p' || true
echo
echo "flowc diff, 1,000 vs 1,001 layers, release build, median of $runs runs ($(nproc) cores)"
echo "  diff:             $(median_ms "$flowc" diff "$dir/a.yaml" "$dir/b.yaml") ms"
echo "  diff --format json: $(median_ms "$flowc" diff --format json "$dir/a.yaml" "$dir/b.yaml") ms"
echo "  check of one spec: $(median_ms "$flowc" check "$dir/a.yaml") ms"
