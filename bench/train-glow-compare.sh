#!/usr/bin/env bash
# specs/glow-fashion-mnist.yaml trained by `flowc run` and by its PyTorch transcription
# (bench/glow_fashion_mnist_torch.py) for the same wall-clock budget, side by side: both run at
# the same time, THREADS threads each, so that whatever else is on the machine slows both alike.
#
# Each tool's cosine schedule is sized to the budget from its own step time: a 150-step probe of
# both (again side by side) gives flowc's steps per minute, and the PyTorch script measures
# itself over its first 120 steps. Curves: flowc's metrics.jsonl (train NLL of the latest
# steps, validation bits/dim every EVAL steps) and the PyTorch script's JSON lines (validation
# every few minutes); the final line of each is the test bits/dim on the 10,000 t10k images.
#
# The PyTorch script takes the spec's optimizer settings (batch size, learning rate, floor,
# clipping) from the probe run's resolved.json, so that the two cannot drift apart.
#
# SEQUENTIAL=1 runs them one after the other instead, each alone on the machine with THREADS
# threads (THREADS=2: each tool gets both cores; the bench takes twice as long).
#
# With THREADS above 1 flowc runs `--workers THREADS` (each batch in THREADS slices at once,
# one core and one BLAS thread each), which for this small-batch conv flow is much faster than
# a multi-threaded BLAS; FLOWC_PARALLEL=threads gives it `--threads THREADS` instead. PyTorch
# gets THREADS intra-op threads either way: the same cores for both.
#
#   bench/train-glow-compare.sh                 (MINUTES=30, THREADS=1)
#   MINUTES=5 THREADS=1 KEEP=1 bench/train-glow-compare.sh
#   SEQUENTIAL=1 THREADS=2 KEEP=1 bench/train-glow-compare.sh
# Environment: MINUTES (30), THREADS (1), EVAL (flowc eval_every, 500), SEQUENTIAL (0),
# FLOWC_PARALLEL (workers or threads; workers), FLOWC
# (default .build/release/flowc, built if missing), PYTHON (python3), KEEP=1 keeps the run
# directories.
# flowc chooses its OpenBLAS kernel itself (OPENBLAS_CORETYPE, if set, overrides it).
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${MINUTES:-30}"
threads="${THREADS:-1}"
eval_every="${EVAL:-500}"
python="${PYTHON:-python3}"
flowc="${FLOWC:-.build/release/flowc}"
[ -x "$flowc" ] || swift build -c release --product flowc >&2
work=$(mktemp -d)
if [ "${KEEP:-0}" = 1 ]; then echo "run directories kept in $work" >&2; else trap 'rm -rf "$work"' EXIT; fi

sequential="${SEQUENTIAL:-0}"
if [ "$sequential" = 1 ]; then how="one after the other, each alone"; else how="side by side"; fi
echo "Glow on Fashion-MNIST (specs/glow-fashion-mnist.yaml vs bench/glow_fashion_mnist_torch.py): $minutes minutes each, $how"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$threads" -gt 1 ] && [ "${FLOWC_PARALLEL:-workers}" = workers ]; then
  flowc_cores=(--workers "$threads")
  echo "threads: $threads for both (flowc --workers $threads, one BLAS thread each; torch.set_num_threads($threads))"
else
  flowc_cores=(--threads "$threads")
  echo "threads: $threads for both (flowc --threads, torch.set_num_threads)"
fi

# Probe: 300 steps of flowc (beside 150 of PyTorch unless SEQUENTIAL=1, so that it runs as
# loaded as the real run will). Its time includes one validation pass (2,000 images), which
# makes the step time it gives a little long, about as much as the real run's evaluations add.
mkdir -p "$work/probe"
"$flowc" run specs/glow-fashion-mnist.yaml --set train.steps=300 --set train.warmup_steps=20 --set train.eval_every=1000 --set eval.samples=0 \
  "${flowc_cores[@]}" --out "$work/probe" --quiet >"$work/probe.txt" &
probe_pid=$!
if [ "$sequential" != 1 ]; then
  "$python" bench/glow_fashion_mnist_torch.py --steps 150 --warmup 20 --threads "$threads" --eval-minutes 1000 >"$work/probe-torch.jsonl"
