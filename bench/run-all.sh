#!/usr/bin/env bash
# The one benchmark command of issue #16: every workload, flowc (release build) against a PyTorch
# implementation of the same flow, interleaved (flowc, PyTorch, flowc, PyTorch, ...; one process
# at a time, never two in parallel), several repetitions. Prints per workload the medians
# (min..max) of both, their ratio, the peak RSS of each, the OpenBLAS kernel flowc used, the
# sgemm rate of that kernel measured in the same run (and torch.mm's at the same shapes), flowc's
# time as a multiple of the matmul lower bound, and a Markdown table for docs/performance.md (the
# aims of issue #16, met or not); writes everything, raw times included, to bench/results.json.
# Never run by the tests.
#
#   bench/run-all.sh                                  (the full run: ~2.5-3 h on 2 busy cores, about half on quiet ones)
#   QUICK=1 bench/run-all.sh                          (smoke run: tiny step counts, 1 repetition, ~12 min)
#   ONLY="moons-step-b100 moons-density" REPS=3 bench/run-all.sh
#   python3 bench/run_all.py --report bench/results.json   (the tables again, from a results file)
#
# Workloads (docs/performance.md says what each measures and how):
#   moons-step-b100 moons-step-b100-export moons-step-b1000 moons-density moons-sample nice-step nice-epoch
#   realnvp-fmnist-step realnvp-fmnist-epoch glow-step nsf-step maf-step check-1000 diff-1000
# Environment:
#   REPS (5)            repetitions of every timed workload
#   EPOCH_REPS (5)      repetitions of the one-epoch workloads (seed = repetition; fewer cannot
#                       resolve the bits/dim aim of 0.02)
#   THREADS ("1 2")     thread counts of moons-step-b100 (flowc --threads, torch.set_num_threads);
#                       on a busy machine PyTorch at 2 threads spins (seconds per step): THREADS=1 then
#   THREADS_OTHER (1)   thread count(s) of every other flowc-vs-PyTorch workload
#   ONLY                workload names (space- or comma-separated) to run a subset
#   QUICK=1             tiny step counts, a 512-image "epoch", 1 repetition unless REPS is set: proves it runs
#   OUT (bench/results.json), KEEP=1 (keep the run directories, printed at the start),
#   FLOWC (default .build/release/flowc, built if missing), PYTHON (python3).
# flowc chooses its OpenBLAS kernel itself (a user's OPENBLAS_CORETYPE wins); the sgemm timer
# (bench/sgemm.c) is run on the same kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
flowc="${FLOWC:-.build/release/flowc}"
if [ ! -x "$flowc" ]; then
  echo "building flowc (release) ..." >&2
  swift build -c release --product flowc >&2
  flowc=.build/release/flowc
fi
exec "${PYTHON:-python3}" bench/run_all.py --flowc "$flowc"
