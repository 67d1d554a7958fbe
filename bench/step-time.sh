#!/usr/bin/env bash
# Milliseconds per training step of specs/realnvp-moons.yaml (batch 100, six couplings of
# 2-256-256-2 nets, Adam), flowc (release build) and PyTorch (bench/realnvp_moons_torch.py) side
# by side, for 1 and 2 threads, with the FLOP rate each achieves and the machine's sgemm rate
# measured in the same run for scale.
#
# Each tool is timed at two step counts (SHORT and LONG) and the step time is
#     (training seconds at LONG - training seconds at SHORT) / (LONG - SHORT),
# which removes start-up, the first steps' warm-up, the final evaluation and checkpoint writes.
# flowc's training seconds come from final.json (`training_seconds`), torch's from the script's
# own timer around its training loop. Every measurement is repeated REPS times, one process at a
# time (never two in parallel), flowc and torch alternating. On a machine shared with other jobs
# a run can only be slowed down, never sped up, so the headline number uses the fastest run at
# each step count: (min t(LONG) - min t(SHORT)) / (LONG - SHORT). The per-repetition differences
# are printed too (median, min..max): a wide range means other jobs were competing for the cores.
#
#   bench/step-time.sh                      (THREADS="1 2", SHORT=200, LONG=1000, REPS=5)
#   THREADS=1 REPS=5 bench/step-time.sh
#   SPEC=specs/maf-moons.yaml TORCH=bench/maf_moons_torch.py THREADS=1 bench/step-time.sh
# Environment: THREADS, SHORT, LONG, REPS, SPEC and TORCH (another spec and its PyTorch script,
# which takes --steps, --threads, --test-size, --json and prints training_seconds), FLOWC
# (default .build-bench/release/flowc, built if missing), PYTHON (python3). flowc chooses its
# OpenBLAS kernel itself (OPENBLAS_CORETYPE, if set, overrides it); the kernel and why are read
# back from run.json. bench/blas-kernels.sh compares the kernels' sgemm rates.
set -euo pipefail
cd "$(dirname "$0")/.."
thread_counts="${THREADS:-1 2}"
short="${SHORT:-200}"
long="${LONG:-1000}"
reps="${REPS:-5}"
python="${PYTHON:-python3}"
flowc="${FLOWC:-.build-bench/release/flowc}"
spec="${SPEC:-specs/realnvp-moons.yaml}"
torch_script="${TORCH:-bench/realnvp_moons_torch.py}"
torch_extra=()
[ "$torch_script" = bench/maf_moons_torch.py ] && torch_extra=(--sample-count 10)
if [ ! -x "$flowc" ]; then
  echo "building flowc (release) into .build-bench ..." >&2
  swift build -c release --product flowc --scratch-path .build-bench >&2
  flowc=.build-bench/release/flowc
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

flops=$("$flowc" check "$spec" --emit json | "$python" -c 'import json, sys; print(json.load(sys.stdin)["totals"]["training_flops_per_step"])')
batch=$("$flowc" check "$spec" --emit json | "$python" -c 'import json, sys; print(json.load(sys.stdin)["settings"]["train"]["batch_size"])')
name=$(basename "$spec" .yaml)

