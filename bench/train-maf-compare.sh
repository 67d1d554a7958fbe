#!/usr/bin/env bash
# Trains the masked autoregressive flow of specs/maf-moons.yaml with flowc (release build) and
# with the plain PyTorch script bench/maf_moons_torch.py (the same flow: ten MAF layers with
# alternating natural/reversed orders, MADEs 2-128-128-4 with the same degrees, masks and init
# scheme, soft clamp 3; Adam 1e-3 on a cosine schedule, 10,000 steps, batch 256 of fresh moons,
# noise 0.05; 10,000 held-out test points), for each seed, one after the other (never in
# parallel), and prints test NLL, ms per step and the time to draw 100,000 samples (D = 2
# passes per layer) side by side, the means and their difference.
#
# Target: |mean NLL flowc - mean NLL torch| <= 0.03 nats (exit status 1 otherwise).
# The two use different random streams (flowc's Xoshiro256 vs torch/numpy) for the initial
# weights, the batches and the test points, so per-seed numbers differ by seed noise.
#
#   bench/train-maf-compare.sh [seeds...]          (default: 0 1 2)
#   STEPS=2000 THREADS=1 bench/train-maf-compare.sh 0
# Environment: STEPS (10000), THREADS (1), SAMPLES (100000), FLOWC (default
# .build-bench/release/flowc, built if missing), PYTHON (python3), KEEP=1 keeps the run directories.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=("$@")
[ ${#seeds[@]} -eq 0 ] && seeds=(0 1 2)
steps="${STEPS:-10000}"
threads="${THREADS:-1}"
samples="${SAMPLES:-100000}"
python="${PYTHON:-python3}"
flowc="${FLOWC:-.build-bench/release/flowc}"
if [ ! -x "$flowc" ]; then
  echo "building flowc (release) into .build-bench ..." >&2
  swift build -c release --product flowc --scratch-path .build-bench >&2
  flowc=.build-bench/release/flowc
fi
work=$(mktemp -d)
if [ "${KEEP:-0}" = 1 ]; then echo "run directories kept in $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
now() { date +%s.%N; }

echo "MAF on two moons (specs/maf-moons.yaml vs bench/maf_moons_torch.py): $steps steps, seeds ${seeds[*]}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset: flowc chooses)}; threads: $threads for both (flowc --threads, torch.set_num_threads)"
: >"$work/results.jsonl"
for seed in "${seeds[@]}"; do
  echo "seed $seed: flowc ..." >&2
  out="$work/flowc-$seed"
  mkdir -p "$out"
  "$flowc" run specs/maf-moons.yaml --set "train.steps=$steps" --seed "$seed" --threads "$threads" \
    --out "$out" --quiet >"$work/flowc-$seed.txt"
  cat "$work/flowc-$seed.txt" >&2
  rundir=$(ls -d "$out"/*/ | head -1)
  # Sampling time: `flowc sample -n SAMPLES` minus `-n 1` (process start and checkpoint load).
  t0=$(now); OPENBLAS_NUM_THREADS=$threads "$flowc" sample "$rundir/checkpoints/last.safetensors" -n 1 -o "$work/one.npy" >/dev/null; t1=$(now)
  OPENBLAS_NUM_THREADS=$threads "$flowc" sample "$rundir/checkpoints/last.safetensors" -n "$samples" -o "$work/many.npy" >/dev/null; t2=$(now)
  sampling=$(echo "($t2 - $t1) - ($t1 - $t0)" | bc -l)
  echo "seed $seed: torch ..." >&2
  "$python" bench/maf_moons_torch.py --seed "$seed" --steps "$steps" --threads "$threads" --sample-count "$samples" \
    --save-test "$work/torch-test.npy" --json >"$work/torch-$seed.json"
  # flowc's checkpoint scored on torch's test points too: the two test sets differ, and 10,000
  # points leave about 0.01 nats of noise between them.
  cross=$("$flowc" eval "$rundir/checkpoints/last.safetensors" --data "$work/torch-test.npy" -o "$work/cross.npy" | sed -n 's/^mean NLL \([-0-9.e]*\) nats.*/\1/p')
  "$python" - "$seed" "$rundir" "$work/torch-$seed.json" "$sampling" "$cross" >>"$work/results.jsonl" <<'PY'
import json, sys
seed, rundir, torch_path, sampling, cross = sys.argv[1:6]
final = json.load(open(rundir + "/final.json"))
run = json.load(open(rundir + "/run.json"))
torch_result = json.loads(open(torch_path).read().strip().splitlines()[-1])
print(json.dumps({"seed": int(seed), "flowc": final, "run": run, "torch": torch_result, "flowc_sampling_seconds": float(sampling),
                  "flowc_on_torch_test": float(cross)}))
PY
done

"$python" - "$work/results.jsonl" "$samples" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
samples = int(sys.argv[2])
run, t0 = rows[0]["run"], rows[0]["torch"]
print(f"flowc {run['flowcVersion']}: OpenBLAS kernel {run['blasCore']}, {run['threads']} BLAS threads; torch {t0['torch']}, {t0['threads']} threads")
print()
hdr = (f"{'seed':>4}  {'flowc NLL':>10}  {'torch NLL':>10}  {'diff':>8}  {'flowc@torch':>11}  {'flowc rt err':>12}  {'torch rt err':>12}  "
       f"{'flowc ms/step':>13}  {'torch ms/step':>13}  {'flowc sample s':>14}  {'torch sample s':>14}")
print(hdr)
print("-" * len(hdr))
for r in rows:
    f, t = r["flowc"], r["torch"]
    fms = 1000 * f["training_seconds"] / f["steps"]
    print(f"{r['seed']:>4}  {f['test_nll']:>10.4f}  {t['test_nll']:>10.4f}  {f['test_nll'] - t['test_nll']:>+8.4f}  {r['flowc_on_torch_test']:>11.4f}  "
          f"{f['round_trip_max_error']:>12.3g}  {t['round_trip_max_error']:>12.3g}  {fms:>13.2f}  {t['ms_per_step']:>13.2f}  "
          f"{r['flowc_sampling_seconds']:>14.3f}  {t['sampling_seconds']:>14.3f}")
fl = [r["flowc"]["test_nll"] for r in rows]
to = [r["torch"]["test_nll"] for r in rows]
sd = lambda v: statistics.stdev(v) if len(v) > 1 else float("nan")
mean = statistics.mean
print("-" * len(hdr))
cr = [r["flowc_on_torch_test"] for r in rows]
print(f"{'mean':>4}  {mean(fl):>10.4f}  {mean(to):>10.4f}  {mean(fl) - mean(to):>+8.4f}  {mean(cr):>11.4f}  "
      f"{max(r['flowc']['round_trip_max_error'] for r in rows):>12.3g}  {max(r['torch']['round_trip_max_error'] for r in rows):>12.3g}  "
      f"{mean(1000 * r['flowc']['training_seconds'] / r['flowc']['steps'] for r in rows):>13.2f}  "
      f"{mean(r['torch']['ms_per_step'] for r in rows):>13.2f}  "
      f"{mean(r['flowc_sampling_seconds'] for r in rows):>14.3f}  {mean(r['torch']['sampling_seconds'] for r in rows):>14.3f}")
print(f"{'sd':>4}  {sd(fl):>10.4f}  {sd(to):>10.4f}  {'':>8}  {sd(cr):>11.4f}   (round-trip column of the mean row: the maximum over seeds)")
print()
print(f"test points: flowc {rows[0]['flowc']['test_points']} (eval.seed stream), torch {t0['test_points']} (numpy default_rng(1000003)); "
      f"parameters: flowc {rows[0]['flowc']['parameters']:,}, torch {t0['parameters']:,}")
print(f"ms/step = whole training loop / steps (flowc's includes its validation evaluations and checkpoint writes every "
      f"1000 steps); sample s = drawing {samples:,} samples (flowc: `flowc sample -n {samples}` minus `-n 1`)")
print(f"flowc@torch = flowc's checkpoint scored on torch's test points (`flowc eval`): mean {mean(cr):.4f} vs torch "
      f"{mean(to):.4f}, difference {mean(cr) - mean(to):+.4f} nats on the same points")
diff = mean(fl) - mean(to)
ok = abs(diff) <= 0.03
print(f"|flowc mean - torch mean| = {abs(diff):.4f} nats: {'within' if ok else 'OUTSIDE'} the 0.03-nat target")
sys.exit(0 if ok else 1)
PY
