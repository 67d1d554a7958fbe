#!/usr/bin/env bash
# The sgemm rate of the system OpenBLAS (the library flowc links) on each OpenBLAS kernel
# flowc would try on this machine, best first as `flowc blas-kernel --verbose` lists them,
# plus the generic Prescott kernel and OpenBLAS's own choice (no OPENBLAS_CORETYPE), for the
# product of a moons hidden layer (batch 100 through 256x256) and a large square one, with
# 1 and all threads. A small C timer linked like flowc (pkg-config openblas) runs each product,
# so the rate is the library's, not flowc's; one process at a time, the best of many repetitions.
#
#   bench/blas-kernels.sh                         (SHAPES="100x256x256 2048x2048x2048", THREADS="1 <cores>")
#   KERNELS="SkylakeX Haswell" bench/blas-kernels.sh   (a kernel this CPU cannot run prints "crashed")
# Environment: KERNELS, SHAPES (MxNxK ...), THREADS, FLOWC (default .build/release/flowc, built if missing), CC (cc).
set -euo pipefail
cd "$(dirname "$0")/.."
flowc="${FLOWC:-.build/release/flowc}"
if [ ! -x "$flowc" ]; then
  echo "building flowc (release) ..." >&2
  swift build -c release --product flowc >&2
  flowc=.build/release/flowc
fi
shapes="${SHAPES:-100x256x256 2048x2048x2048}"
threads="${THREADS:-1 $(nproc)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/sgemm.c" <<'EOF'
/* sgemm M N K THREADS: prints the active kernel and the best GFLOP/s over ~1 s of repetitions. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + 1e-9 * t.tv_nsec; }
int main(int argc, char **argv) {
  int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
  openblas_set_num_threads(atoi(argv[4]));
  float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
  for (long i = 0; i < (long)m * k; i++) a[i] = (float)rand() / RAND_MAX - 0.5f;
  for (long i = 0; i < (long)k * n; i++) b[i] = (float)rand() / RAND_MAX - 0.5f;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
  double best = 1e30, start = now();
  for (int r = 0; r < 3 || now() - start < 1.0; r++) {
    double t = now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
    t = now() - t;
    if (t < best) best = t;
  }
  printf("%s %.1f\n", openblas_get_corename(), 2.0 * m * n * k / best / 1e9);
  return 0;
}
EOF
# shellcheck disable=SC2046
"${CC:-cc}" -O2 -o "$work/sgemm" "$work/sgemm.c" $(pkg-config --cflags --libs openblas)

choice=$(env -u OPENBLAS_CORETYPE -u FLOWC_BLAS_KERNEL "$flowc" blas-kernel --verbose)
chosen=$(echo "$choice" | head -1)
kernels="${KERNELS:-$(echo "$choice" | sed -n 's/^candidates: //p' | tr ',' ' ')}"
case " $kernels " in *" Prescott "*) ;; *) kernels="$kernels Prescott" ;; esac

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$(pkg-config --modversion openblas | sed 's/^/OpenBLAS /'); flowc chooses $chosen:"
echo "$choice" | sed -n 's/^reason: /  /p'
echo
printf '%-22s %8s' "kernel" "threads"
for s in $shapes; do printf ' %16s' "$s"; done
echo "   (sgemm GFLOP/s, best of ~1 s)"
for k in default $kernels; do
  for t in $threads; do
    label=$k
    [ "$k" = "$chosen" ] && label="$k (flowc)"
    row=""
    for s in $shapes; do
      IFS=x read -r m n kk <<<"$s"
      if [ "$k" = default ]; then
        out=$(env -u OPENBLAS_CORETYPE "$work/sgemm" "$m" "$n" "$kk" "$t" 2>/dev/null) || out="- crashed"
        label="OpenBLAS's own ($(echo "$out" | cut -d' ' -f1))"
      else
        out=$(OPENBLAS_CORETYPE=$k "$work/sgemm" "$m" "$n" "$kk" "$t" 2>/dev/null) || out="- crashed"
        # An unknown name makes OpenBLAS pick from the features instead: say what ran.
        ran=$(echo "$out" | cut -d' ' -f1)
        [ "$ran" != "-" ] && [ "${ran,,}" != "${k,,}" ] && label="$k (ran $ran)"
      fi
      row+=$(printf ' %16s' "$(echo "$out" | cut -d' ' -f2)")
    done
    printf '%-22s %8s%s\n' "$label" "$t" "$row"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