flowc_seconds() {  # $1 steps, $2 threads: prints training_seconds (and leaves run.json in $work/last-run.json)
  local out="$work/flowc-$1-$2-$RANDOM"
  mkdir -p "$out"
  "$flowc" run "$spec" --set "train.steps=$1" --set "train.eval_every=$1" --set eval.test_size=100 \
    --set eval.samples=0 --threads "$2" --out "$out" --quiet >/dev/null
  local dir
  dir=$(ls -d "$out"/*/ | head -1)
  cp "$dir/run.json" "$work/last-run.json"
  "$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["training_seconds"])' "$dir/final.json"
  rm -rf "$out"
}

torch_seconds() {  # $1 steps, $2 threads
  "$python" "$torch_script" --steps "$1" --threads "$2" --test-size 100 ${torch_extra[@]+"${torch_extra[@]}"} --json >"$work/torch.json"
  cp "$work/torch.json" "$work/last-torch.json"
  "$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["training_seconds"])' "$work/torch.json"
}

echo "$name training step (batch $batch; $spec vs $torch_script): $(awk -v f="$flops" 'BEGIN {printf "%.0f", f / 1e6}') MFLOP of matrix products (flowc check)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(grep -m1 'cpu MHz' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') MHz"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "step time = (min t($long steps) - min t($short steps)) / $((long - short)) over $reps runs each; per-run differences: median (min..max)"
echo

: >"$work/rows"
for t in $thread_counts; do
  : >"$work/f" ; : >"$work/p"
  for ((r = 0; r < reps; r++)); do
    echo "$(flowc_seconds "$short" "$t") $(flowc_seconds "$long" "$t")" >>"$work/f"
    echo "$(torch_seconds "$short" "$t") $(torch_seconds "$long" "$t")" >>"$work/p"
  done
  # sgemm rate with this many threads: torch (MKL) and numpy (its bundled OpenBLAS), 2048^3, best of 5.
  gemm=$(OPENBLAS_NUM_THREADS=$t "$python" - "$t" <<'EOF'
import sys, time, numpy as np, torch
t = int(sys.argv[1]); torch.set_num_threads(t)
n = 2048
a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32); b = a.copy()
def best(f):
    f(); times = []
    for _ in range(5):
        s = time.perf_counter(); f(); times.append(time.perf_counter() - s)
    return 2 * n**3 / min(times) / 1e9
ta, tb = torch.from_numpy(a), torch.from_numpy(b)
print(f"{best(lambda: torch.mm(ta, tb)):.1f} {best(lambda: a @ b):.1f}")
EOF
)
  "$python" - "$t" "$work/f" "$work/p" "$work/last-run.json" "$work/last-torch.json" "$gemm" >>"$work/rows" <<'EOF'
import json, sys
t, f, p, run, torch_json, gemm = sys.argv[1:7]
pairs = lambda path: [[float(x) for x in line.split()] for line in open(path) if line.strip()]
print(json.dumps({"threads": int(t), "flowc": pairs(f), "torch": pairs(p), "run": json.load(open(run)),
                  "torch_info": json.load(open(torch_json)), "gemm": [float(x) for x in gemm.split()]}))
EOF
done

"$python" - "$work/rows" "$flops" "$short" "$long" <<'EOF'
import json, statistics, sys
flops, short, long_ = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def best(pairs):  # ms/step from the fastest run at each step count
    return 1000 * (min(b for a, b in pairs) - min(a for a, b in pairs)) / (long_ - short)
def per_run(pairs):
    return [1000 * (b - a) / (long_ - short) for a, b in pairs]
hdr = (f"{'threads':>7}  {'flowc ms/step':>13}  {'torch ms/step':>13}  {'flowc/torch':>11}  {'flowc GFLOP/s':>13}  "
       f"{'torch GFLOP/s':>13}  {'sgemm GFLOP/s torch | numpy':>27}")
print(hdr)
print("-" * len(hdr))
for r in rows:
    fb, pb, gemm = best(r["flowc"]), best(r["torch"]), r["gemm"]
    print(f"{r['threads']:>7}  {fb:>13.2f}  {pb:>13.2f}  {fb / pb:>11.2f}  {flops / fb / 1e6:>13.1f}  {flops / pb / 1e6:>13.1f}  "
          f"{gemm[0]:>13.1f} | {gemm[1]:<11.1f}")
print()
for r in rows:
    for name in ("flowc", "torch"):
        v = per_run(r[name])
        print(f"threads {r['threads']}, {name}: per-run ms/step median {statistics.median(v):.2f} ({min(v):.2f}..{max(v):.2f}); "
              f"seconds at {short}|{long_} steps: " + ", ".join(f"{a:.2f}|{b:.2f}" for a, b in r[name]))
print()
info = open("/proc/cpuinfo").read()
mhz = float(info.split("cpu MHz")[1].split(":")[1].split()[0]) if "cpu MHz" in info else float("nan")
fma = " avx2 " in info and " fma " in info
for r in rows:
    peak = max(r["gemm"])
    fb, pb = best(r["flowc"]), best(r["torch"])
    ti = r["torch_info"]
    if fma:  # two 256-bit FMA pipes: 2 x 8 lanes x 2 FLOP per cycle per core
        print(f"threads {r['threads']}: nominal AVX2 peak 32 FLOP/cycle x {mhz / 1000:.2f} GHz x {r['threads']} = "
              f"{32 * mhz / 1000 * r['threads']:.0f} GFLOP/s (a higher measured rate means the clock boosts); "
              f"measured 2048^3 sgemm {peak:.0f} GFLOP/s")
    print(f"threads {r['threads']}: flowc: OpenBLAS kernel {r['run']['blasCore']} ({r['run'].get('blasKernelReason', 'no reason recorded')}), "
          f"{r['run']['threads']} BLAS threads (run.json); "
          f"torch {ti['torch']}: {ti['threads']} threads, BLAS {ti['blas']} + oneDNN; "
          f"of the measured sgemm rate flowc reaches {100 * flops / fb / 1e6 / peak:.0f}%, torch {100 * flops / pb / 1e6 / peak:.0f}%")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "(FLOP rate = $(awk -v f="$flops" 'BEGIN {printf "%.0f", f / 1e6}') MFLOP / step time: only the matrix products are counted; numpy's sgemm runs its bundled OpenBLAS's kernel, ${OPENBLAS_CORETYPE:-its own choice})"
