#!/usr/bin/env bash
# The table of docs/ood.md: a flow trained on nine Fashion-MNIST classes, scored by `flowc ood` on
# its own test set (those nine classes) against four OUT sets:
#   (a) the held-out class of the test set         (--out-classes, read through the spec's test labels)
#   (b) uniform noise images                        (bench/ood/sets.py noise: 10,000 .npy images)
#   (c) the test images flipped upside down         (bench/ood/sets.py flip: all 10,000, IDX)
#   (d) typeset digits                              (bench/ood/digits.c: 10,000 MNIST-like digits drawn with
#                                                    cairo in the DejaVu fonts, IDX)
# with a background model for the likelihood ratio: the same spec trained on the same nine classes
# with every pixel replaced by uniform noise with probability MU (Ren et al. 2019's perturbed inputs).
#
#   bench/ood-fashion-mnist.sh                     (specs/realnvp-fashion-mnist.yaml, two epochs each)
#   SPEC=specs/other.yaml TRAIN="--set train.epochs=5" bench/ood-fashion-mnist.sh
#
# Environment: SPEC (specs/realnvp-fashion-mnist.yaml; any Fashion-MNIST spec, shape [28, 28] or [1, 28, 28]),
# TRAIN (flowc run options of both models, default "--set train.epochs=2 --set train.eval_every=100"),
# BACKGROUND_SPEC (default SPEC), BACKGROUND_TRAIN (default TRAIN), MU (0.2; 0 trains the background on the
# clean images, e.g. BACKGROUND_SPEC=bench/ood/small-background.yaml for a smaller flow), HELD_OUT (9, ankle boot),
# THREADS (2), OUT (runs/ood-fashion-mnist), FLOWC (default .build/release/flowc, built if missing),
# PYTHON (python3; the scripts use its standard library only), CC (cc); MODEL and BACKGROUND (checkpoints:
# given, that model is scored instead of training one, e.g. to score again with a newer flowc).
# Leaves in OUT: data/ (the OUT sets), runs/ (both runs), table.txt (what flowc ood printed), ood.jsonl,
# table.md (Markdown, for docs/ood.md), ood.html and figures/.
set -euo pipefail
cd "$(dirname "$0")/.."
# flowc chooses the OpenBLAS kernel itself (docs/runs.md); an OPENBLAS_CORETYPE set by the caller is kept.
spec="${SPEC:-specs/realnvp-fashion-mnist.yaml}"
train="${TRAIN:---set train.epochs=2 --set train.eval_every=100}"
background_spec="${BACKGROUND_SPEC:-$spec}"
background_train="${BACKGROUND_TRAIN:-$train}"
mu="${MU:-0.2}"
held_out="${HELD_OUT:-9}"
threads="${THREADS:-2}"
out="${OUT:-runs/ood-fashion-mnist}"
python="${PYTHON:-python3}"
flowc="${FLOWC:-.build/release/flowc}"
fm=/usr/share/datasets/fashion-mnist
[ -f "$fm/train-labels-idx1-ubyte.gz" ] || { echo "error: Fashion-MNIST is not in $fm (apt-get install dataset-fashion-mnist)" >&2; exit 2; }
if [ ! -x "$flowc" ]; then
  echo "building flowc (release) ..." >&2
  swift build -c release --product flowc >&2
  flowc=.build/release/flowc
fi
classes=$(seq 0 9 | grep -vx "$held_out" | paste -sd, -)
mkdir -p "$out/data" "$out/runs"
data="$out/data"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg), OpenBLAS kernel $("$flowc" blas-kernel)"
echo "spec $spec ($train), background $background_spec ($background_train, mu $mu), classes [$classes], held out $held_out"

# The OUT sets and the background's training images (each made once).
[ -f "$data/noise.npy" ] || "$python" bench/ood/sets.py noise "$data/noise.npy" 10000 1
[ -f "$data/flipped-images-idx3-ubyte.gz" ] || "$python" bench/ood/sets.py flip "$fm/t10k-images-idx3-ubyte.gz" "$data/flipped-images-idx3-ubyte.gz"
if [ ! -f "$data/digits-images-idx3-ubyte.gz" ]; then
  "${CC:-cc}" -O2 bench/ood/digits.c $(pkg-config --cflags --libs cairo) -lm -o "$data/digits"
  "$data/digits" 10000 "$data/digits-images-idx3-ubyte" "$data/digits-labels-idx1-ubyte"
  gzip -nf "$data/digits-images-idx3-ubyte" "$data/digits-labels-idx1-ubyte"
fi
if [ "$mu" != 0 ]; then
  [ -f "$data/perturbed-images-idx3-ubyte.gz" ] ||
    "$python" bench/ood/sets.py perturb "$fm/train-images-idx3-ubyte.gz" "$data/perturbed-images-idx3-ubyte.gz" "$mu" 1
fi

labelled=(--set "data.labels=$fm/train-labels-idx1-ubyte.gz" --set "data.test_labels=$fm/t10k-labels-idx1-ubyte.gz"
          --set "data.classes=[$classes]")
latest() { ls -d "$1"/*/ | sort | tail -1; }

# The model: nine classes.
model="${MODEL:-}"
if [ -z "$model" ]; then
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$flowc" run "$spec" "${labelled[@]}" $train --threads "$threads" --out "$out/runs/model" --quiet
  model="$(latest "$out/runs/model")checkpoints/last.safetensors"
  echo "model trained in $(( $(date +%s) - start )) s: $model"
fi

# The background: the same nine classes, perturbed (MU=0: the clean images).
background="${BACKGROUND:-}"
if [ -z "$background" ]; then
  start=$(date +%s)
  perturbed=()
  [ "$mu" = 0 ] || perturbed=(--set "data.path=$data/perturbed-images-idx3-ubyte.gz")
  # shellcheck disable=SC2086
  "$flowc" run "$background_spec" "${labelled[@]}" "${perturbed[@]}" \
    --set "name=background-mu$mu" $background_train --threads "$threads" --out "$out/runs/background" --quiet
  background="$(latest "$out/runs/background")checkpoints/last.safetensors"
  echo "background trained in $(( $(date +%s) - start )) s: $background"
fi

start=$(date +%s)
"$flowc" ood "$model" --background "$background" \
  --out-classes "$held_out" \
  --out "uniform noise=$data/noise.npy" \
  --out "test images flipped upside down=$data/flipped-images-idx3-ubyte.gz" \
  --out "typeset digits=$data/digits-images-idx3-ubyte.gz" \
  --compressor png --compressor zlib --json-out "$out/ood.jsonl" -o "$out/ood.html" --figures "$out/figures" | tee "$out/table.txt"
echo "scored in $(( $(date +%s) - start )) s"
"$python" bench/ood/table.py "$out/ood.jsonl" > "$out/table.md"
echo "wrote $out/table.txt, $out/table.md, $out/ood.jsonl, $out/ood.html and $out/figures/"