fi
wait "$probe_pid"
probe_dir=$(ls -d "$work/probe"/*/ | head -1)
# The spec's optimizer settings, as flowc resolved them, for the PyTorch script.
torch_train=$("$python" - "$probe_dir" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1] + "/resolved.json"))["settings"]["train"]
assert t["optimizer"] == "adam" and t["schedule"] == "cosine", "the PyTorch script implements Adam with a cosine schedule only"
print(f"--batch {t['batch_size']} --lr {t['lr']} --min-lr {t['min_lr']} --clip {t['clip_grad_norm']}")
EOF
)
steps=$("$python" - "$probe_dir" "$minutes" <<'EOF'
import json, sys
final = json.load(open(sys.argv[1] + "/final.json"))
per_step = final["training_seconds"] / final["steps"]
print(int(float(sys.argv[2]) * 60 / per_step))
EOF
)
# The spec's 200 warm-up steps, or a tenth of a short run.
warmup=$(( steps / 10 < 200 ? steps / 10 : 200 ))
echo "probe: flowc $(awk -v s="$steps" -v m="$minutes" 'BEGIN {printf "%.0f", m * 60000 / s}') ms/step -> $steps steps in $minutes minutes" >&2
echo "PyTorch script settings from the spec: $torch_train --warmup $warmup"

mkdir -p "$work/flowc"
start=$(date +%s)
"$flowc" run specs/glow-fashion-mnist.yaml --set "train.steps=$steps" --set "train.warmup_steps=$warmup" --set "train.eval_every=$eval_every" \
  "${flowc_cores[@]}" --out "$work/flowc" --quiet >"$work/flowc.txt" &
flowc_pid=$!
# A run whose final status is not ok (e.g. non-finite samples of an undertrained flow) exits
# 1 but still writes final.json: report it rather than stop.
flowc_status=0
if [ "$sequential" = 1 ]; then
  wait "$flowc_pid" || flowc_status=$?
  echo "flowc finished after $(( $(date +%s) - start )) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
fi
# shellcheck disable=SC2086  # torch_train is a list of flags
"$python" bench/glow_fashion_mnist_torch.py --minutes "$minutes" --warmup "$warmup" --threads "$threads" $torch_train >"$work/torch.jsonl"
[ "$sequential" = 1 ] || wait "$flowc_pid" || flowc_status=$?
[ "$flowc_status" = 0 ] || echo "flowc run exited with status $flowc_status: $(cat "$work/flowc.txt" | tail -1)"
echo "finished after $(( $(date +%s) - start )) s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$work/flowc.txt"
rundir=$(ls -d "$work/flowc"/*/ | head -1)

"$python" - "$rundir" "$work/torch.jsonl" <<'EOF'
import json, math, sys
rundir, torch_path = sys.argv[1:3]
ln2d = 784 * math.log(2)
flowc = [json.loads(l) for l in open(rundir + "/metrics.jsonl") if l.strip()]
final = json.load(open(rundir + "/final.json"))
run = json.load(open(rundir + "/run.json"))
torch_rows = [json.loads(l) for l in open(torch_path) if l.strip()]
head, torch_final = torch_rows[0], torch_rows[-1]
workers = run.get("workers") or 1
cores = f"{workers} workers of one BLAS thread" if workers > 1 else f"{run['threads']} BLAS threads"
print(f"flowc {run['flowcVersion']}: OpenBLAS kernel {run['blasCore']}, {cores}, {final['parameters']:,} parameters")
print(f"torch {head['torch']}: {head['threads']} threads, {head['parameters']:,} parameters")
print()
print("curve (bits/dim; flowc: train = NLL of the latest steps, val = 2,000 held-out training images):")
print(f"{'min':>6}  {'flowc step':>10}  {'train':>6}  {'val':>6}   {'torch step':>10}  {'train':>6}  {'val':>6}")
evals = [r for r in flowc if "val_bpd" in r]
tcurve = [r for r in torch_rows if "val_bpd" in r and not r.get("final")]
for i in range(max(len(evals), len(tcurve))):
    left = right = ""
    if i < len(evals):
        r = evals[i]
        tr = r["train_nll"] / ln2d if r.get("train_nll") is not None else float("nan")
        left = f"{r['elapsed_s'] / 60:>6.1f}  {r['step']:>10}  {tr:>6.3f}  {r['val_bpd']:>6.3f}"
    else:
        left = " " * 34
    if i < len(tcurve):
        r = tcurve[i]
        right = f"   {r['step']:>10}  {r['train_bpd']:>6.3f}  {r['val_bpd']:>6.3f}  (at {r['elapsed_s'] / 60:.1f} min)"
    print(left + right)
print()
fb = final["test_bpd"] if "test_bpd" in final else final["test_nll"] / ln2d
if final["status"] != "ok":
    print(f"flowc's final status: {final['status']} ({final.get('message')})")
print(f"test bits/dim (10,000 t10k images): flowc {fb:.4f} after {final['steps']} steps in {final['training_seconds'] / 60:.1f} min; "
      f"torch {torch_final['test_bpd']:.4f} after {torch_final['steps']} steps in {torch_final['elapsed_s'] / 60:.1f} min")
print(f"ms/step over the whole run: flowc {1000 * final['training_seconds'] / final['steps']:.0f}, "
      f"torch {1000 * torch_final['elapsed_s'] / torch_final['steps']:.0f}")
EOF
