#!/usr/bin/env bash
# The sgemm rate of the system OpenBLAS (the library flowc links) on each OpenBLAS kernel
# flowc would try on this machine, best first as `flowc blas-kernel --verbose` lists them,
# plus the generic Prescott kernel and OpenBLAS's own choice (no OPENBLAS_CORETYPE), for the
# product of a moons hidden layer (batch 100 through 256x256) and a large square one, with
# 1 and all threads. A small C timer linked like flowc (bench/sgemm.c, pkg-config openblas; also
# used by bench/run-all.sh) runs each product, so the rate is the library's, not flowc's; one
# process at a time, the best of many repetitions.
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

# shellcheck disable=SC2046
"${CC:-cc}" -O2 -o "$work/sgemm" bench/sgemm.c $(pkg-config --cflags --libs openblas)

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
