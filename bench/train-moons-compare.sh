#!/usr/bin/env bash
# Trains the seed notebook's Real NVP on two moons with flowc (specs/realnvp-moons.yaml, release
# build) and with the plain PyTorch script bench/realnvp_moons_torch.py, with the same settings
# (5000 steps, Adam 1e-4, batch 100 of fresh moons, noise 0.05, 10,000 held-out test points), for
# each seed, one after the other (never in parallel, so the timings are clean), and prints test NLL
# per seed, the means and their difference, and the inverse round-trip errors.
#
# Target: |mean NLL flowc - mean NLL torch| <= 0.03 nats (exit status 1 otherwise).
# The two use different random streams (flowc's Xoshiro256 vs torch/numpy) for the initial weights,
# the batches and the test points, so per-seed numbers differ by seed noise; the means should agree.
#
#   bench/train-moons-compare.sh [seeds...]          (default: 0 1 2)
#   STEPS=1000 THREADS=1 bench/train-moons-compare.sh 0
# Environment: STEPS (5000), THREADS (1: on a small machine shared with other jobs, two OpenMP or
# OpenBLAS threads that busy-wait can be many times slower than one), FLOWC (default .build-bench/release/flowc,
# built if missing), PYTHON (python3), KEEP=1 keeps the run directories.
set -euo pipefail
cd "$(dirname "$0")/.."
# flowc chooses its OpenBLAS kernel itself (OPENBLAS_CORETYPE, if set, overrides it); the kernel
# and why are read back from run.json.
seeds=("$@")
[ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)
steps="${STEPS:-5000}"
threads="${THREADS:-1}"
python="${PYTHON:-python3}"
flowc="${FLOWC:-.build-bench/release/flowc}"
if [ ! -x "$flowc" ]; then
  echo "building flowc (release) into .build-bench ..." >&2
  swift build -c release --product flowc --scratch-path .build-bench >&2
  flowc=.build-bench/release/flowc
fi
work=$(mktemp -d)
if [ "${KEEP:-0}" = 1 ]; then echo "run directories kept in $work" >&2; else trap 'rm -rf "$work"' EXIT; fi

echo "Real NVP on two moons (specs/realnvp-moons.yaml vs bench/realnvp_moons_torch.py): $steps steps, seeds ${seeds[*]}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset: flowc chooses)}; threads: $threads for both (flowc --threads, torch.set_num_threads)"
: >"$work/results.jsonl"
for seed in "${seeds[@]}"; do
  echo "seed $seed: flowc ..." >&2
  out="$work/flowc-$seed"
  mkdir -p "$out"
  "$flowc" run specs/realnvp-moons.yaml --set "train.steps=$steps" --seed "$seed" --threads "$threads" \
    --out "$out" --quiet >"$work/flowc-$seed.txt"
  cat "$work/flowc-$seed.txt" >&2
  rundir=$(ls -d "$out"/*/ | head -1)
  echo "seed $seed: torch ..." >&2
  "$python" bench/realnvp_moons_torch.py --seed "$seed" --steps "$steps" --threads "$threads" --json \
    >"$work/torch-$seed.json"
  "$python" - "$seed" "$rundir" "$work/torch-$seed.json" >>"$work/results.jsonl" <<'EOF'
import json, sys
seed, rundir, torch_path = sys.argv[1:4]
final = json.load(open(rundir + "/final.json"))
run = json.load(open(rundir + "/run.json"))
torch_result = json.loads(open(torch_path).read().strip().splitlines()[-1])
print(json.dumps({"seed": int(seed), "flowc": final, "run": run, "torch": torch_result}))
EOF
done

"$python" - "$work/results.jsonl" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
run, t0 = rows[0]["run"], rows[0]["torch"]
print(f"flowc {run['flowcVersion']}: OpenBLAS kernel {run['blasCore']} (run.json: {run.get('blasKernelReason', 'no reason recorded')}), "
      f"{run['threads']} BLAS threads")
print(f"torch {t0['torch']}: BLAS {t0['blas']} (MKL; oneDNN {'on' if t0['mkldnn'] else 'off'}; OPENBLAS_CORETYPE does not apply), "
      f"{t0['threads']} threads (torch.get_num_threads)")
print()
hdr = f"{'seed':>4}  {'flowc NLL':>10}  {'torch NLL':>10}  {'diff':>8}  {'flowc rt err':>12}  {'torch rt err':>12}  {'flowc ms/step':>13}  {'torch ms/step':>13}"
print(hdr)
print("-" * len(hdr))
for r in rows:
    f, t = r["flowc"], r["torch"]
    fms = 1000 * f["training_seconds"] / f["steps"]
    print(f"{r['seed']:>4}  {f['test_nll']:>10.4f}  {t['test_nll']:>10.4f}  {f['test_nll'] - t['test_nll']:>+8.4f}  "
          f"{f['round_trip_max_error']:>12.3g}  {t['round_trip_max_error']:>12.3g}  {fms:>13.2f}  {t['ms_per_step']:>13.2f}")
fl = [r["flowc"]["test_nll"] for r in rows]
to = [r["torch"]["test_nll"] for r in rows]
sd = lambda v: statistics.stdev(v) if len(v) > 1 else float("nan")
fms = statistics.mean(1000 * r["flowc"]["training_seconds"] / r["flowc"]["steps"] for r in rows)
tms = statistics.mean(r["torch"]["ms_per_step"] for r in rows)
print("-" * len(hdr))
print(f"{'mean':>4}  {statistics.mean(fl):>10.4f}  {statistics.mean(to):>10.4f}  {statistics.mean(fl) - statistics.mean(to):>+8.4f}  "
      f"{max(r['flowc']['round_trip_max_error'] for r in rows):>12.3g}  {max(r['torch']['round_trip_max_error'] for r in rows):>12.3g}  "
      f"{fms:>13.2f}  {tms:>13.2f}")
print(f"{'sd':>4}  {sd(fl):>10.4f}  {sd(to):>10.4f}   (round-trip column of the mean row: the maximum over seeds)")
print()
print(f"test points: flowc {rows[0]['flowc']['test_points']} (eval.seed stream), torch {t0['test_points']} (numpy default_rng(1000003)); "
      f"parameters: flowc {rows[0]['flowc']['parameters']:,}, torch {t0['parameters']:,}")
print("ms/step here = whole training loop / steps (flowc's includes its validation evaluations and checkpoint writes "
      "every 500 steps; bench/step-time.sh measures the step alone)")
diff = statistics.mean(fl) - statistics.mean(to)
ok = abs(diff) <= 0.03
print(f"|flowc mean - torch mean| = {abs(diff):.4f} nats: {'within' if ok else 'OUTSIDE'} the 0.03-nat target")
sys.exit(0 if ok else 1)
EOF
