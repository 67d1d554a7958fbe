#!/usr/bin/env bash
# Forward + backward milliseconds of a stack of Glow steps (ActNorm → LU 1×1 conv → affine
# coupling with the conditioner conv3×3 → ActNorm → ReLU → conv1×1 → ActNorm → ReLU → conv3×3),
# FlowRuntime (bench/conv-step, release) and PyTorch (bench/conv_step_torch.py, the same model)
# side by side, per image shape and BLAS thread count, with the FLOP rate each achieves.
#
# FLOPs: 2·k²·C_in·C_out·H·W per convolution per image forward, ×3 for a training pass
# (forward, input gradient, weight gradient); the 1×1 invertible convolutions and elementwise
# work are not counted. Each tool runs REPS times, one process at a time, alternating; each run
# reports its fastest of ITERS timed passes after warm-up. The headline numbers are the best
# over the runs: on cores shared with other jobs a pass can only be slowed down. Both tools also
# report process CPU time (all threads): with other jobs on the cores it moves far less than
# wall time, so the CPU-time ratio at 1 thread is the steadier comparison.
#
#   bench/conv-step.sh                                  (SHAPES="4,14,14 8,7,7", THREADS="1 2")
#   SHAPES=4,14,14 THREADS=1 REPS=3 STEPS=8 HIDDEN=64 BATCH=64 bench/conv-step.sh
# Environment: SHAPES, THREADS, STEPS (8), HIDDEN (64), BATCH (64), REPS (3), ITERS (10),
# PYTHON (python3). On a loaded machine PyTorch at 2 threads is very slow (its OpenMP threads
# spin), so the default run takes a few minutes there. The Swift driver links FlowRuntime, not
# flowc, so it cannot choose its OpenBLAS kernel: it gets the one flowc chooses for this CPU
# (`flowc blas-kernel`), unless OPENBLAS_CORETYPE is set.
set -euo pipefail
cd "$(dirname "$0")/.."
shapes="${SHAPES:-4,14,14 8,7,7}"
thread_counts="${THREADS:-1 2}"
steps="${STEPS:-8}"
hidden="${HIDDEN:-64}"
batch="${BATCH:-64}"
reps="${REPS:-3}"
iters="${ITERS:-10}"
python="${PYTHON:-python3}"
driver=bench/conv-step/.build/release/ConvStep
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  [ -x .build/release/flowc ] || swift build -c release --product flowc >&2
  OPENBLAS_CORETYPE=$(.build/release/flowc blas-kernel)
  export OPENBLAS_CORETYPE
fi
echo "building bench/conv-step (release) ..." >&2
(cd bench/conv-step && swift build -c release >&2)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "Glow steps: $steps × [actnorm → conv1x1 (LU) → affine coupling, net [3, 1, 3], $hidden hidden], batch $batch, float32"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
: >"$work/rows"
for shape in $shapes; do
  for t in $thread_counts; do
    for ((r = 0; r < reps; r++)); do
      args=(--shape "$shape" --steps "$steps" --hidden "$hidden" --batch "$batch" --threads "$t" --reps "$iters")
      "$driver" "${args[@]}" >>"$work/rows"
      "$python" bench/conv_step_torch.py "${args[@]}" >>"$work/rows"
    done
  done
done

"$python" - "$work/rows" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = {}
for r in rows:
    groups.setdefault((tuple(r["shape"]), r["threads"]), {}).setdefault(r["tool"], []).append(r)
hdr = (f"{'shape':>10} {'threads':>7}  {'flowc ms':>9} {'torch ms':>9} {'torch/flowc':>11}  {'flowc GFLOP/s':>13} "
       f"{'torch GFLOP/s':>13}  {'CPU ms flowc | torch':>21} {'ratio':>6}")
print(hdr)
print("-" * len(hdr))
for (shape, t), g in groups.items():
    f, p = g["flowc"], g["torch"]
    fb, pb = min(x["ms_best"] for x in f), min(x["ms_best"] for x in p)
    fc, pc = min(x["cpu_ms_best"] for x in f), min(x["cpu_ms_best"] for x in p)
    gf = f[0]["gflop_per_step"]
    print(f"{'x'.join(map(str, shape)):>10} {t:>7}  {fb:>9.1f} {pb:>9.1f} {pb / fb:>11.2f}  {gf / fb * 1e3:>13.1f} {gf / pb * 1e3:>13.1f}  "
          f"{fc:>9.1f} | {pc:<9.1f} {pc / fc:>6.2f}")
print()
for (shape, t), g in groups.items():
    gf = g["flowc"][0]["gflop_per_step"]
    print(f"{'x'.join(map(str, shape))}, {t} threads: {gf:.2f} GFLOP per training pass; flowc runs (best ms): "
          + ", ".join(f"{x['ms_best']:.1f}" for x in g["flowc"]) + "; torch: " + ", ".join(f"{x['ms_best']:.1f}" for x in g["torch"])
          + f"; OpenBLAS kernel {g['flowc'][0]['kernel']}, torch {g['torch'][0]['torch']} (oneDNN {g['torch'][0]['mkldnn']})")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
