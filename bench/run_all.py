#!/usr/bin/env python3
"""The helper behind bench/run-all.sh: every workload of issue #16, flowc against PyTorch.

Called by bench/run-all.sh (which builds flowc and passes --flowc); the environment knobs
(REPS, THREADS, THREADS_OTHER, ONLY, QUICK, EPOCH_REPS, OUT, KEEP) are documented there and in
docs/performance.md. Standard library only in this file; the PyTorch counterparts are separate
scripts (bench/*_torch.py, or the package `flowc export --target pytorch` writes), each run as
its own process.

How a workload is timed (docs/performance.md has the long form):

* step   ms per training step by differencing two step counts, (t(LONG) - t(SHORT)) /
         (LONG - SHORT), t = each tool's own timer of its training loop: flowc and the
         exported train.py write `elapsed_s` into metrics.jsonl right after the last step (before
         that evaluation and the checkpoint writes); a hand-written PyTorch script times its loop
         alone. Start-up, data loading and the first steps' warm-up cancel in the difference.
         One difference per repetition.
* epoch  one full epoch of the spec as written (its own step count), seed = repetition; time =
         the same loop timer (eval_every past the end, so no validation pass inside it), test
         bits/dim from final.json, peak RSS of the process.
* density / sample   100,000 points: flowc = wall time of `flowc eval` / `flowc sample` on all
         points minus the same on one point; PyTorch = one pass after a one-point warm-up,
         timed inside the process (bench/realnvp_moons_eval_torch.py, same weights).
* check / diff   wall time of the `flowc check` / `flowc diff` process (no PyTorch counterpart).

Per repetition the tools alternate (flowc, PyTorch, flowc, PyTorch, ...), one process at a
time. Peak RSS comes from os.wait4 on each child (ru_maxrss: the largest of the child and the
descendants it waited for), so both tools are measured the same way; flowc's own
final.json `peak_rss_bytes` is recorded beside it.
"""

import argparse
import glob
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = os.environ.get("PYTHON", sys.executable)

# MARK: - Workloads
#
# kind: step | epoch | density | sample | check | diff. `torch` names the counterpart:
# "script:<path>" (a hand-written PyTorch script that takes --steps, --threads and prints its own
# training_seconds) or "export" (the package `flowc export --target pytorch` writes from the
# same spec and overrides, trained by its train.py). `sets` are `--set` overrides applied to
# both tools (the export gets them at export time; `key=~` removes a key, as `flowc run --unset`
# does, which `flowc export` does not take). `steps` = (SHORT, LONG)
# of the difference; `quick_steps` the same under QUICK=1. `gemm` = (M, N, K) of the step's
# typical matrix product, for the sgemm rate at that shape. `aims` come from issue #16
# ("Aims"), or, for check/diff, from bench/check-speed.sh and bench/diff-speed.sh.

# Small evaluation sets for step-time runs: each process still scores its test set at the end,
# and on Fashion-MNIST the 10,000 t10k images would cost more than the steps being timed.
# Outside the timed part in both tools; the same overrides go to both.
IMAGE_STEP_SETS = ["--set", "data.test_path=~", "--set", "eval.test_size=200",
                   "--set", "data.validation_size=200", "--set", "eval.samples=0"]
MOONS_STEP_SETS = ["--set", "eval.test_size=100", "--set", "eval.samples=0"]

WORKLOADS = [
    {"name": "moons-step-b100", "kind": "step", "what": "Real NVP moons training step, batch 100",
     "spec": "specs/realnvp-moons.yaml", "torch": "script:bench/realnvp_moons_torch.py", "torch_args": ["--test-size", "100"],
     "sets": MOONS_STEP_SETS, "steps": (200, 1000), "quick_steps": (5, 15), "gemm": (100, 256, 256), "threads": "THREADS",
     "aims": {"ratio": 0.35, "bound": 1.5}},
    # The same step against the exported package instead of the hand-written script: what
    # `flowc run --engine pytorch` costs (its toy data come from flowc's generator in Python).
    {"name": "moons-step-b100-export", "kind": "step", "what": "Real NVP moons training step, batch 100, PyTorch = flowc's exported package",
     "spec": "specs/realnvp-moons.yaml", "torch": "export", "sets": MOONS_STEP_SETS, "steps": (200, 1000), "quick_steps": (5, 15),
     "gemm": (100, 256, 256)},
    {"name": "moons-step-b1000", "kind": "step", "what": "Real NVP moons training step, batch 1000",
     "spec": "specs/realnvp-moons.yaml", "torch": "script:bench/realnvp_moons_torch.py",
     "torch_args": ["--test-size", "100", "--batch-size", "1000"],
     "sets": MOONS_STEP_SETS + ["--set", "train.batch_size=1000"], "batch": 1000, "steps": (50, 250), "quick_steps": (3, 8),
     "gemm": (1000, 256, 256), "aims": {"ratio": 0.6}},
    {"name": "moons-density", "kind": "density", "what": "Real NVP moons log-density of 100,000 points",
     "spec": "specs/realnvp-moons.yaml", "torch": "script:bench/realnvp_moons_eval_torch.py",
     "gemm": (1000, 256, 256), "aims": {"ratio": 0.4}},
    {"name": "moons-sample", "kind": "sample", "what": "Real NVP moons sampling of 100,000 points",
     "spec": "specs/realnvp-moons.yaml", "torch": "script:bench/realnvp_moons_eval_torch.py",
     "gemm": (1000, 256, 256), "aims": {"ratio": 0.4}},
    {"name": "nice-step", "kind": "step", "what": "NICE Fashion-MNIST training step, batch 256",
     "spec": "specs/nice-fashion-mnist.yaml", "torch": "export", "sets": IMAGE_STEP_SETS + ["--set", "train.epochs=~"],
     "steps": (5, 25), "quick_steps": (2, 4), "gemm": (256, 1000, 1000)},
    {"name": "nice-epoch", "kind": "epoch", "what": "NICE Fashion-MNIST, one epoch, batch 256",
     "spec": "specs/nice-fashion-mnist.yaml", "torch": "export", "sets": ["--set", "eval.samples=0"],
     "aims": {"ratio": 0.6, "rss": 0.5, "bpd": 0.02}},
    {"name": "realnvp-fmnist-step", "kind": "step", "what": "Real NVP (MLP) Fashion-MNIST training step, batch 128",
     "spec": "specs/realnvp-fashion-mnist.yaml", "torch": "export", "sets": IMAGE_STEP_SETS + ["--set", "train.epochs=~", "--set", "train.warmup_steps=1"],
     "steps": (5, 25), "quick_steps": (2, 4), "gemm": (128, 1024, 1024)},
    {"name": "realnvp-fmnist-epoch", "kind": "epoch", "what": "Real NVP (MLP) Fashion-MNIST, one epoch, batch 128",
     "spec": "specs/realnvp-fashion-mnist.yaml", "torch": "export", "sets": ["--set", "eval.samples=0"],
     "quick_sets": ["--set", "train.warmup_steps=1"],
     "aims": {"ratio": 0.6, "rss": 0.5, "bpd": 0.02}},
    {"name": "glow-step", "kind": "step", "what": "Glow (conv) Fashion-MNIST training step, batch 32",
     "spec": "specs/glow-fashion-mnist.yaml", "torch": "script:bench/glow_fashion_mnist_torch.py",
     "torch_args": ["--warmup", "1", "--eval-minutes", "100000", "--validation", "200", "--skip-final-eval"],
     "sets": IMAGE_STEP_SETS + ["--set", "train.warmup_steps=1"], "steps": (10, 40), "quick_steps": (2, 4), "gemm": None},
    {"name": "nsf-step", "kind": "step", "what": "Neural Spline Flow moons training step, batch 512",
     "spec": "specs/nsf-moons.yaml", "torch": "script:bench/nsf_moons_torch.py", "torch_args": ["--test-size", "100"],
     "sets": MOONS_STEP_SETS, "steps": (100, 500), "quick_steps": (3, 8), "gemm": (512, 128, 128)},
    {"name": "maf-step", "kind": "step", "what": "MAF moons training step, batch 256",
     "spec": "specs/maf-moons.yaml", "torch": "script:bench/maf_moons_torch.py", "torch_args": ["--test-size", "100", "--sample-count", "10"],
     "sets": MOONS_STEP_SETS, "steps": (200, 1000), "quick_steps": (3, 8), "gemm": (256, 128, 128)},
    {"name": "check-1000", "kind": "check", "what": "flowc check of a 1,000-layer spec", "aims": {"seconds": 0.1}},
    {"name": "diff-1000", "kind": "diff", "what": "flowc diff of two 1,000-layer specs", "aims": {"seconds": 1.0}},
]

# torch.mm's rate, for comparison with bench/sgemm.c's: threads, then shapes MxNxK.
TORCH_MM = """
import sys, time, torch
torch.set_num_threads(int(sys.argv[1]))
rates = []
for shape in sys.argv[2:]:
    m, n, k = map(int, shape.split("x"))
    a, b = torch.randn(m, k), torch.randn(k, n)
    torch.mm(a, b)
    best, start = float("inf"), time.perf_counter()
    while True:
        t = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t)
        if time.perf_counter() - start >= 1.0:
            break
    rates.append(2 * m * n * k / best / 1e9)
print(" ".join(f"{r:.1f}" for r in rates))
"""

# MARK: - Processes


class Failed(Exception):
    pass


def run(cmd, env=None, cwd=ROOT):
    """Runs cmd to completion, one process at a time. Returns wall seconds, CPU seconds, peak RSS
    (bytes, from os.wait4: the largest of the child and the descendants it waited for) and stdout."""
    out = tempfile.TemporaryFile(mode="w+")
    err = tempfile.TemporaryFile(mode="w+")
    full_env = dict(os.environ)
    full_env.update(env or {})
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=out, stderr=err, env=full_env, cwd=cwd)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read(), err.read()
    return {"wall_seconds": wall, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_bytes": usage.ru_maxrss * 1024,
            "exit": p.returncode, "stdout": stdout, "stderr": stderr}


def check_ok(r, cmd, ok=(0,)):
    if r["exit"] not in ok:
        tail = "\n".join((r["stderr"] or r["stdout"]).strip().splitlines()[-8:])
        raise Failed(f"exit {r['exit']}: {' '.join(cmd)}\n{tail}")
    return r


def last_json_line(text):
    lines = [line for line in text.strip().splitlines() if line.startswith("{")]
    if not lines:
        raise Failed("no JSON line in the output:\n" + text[-2000:])
    return json.loads(lines[-1])


def one_run_dir(root):
    dirs = [d for d in glob.glob(os.path.join(root, "*")) if os.path.isdir(d)]
    if len(dirs) != 1:
        raise Failed(f"expected one run directory in {root}, found {len(dirs)}")
    return dirs[0]


def loop_seconds(run_dir):
    """Seconds of the training loop up to its last step, from the last line of metrics.jsonl.

    Both engines (flowc and the exported train.py) take `elapsed_s` right after the step and
    before that evaluation's validation pass and checkpoint writes; final.json's
    training_seconds also holds those (a checkpoint's fsync alone varies by a second on a busy
    disk). With eval_every >= the step count, the last line is the only one, so nothing but
    steps is in it."""
    with open(os.path.join(run_dir, "metrics.jsonl"), encoding="utf-8") as f:
        lines = [json.loads(line) for line in f if line.strip()]
    return lines[-1]["elapsed_s"]


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# MARK: - The bench


class Bench:
    def __init__(self, args):
        self.flowc = os.path.abspath(args.flowc)
        self.quick = os.environ.get("QUICK", "0") == "1"
        # QUICK=1 defaults to one repetition; an explicit REPS still applies (to smoke-test the medians).
        self.reps = int(os.environ.get("REPS", "1" if self.quick else "5"))
        # Epoch repetition i is seed i. Five seeds by default, whatever REPS is: a seed's
        # bits/dim difference between the tools swings by ±0.03, so fewer cannot resolve the
        # aim of 0.02 (docs/performance.md, "epoch").
        self.epoch_reps = int(os.environ.get("EPOCH_REPS", "1" if self.quick else "5"))
        self.threads = [int(t) for t in os.environ.get("THREADS", "1 2").split()]
        self.threads_other = [int(t) for t in os.environ.get("THREADS_OTHER", "1").split()]
        only = os.environ.get("ONLY", "").replace(",", " ").split()
        names = [w["name"] for w in WORKLOADS]
        unknown = [n for n in only if n not in names]
        if unknown:
            raise SystemExit(f"ONLY: unknown workload(s) {', '.join(unknown)}; the workloads are: {', '.join(names)}")
        self.workloads = [w for w in WORKLOADS if not only or w["name"] in only]
        self.out = os.environ.get("OUT", os.path.join(ROOT, "bench", "results.json"))
        self.keep = os.environ.get("KEEP", "0") == "1"
        self.work = tempfile.mkdtemp(prefix="flowc-run-all-")
        self.sgemm = None
        self.checks = {}

    def say(self, text):
        print(text, file=sys.stderr, flush=True)

    # Machine and kernel

    def machine(self):
        info = {"cores": os.cpu_count(), "load_average": list(os.getloadavg())}
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as f:
                cpu = f.read()
            info["cpu"] = next((line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("model name")), None)
            flags = next((line.split(":", 1)[1].split() for line in cpu.splitlines() if line.startswith("flags")), [])
            info["avx2"], info["avx512f"] = "avx2" in flags, "avx512f" in flags
        except OSError:
            info["cpu"] = None
        r = check_ok(run([self.flowc, "--version"]), ["flowc", "--version"])
        info["flowc"] = r["stdout"].strip()
        r = check_ok(run([self.flowc, "blas-kernel", "--verbose"]), ["flowc", "blas-kernel", "--verbose"])
        lines = r["stdout"].strip().splitlines()
        info["kernel"] = lines[0].strip()
        for line in lines[1:]:
            key, _, value = line.partition(": ")
            info["kernel_" + key.strip()] = value.strip()
        info["OPENBLAS_CORETYPE"] = os.environ.get("OPENBLAS_CORETYPE")
        r = run(["pkg-config", "--modversion", "openblas"]) if shutil.which("pkg-config") else None
        info["openblas"] = r["stdout"].strip() if r and r["exit"] == 0 else None
        r = check_ok(run([PYTHON, "-c", "import json, torch, numpy; print(json.dumps({'torch': torch.__version__, "
                          "'numpy': numpy.__version__, 'mkl': torch.backends.mkl.is_available(), "
                          "'mkldnn': torch.backends.mkldnn.is_available()}))"]), ["torch"])
        torch_info = last_json_line(r["stdout"])
        info["torch"], info["numpy"] = torch_info["torch"], torch_info["numpy"]
        info["torch_mkl"], info["torch_mkldnn"] = torch_info["mkl"], torch_info["mkldnn"]
        info["python"] = sys.version.split()[0]
        return info

    def build_sgemm(self):
        """bench/sgemm.c (shared with bench/blas-kernels.sh), linked against the OpenBLAS flowc links."""
        if not (shutil.which(os.environ.get("CC", "cc")) and shutil.which("pkg-config")):
            self.say("no C compiler or pkg-config: no sgemm rate, no matmul bound")
            return
        flags = run(["pkg-config", "--cflags", "--libs", "openblas"])
        if flags["exit"] != 0:
            self.say("pkg-config knows no openblas: no sgemm rate, no matmul bound")
            return
        exe = os.path.join(self.work, "sgemm")
        r = run([os.environ.get("CC", "cc"), "-O2", "-o", exe, os.path.join(HERE, "sgemm.c")] + flags["stdout"].split())
        if r["exit"] != 0:
            self.say("bench/sgemm.c does not build: no sgemm rate, no matmul bound\n" + r["stderr"])
            return
        self.sgemm = exe

    def sgemm_rate(self, shape, threads, kernel):
        """GFLOP/s of cblas_sgemm at this shape and thread count on flowc's kernel (best of ~1 s)."""
        if self.sgemm is None:
            return None
        m, n, k = shape
        # flowc picks its kernel itself; the timer is told the same one (a user's
        # OPENBLAS_CORETYPE wins in both).
        env = {"OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE") or kernel}
        r = run([self.sgemm, str(m), str(n), str(k), str(threads)], env=env)
        if r["exit"] != 0:
            return None
        core, rate = r["stdout"].split()
        return {"shape": list(shape), "threads": threads, "kernel": core, "gflops": float(rate)}

    def torch_mm_rates(self, shapes, threads):
        """GFLOP/s of torch.mm (PyTorch's BLAS, MKL here) at the same shapes and threads, best of
        ~1 s each like bench/sgemm.c: says whether a ratio comes from the BLAS or the framework."""
        r = run([PYTHON, "-c", TORCH_MM, str(threads)] + ["x".join(map(str, sh)) for sh in shapes])
        if r["exit"] != 0:
            return [None] * len(shapes)
        return [float(v) for v in r["stdout"].split()]

    # FLOPs from `flowc check --emit json` (matrix products and convolutions only)

    def totals(self, spec):
        if spec not in self.checks:
            r = check_ok(run([self.flowc, "check", spec, "--emit", "json"]), ["flowc", "check", spec])
            doc = json.loads(r["stdout"])
            self.checks[spec] = {"totals": doc["totals"], "batch": doc["settings"]["train"]["batch_size"]}
        return self.checks[spec]

    def training_flops(self, w):
        t = self.totals(w["spec"])
        # training_flops_per_step is per the spec's batch; the only override that changes it is the batch.
        return t["totals"]["training_flops_per_step"] * w.get("batch", t["batch"]) / t["batch"]

    # flowc and its PyTorch counterpart

    def flowc_run(self, w, threads, steps=None, seed=0, extra_sets=()):
        out = tempfile.mkdtemp(dir=self.work, prefix="flowc-")
        cmd = [self.flowc, "run", w["spec"]] + list(w.get("sets", [])) + list(extra_sets)
        if steps is not None:
            cmd += ["--set", f"train.steps={steps}"]
        cmd += ["--seed", str(seed), "--threads", str(threads), "--out", out, "--quiet"]
        r = check_ok(run(cmd), cmd)
        d = one_run_dir(out)
        final, info = read_json(os.path.join(d, "final.json")), read_json(os.path.join(d, "run.json"))
        loop = loop_seconds(d)
        if not self.keep:
            shutil.rmtree(out)
        return {"loop_seconds": loop, "training_seconds": final["training_seconds"], "wall_seconds": r["wall_seconds"], "cpu_seconds": r["cpu_seconds"],
                "peak_rss_bytes": r["peak_rss_bytes"], "final_peak_rss_bytes": final.get("peak_rss_bytes"),
                "steps": final["steps"], "test_bpd": final.get("test_bpd"), "test_nll": final.get("test_nll"),
                "kernel": info.get("blasCore"), "kernel_reason": info.get("blasKernelReason"), "blas_threads": info.get("threads")}

    def export(self, w, extra_sets=()):
        """The PyTorch package of the same spec and overrides (once per workload, outside the timing)."""
        d = tempfile.mkdtemp(dir=self.work, prefix="export-")
        cmd = [self.flowc, "export", w["spec"], "--target", "pytorch", "-o", d] + list(w.get("sets", [])) + list(extra_sets)
        check_ok(run(cmd), cmd)
        return d

    def torch_run(self, w, threads, steps=None, seed=0, package=None):
        if w["torch"] == "export":
            out = tempfile.mkdtemp(dir=self.work, prefix="torch-")
            cmd = [PYTHON, os.path.join(package, "train.py"), "--out", out, "--seed", str(seed), "--threads", str(threads), "--quiet"]
            if steps is not None:
                cmd += ["--steps", str(steps)]
            r = check_ok(run(cmd), cmd)
            d = one_run_dir(out)
            final = read_json(os.path.join(d, "final.json"))
            loop = loop_seconds(d)
            if not self.keep:
                shutil.rmtree(out)
            return {"loop_seconds": loop, "training_seconds": final["training_seconds"], "wall_seconds": r["wall_seconds"], "cpu_seconds": r["cpu_seconds"],
                    "peak_rss_bytes": r["peak_rss_bytes"], "steps": final["steps"], "test_bpd": final.get("test_bpd"),
                    "test_nll": final.get("test_nll")}
        script = w["torch"].split(":", 1)[1]
        cmd = [PYTHON, script, "--steps", str(steps), "--threads", str(threads), "--seed", str(seed)] + list(w.get("torch_args", []))
        if "glow" not in script:
            cmd.append("--json")
        r = check_ok(run(cmd), cmd)
        result = last_json_line(r["stdout"])
        # The Glow script prints elapsed_s (its training loop) on its final line; the others training_seconds.
        # The script's timer is around its training loop alone (no evaluation, no checkpoints).
        seconds = result.get("training_seconds", result.get("elapsed_s"))
        return {"loop_seconds": seconds, "training_seconds": seconds, "wall_seconds": r["wall_seconds"], "cpu_seconds": r["cpu_seconds"],
                "peak_rss_bytes": r["peak_rss_bytes"], "steps": result.get("steps"), "torch": result.get("torch")}

    # Workload kinds

    def step(self, w, threads, kernel):
        short, long_ = w["quick_steps"] if self.quick else w["steps"]
        # One evaluation, at the last step, in every run (eval_every = LONG; both tools also
        # evaluate at the final step): a constant that the difference removes.
        sets = ["--set", f"train.eval_every={long_}"]
        package = self.export(w, sets + ["--set", f"train.steps={long_}"]) if w["torch"] == "export" else None
        raw = {"flowc": [], "torch": []}
        for rep in range(self.reps):
            self.say(f"  {w['name']} threads {threads} rep {rep + 1}/{self.reps}")
            pair = {"flowc": {}, "torch": {}}
            for steps in (short, long_):
                pair["flowc"][steps] = self.flowc_run(w, threads, steps, extra_sets=sets)
                pair["torch"][steps] = self.torch_run(w, threads, steps, package=package)
            for tool in ("flowc", "torch"):
                a, b = pair[tool][short], pair[tool][long_]
                raw[tool].append({"short": a, "long": b, "ms_per_step": 1000 * (b["loop_seconds"] - a["loop_seconds"]) / (long_ - short)})
        flops = self.training_flops(w)
        return {"steps": [short, long_], "raw": raw, "flops_per_step": flops, "unit": "ms/step",
                "flowc": [r["ms_per_step"] for r in raw["flowc"]], "torch": [r["ms_per_step"] for r in raw["torch"]],
                "flowc_rss": [r["long"]["peak_rss_bytes"] for r in raw["flowc"]],
                "torch_rss": [r["long"]["peak_rss_bytes"] for r in raw["torch"]],
                "flowc_kernel": raw["flowc"][0]["long"]["kernel"], "flowc_kernel_reason": raw["flowc"][0]["long"]["kernel_reason"]}

    def epoch(self, w, threads, kernel):
        extra = []
        if self.quick:
            # A smoke run: a 512-image "epoch" and a 200-image test set (its bits/dim say nothing).
            extra = ["--set", "data.train_size=512", "--set", "data.test_path=~", "--set", "eval.test_size=200",
                     "--set", "data.validation_size=200"] + w.get("quick_sets", [])
        # One validation pass, at the end of the epoch, in both tools (the spec's default is ten).
        extra += ["--set", "train.eval_every=1000000"]
        package = self.export(w, extra) if w["torch"] == "export" else None
        raw = {"flowc": [], "torch": []}
        for rep in range(self.epoch_reps):
            self.say(f"  {w['name']} threads {threads} rep {rep + 1}/{self.epoch_reps} (seed {rep})")
            raw["flowc"].append(self.flowc_run(w, threads, seed=rep, extra_sets=extra))
            raw["torch"].append(self.torch_run(w, threads, seed=rep, package=package))
        fb = [r["test_bpd"] for r in raw["flowc"]]
        tb = [r["test_bpd"] for r in raw["torch"]]
        return {"raw": raw, "unit": "s/epoch", "steps_per_epoch": raw["flowc"][0]["steps"],
                "torch_steps_per_epoch": raw["torch"][0]["steps"],
                "flowc": [r["loop_seconds"] for r in raw["flowc"]], "torch": [r["loop_seconds"] for r in raw["torch"]],
                "flowc_rss": [r["peak_rss_bytes"] for r in raw["flowc"]], "torch_rss": [r["peak_rss_bytes"] for r in raw["torch"]],
                "flowc_bpd": fb, "torch_bpd": tb,
                "bpd_difference": statistics.mean(fb) - statistics.mean(tb) if None not in fb + tb else None,
                "flowc_kernel": raw["flowc"][0]["kernel"], "flowc_kernel_reason": raw["flowc"][0]["kernel_reason"]}

    def moons_model(self):
        """A checkpoint of specs/realnvp-moons.yaml (briefly trained: the time of a pass does not
        depend on the weights) and 100,000 moons, shared by moons-density and moons-sample."""
        if hasattr(self, "_moons"):
            return self._moons
        out = os.path.join(self.work, "moons-model")
        os.makedirs(out)
        cmd = [self.flowc, "run", "specs/realnvp-moons.yaml", "--set", "train.steps=20", "--set", "eval.test_size=100",
               "--set", "eval.samples=0", "--threads", "1", "--out", out, "--quiet"]
        check_ok(run(cmd), cmd)
        checkpoint = os.path.join(one_run_dir(out), "checkpoints", "last.safetensors")
        n = 10000 if self.quick else 100000  # QUICK: a tenth, to keep the smoke run short
        points, one = os.path.join(self.work, f"moons-{n}.npy"), os.path.join(self.work, "moons-1.npy")
        code = ("import sys, numpy as np; sys.path.insert(0, 'bench'); from realnvp_moons_torch import make_moons; "
                "x = make_moons(int(sys.argv[1]), 0.05, np.random.default_rng(7)); np.save(sys.argv[2], x); np.save(sys.argv[3], x[:1])")
        check_ok(run([PYTHON, "-c", code, str(n), points, one]), ["make moons"])
        self._moons = (checkpoint, points, one, n)
        return self._moons

    def density_or_sample(self, w, threads, kernel):
        checkpoint, points, one, n = self.moons_model()
        env = {"OPENBLAS_NUM_THREADS": str(threads)}  # flowc eval/sample take no --threads
        raw = {"flowc": [], "torch": []}
        for rep in range(self.reps):
            self.say(f"  {w['name']} threads {threads} rep {rep + 1}/{self.reps}")
            if w["kind"] == "density":
                small = [self.flowc, "eval", checkpoint, "--data", one]
                big = [self.flowc, "eval", checkpoint, "--data", points]
            else:
                small = [self.flowc, "sample", checkpoint, "-n", "1", "-o", os.path.join(self.work, "s1.npy")]
                big = [self.flowc, "sample", checkpoint, "-n", str(n), "-o", os.path.join(self.work, "sn.npy")]
            a = check_ok(run(small, env=env), small)
            b = check_ok(run(big, env=env), big)
            entry = {"seconds": b["wall_seconds"] - a["wall_seconds"], "one_point_wall_seconds": a["wall_seconds"],
                     "all_points_wall_seconds": b["wall_seconds"], "peak_rss_bytes": b["peak_rss_bytes"]}
            if w["kind"] == "density":
                # "mean NLL 1.2345 nats over 100000 points"
                entry["mean_nll"] = float(b["stdout"].split("mean NLL")[1].split()[0])
            raw["flowc"].append(entry)
            cmd = [PYTHON, w["torch"].split(":", 1)[1], checkpoint, "--mode", w["kind"], "--threads", str(threads)]
            cmd += ["--points", points] if w["kind"] == "density" else ["--count", str(n)]
            r = check_ok(run(cmd), cmd)
            t = last_json_line(r["stdout"])
            t["peak_rss_bytes"] = r["peak_rss_bytes"]
            raw["torch"].append(t)
        totals = self.totals(w["spec"])["totals"]
        per_sample = totals["flops_per_sample"] if w["kind"] == "density" else totals.get("sampling_flops_per_sample", totals["flops_per_sample"])
        result = {"raw": raw, "unit": "ms", "points": n, "flops": per_sample * n,
                  "flowc": [1000 * r["seconds"] for r in raw["flowc"]], "torch": [1000 * r["seconds"] for r in raw["torch"]],
                  "flowc_rss": [r["peak_rss_bytes"] for r in raw["flowc"]], "torch_rss": [r["peak_rss_bytes"] for r in raw["torch"]],
                  "flowc_kernel": kernel}
        if w["kind"] == "density":
            # The same weights and points: the two mean NLLs must agree (float32 rounding apart).
            result["nll_difference"] = raw["flowc"][0]["mean_nll"] - raw["torch"][0]["mean_nll"]
        return result

    def check_or_diff(self, w):
        """The 1,000-layer specs of bench/check-speed.sh and bench/diff-speed.sh."""
        d = os.path.join(self.work, "layers")
        if not os.path.isdir(d):
            os.makedirs(d)
            with open(os.path.join(d, "points.csv"), "w", encoding="utf-8") as f:
                f.write("x\n1\n")  # the specs' data file: check looks it up
            for name, changed in (("a", False), ("b", True)):
                lines = ["dim: 16", "prior: standard_normal", "templates:", "  net: {hidden: [32, 32], activation: leaky_relu}", "flow:"]
                for i in range(1000):
                    keep = "even" if i % 2 == 0 else "odd"
                    if changed and i == 750:
                        keep = "[1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]"
                    lines.append(f"  - {{kind: affine_coupling, keep: {keep}, scale: net, shift: net}}")
                    if changed and i == 499:
                        lines.append("  - {kind: permutation, order: reverse}")
                lines += ["data: {source: csv, path: points.csv}", "train: {steps: 1000, lr: 1e-3}"]
                with open(os.path.join(d, f"{name}.yaml"), "w", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")
        a, b = os.path.join(d, "a.yaml"), os.path.join(d, "b.yaml")
        cmd = [self.flowc, "check", a] if w["kind"] == "check" else [self.flowc, "diff", a, b]
        ok = (0,) if w["kind"] == "check" else (0, 1)  # diff exits 1 when the specs differ
        runs = 1 if self.quick else 3 * self.reps  # ~0.1 s each: more runs for a steadier median
        self.say(f"  {w['name']}: {runs} runs")
        times, rss = [], []
        for _ in range(runs):
            r = check_ok(run(cmd), cmd, ok)
            times.append(1000 * r["wall_seconds"])
            rss.append(r["peak_rss_bytes"])
        start_up = [1000 * run([self.flowc, "--version"])["wall_seconds"] for _ in range(runs)]
        return {"unit": "ms", "flowc": times, "flowc_rss": rss, "startup_ms": start_up}

    # Summary

    def summarise(self, w, m, threads):
        s = {}
        for tool in ("flowc", "torch"):
            v = m.get(tool)
            if v:
                s[tool] = {"median": statistics.median(v), "min": min(v), "max": max(v)}
            rss = m.get(tool + "_rss")
            if rss:
                s[tool + "_peak_rss_bytes"] = statistics.median(rss)
        if "torch" in s and s["torch"]["median"] > 0:
            s["ratio"] = s["flowc"]["median"] / s["torch"]["median"]
        if "flowc_peak_rss_bytes" in s and "torch_peak_rss_bytes" in s:
            s["rss_ratio"] = s["flowc_peak_rss_bytes"] / s["torch_peak_rss_bytes"]
        # The matmul lower bound: the FLOPs of the step's products at the sgemm rate measured now.
        flops = m.get("flops_per_step", m.get("flops"))
        for key in ("sgemm_shape", "sgemm_peak"):
            g = m.get(key)
            if flops and g:
                bound_ms = 1000 * flops / (g["gflops"] * 1e9)
                s[key.replace("sgemm", "bound")] = {"bound_ms": bound_ms, "multiple": s["flowc"]["median"] / bound_ms}
        if flops:
            s["flowc_gflops"] = flops / (s["flowc"]["median"] / 1000) / 1e9
            if "torch" in s:
                s["torch_gflops"] = flops / (s["torch"]["median"] / 1000) / 1e9
        if "bpd_difference" in m:
            s["bpd_difference"] = m["bpd_difference"]
        if "nll_difference" in m:
            s["nll_difference"] = m["nll_difference"]
        s["aims"] = self.aims(w, s)
        return s

    def aims(self, w, s):
        out = []
        a = w.get("aims", {})
        if "ratio" in a and "ratio" in s:
            out.append({"what": "time ratio", "aim": a["ratio"], "value": s["ratio"], "met": s["ratio"] <= a["ratio"]})
        if "bound" in a and "bound_shape" in s:
            v = s["bound_shape"]["multiple"]
            out.append({"what": "x matmul bound", "aim": a["bound"], "value": v, "met": v <= a["bound"]})
        if "rss" in a and "rss_ratio" in s:
            out.append({"what": "peak RSS ratio", "aim": a["rss"], "value": s["rss_ratio"], "met": s["rss_ratio"] <= a["rss"]})
        if "bpd" in a and s.get("bpd_difference") is not None:
            v = s["bpd_difference"]
            out.append({"what": "|bits/dim difference|", "aim": a["bpd"], "value": v, "met": abs(v) <= a["bpd"]})
        if "seconds" in a:
            v = s["flowc"]["median"] / 1000
            out.append({"what": "seconds", "aim": a["seconds"], "value": v, "met": v <= a["seconds"]})
        return out

    # Main

    def main(self):
        started = time.time()
        self.say(f"work directory {self.work}" + (" (kept)" if self.keep else ""))
        machine = self.machine()
        self.build_sgemm()
        results = {"format": "flowc-bench-results", "version": 1, "quick": self.quick, "reps": self.reps, "epoch_reps": self.epoch_reps,
                   "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)), "machine": machine, "workloads": []}
        kernel = machine["kernel"]
        self.say(f"flowc {machine['flowc']}, kernel {kernel}; torch {machine['torch']}; {machine['cores']} cores, "
                 f"load {machine['load_average']}" + ("; QUICK=1: a smoke run, not a measurement" if self.quick else ""))
        for w in self.workloads:
            thread_counts = [None] if w["kind"] in ("check", "diff") else (self.threads if w.get("threads") == "THREADS" else self.threads_other)
            for t in thread_counts:
                what = w["what"].replace("100,000", "10,000") if self.quick else w["what"]
                entry = {"name": w["name"], "kind": w["kind"], "what": what, "threads": t, "spec": w.get("spec"),
                         "torch_counterpart": w.get("torch"), "load_average_start": list(os.getloadavg())}
                self.say(f"{w['name']}" + (f", {t} thread{'s' if t > 1 else ''}" if t else ""))
                try:
                    if w["kind"] in ("check", "diff"):
                        m = self.check_or_diff(w)
                    else:
                        # The sgemm rate of flowc's BLAS at this thread count, and torch.mm's, measured now, beside the workload.
                        shapes = [(2048, 2048, 2048)] + ([tuple(w["gemm"])] if w.get("gemm") else [])
                        m_sgemm = {"sgemm_peak": self.sgemm_rate(shapes[0], t, kernel)}
                        if w.get("gemm"):
                            m_sgemm["sgemm_shape"] = self.sgemm_rate(w["gemm"], t, kernel)
                        m_sgemm["torch_mm_gflops"] = dict(zip(["peak", "shape"], self.torch_mm_rates(shapes, t)))
                        m = {"step": self.step, "epoch": self.epoch, "density": self.density_or_sample,
                             "sample": self.density_or_sample}[w["kind"]](w, t, kernel)
                        m.update(m_sgemm)
                    entry["measurements"] = m
                    entry["summary"] = self.summarise(w, m, t)
                except Failed as e:
                    entry["error"] = str(e)
                    self.say(f"  FAILED: {e}")
                entry["load_average_end"] = list(os.getloadavg())
                results["workloads"].append(entry)
                self.write(results)  # after every workload, so a long run that dies keeps what it measured
        results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        results["machine"]["load_average_end"] = list(os.getloadavg())
        results["duration_seconds"] = time.time() - started
        self.write(results)
        print(report(results))
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return 1 if any("error" in e for e in results["workloads"]) else 0

    def write(self, results):
        tmp = self.out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)
            f.write("\n")
        os.replace(tmp, self.out)


# MARK: - Printing (also `python3 bench/run_all.py --report bench/results.json`)


def fmt_value(v, unit):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if unit == "s/epoch":
        return f"{v:.1f} s"
    if unit in ("ms", "ms/step"):
        return f"{v:.3g} ms" if v < 10 else f"{v:.1f} ms" if v < 1000 else f"{v / 1000:.2f} s"
    return f"{v:.3g}"


def fmt_stat(s, unit):
    if not s:
        return "-"
    if s["min"] == s["max"]:
        return fmt_value(s["median"], unit)
    return f"{fmt_value(s['median'], unit)} ({fmt_value(s['min'], unit)}..{fmt_value(s['max'], unit)})"


def mb(b):
    return f"{b / 2**20:.0f} MiB" if b is not None else "-"


def report(results):
    lines = []
    m = results["machine"]
    lines.append("")
    if results["quick"]:
        lines.append("**QUICK=1 smoke run: tiny step counts, one repetition. These numbers are not measurements.**")
        lines.append("")
    lines.append(f"Machine: {m.get('cpu')}, {m['cores']} cores (AVX2 {'yes' if m.get('avx2') else 'no'}, "
                 f"AVX-512 {'yes' if m.get('avx512f') else 'no'}); load average {m['load_average'][0]:.2f} at the start, "
                 f"{m.get('load_average_end', [float('nan')])[0]:.2f} at the end. flowc {m['flowc']}, OpenBLAS {m.get('openblas')} "
                 f"kernel {m['kernel']} ({m.get('kernel_reason', '')}); PyTorch {m['torch']} (MKL {'yes' if m.get('torch_mkl') else 'no'}). "
                 f"repetitions: {results['reps']} ({results['epoch_reps']} for the epochs), medians (min..max); "
                 f"flowc and PyTorch alternating, one process at a time.")
    lines.append("")
    lines.append("| workload | threads | flowc | PyTorch | flowc / PyTorch | aim | met |")
    lines.append("|---|---|---|---|---|---|---|")
    for e in results["workloads"]:
        t = str(e["threads"]) if e["threads"] else "-"
        if "error" in e:
            lines.append(f"| {e['what']} | {t} | failed | | | | |")
            continue
        s, unit = e["summary"], e["measurements"]["unit"]
        aims = {a["what"]: a for a in s["aims"]}
        ratio = aims.get("time ratio")
        ratio_text = f"{s['ratio']:.2f}" if "ratio" in s else "-"
        lines.append(f"| {e['what']} | {t} | {fmt_stat(s.get('flowc'), unit)} | {fmt_stat(s.get('torch'), unit)} | {ratio_text} | "
                     + (f"≤ {ratio['aim']} | {'yes' if ratio['met'] else 'no'} |" if ratio else
                        (f"≤ {aims['seconds']['aim'] * 1000:.0f} ms | {'yes' if aims['seconds']['met'] else 'no'} |" if "seconds" in aims else "- | - |")))
        if "bound_shape" in s or "bound_peak" in s:
            bs, bp = s.get("bound_shape"), s.get("bound_peak")
            a = aims.get("x matmul bound")
            text = (f"{bs['multiple']:.2f}× of {fmt_value(bs['bound_ms'], 'ms')}" if bs else "-")
            if bs and bs["multiple"] < 1:
                # Faster than the bound: the sgemm rate was measured while other work held the cores, or the
                # FLOPs overcount what flowc computes. Not a result to quote.
                text += " (below 1: suspicious)"
            peak = f"{bp['multiple']:.2f}× of {fmt_value(bp['bound_ms'], 'ms')} at 2048³" if bp else ""
            lines.append(f"| ↳ flowc as a multiple of the matmul bound | {t} | {text} | {peak} | | "
                         + (f"≤ {a['aim']}× | {'yes' if a['met'] else 'no'} |" if a else "- | - |"))
        if "peak RSS ratio" in aims:
            a = aims["peak RSS ratio"]
            lines.append(f"| ↳ peak RSS | {t} | {mb(s.get('flowc_peak_rss_bytes'))} | {mb(s.get('torch_peak_rss_bytes'))} | "
                         f"{s['rss_ratio']:.2f} | ≤ {a['aim']} | {'yes' if a['met'] else 'no'} |")
        if "|bits/dim difference|" in aims:
            a = aims["|bits/dim difference|"]
            meas = e["measurements"]
            fb = statistics.mean(meas["flowc_bpd"])
            tb = statistics.mean(meas["torch_bpd"])
            flag = "yes" if a["met"] else "**NO**"
            if results["quick"]:
                flag += " (QUICK: meaningless)"
            lines.append(f"| ↳ test bits/dim after the epoch | {t} | {fb:.4f} | {tb:.4f} | Δ {a['value']:+.4f} | "
                         f"\\|Δ\\| ≤ {a['aim']} | {flag} |")
    lines.append("")
    lines.append("| workload | threads | flowc kernel | sgemm GFLOP/s at the shape (M×N×K) | at 2048³ | torch.mm GFLOP/s shape \\| 2048³ | "
                 "flowc GFLOP/s | PyTorch GFLOP/s | peak RSS flowc | peak RSS PyTorch | PyTorch counterpart |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for e in results["workloads"]:
        if "error" in e or e["kind"] in ("check", "diff"):
            continue
        s, meas = e["summary"], e["measurements"]
        gs, gp = meas.get("sgemm_shape"), meas.get("sgemm_peak")
        shape = f"{gs['gflops']:.1f} ({'×'.join(map(str, gs['shape']))})" if gs else "-"
        rate = lambda v: f"{v:.1f}" if v is not None else "-"
        tm = meas.get("torch_mm_gflops", {})
        lines.append(f"| {e['name']} | {e['threads']} | {meas.get('flowc_kernel')} | {shape} | {rate(gp['gflops'] if gp else None)} | "
                     f"{rate(tm.get('shape'))} \\| {rate(tm.get('peak'))} | {rate(s.get('flowc_gflops'))} | {rate(s.get('torch_gflops'))} | "
                     f"{mb(s.get('flowc_peak_rss_bytes'))} | {mb(s.get('torch_peak_rss_bytes'))} | {e['torch_counterpart']} |")
    for e in results["workloads"]:
        if "error" in e:
            lines.append("")
            lines.append(f"FAILED {e['name']} (threads {e['threads']}): {e['error']}")
        elif "nll_difference" in e["summary"]:
            lines.append("")
            lines.append(f"{e['name']}: flowc eval and the PyTorch module score the same points with the same weights; "
                         f"mean NLL difference {e['summary']['nll_difference']:+.2e} nats.")
        elif e["kind"] == "epoch":
            meas = e["measurements"]
            lines.append("")
            lines.append(f"{e['name']}: {meas['steps_per_epoch']} steps per epoch in flowc, {meas['torch_steps_per_epoch']} in PyTorch; "
                         "test bits/dim per seed: flowc " + ", ".join(f"{v:.4f}" for v in meas["flowc_bpd"])
                         + "; PyTorch " + ", ".join(f"{v:.4f}" for v in meas["torch_bpd"]) + ".")
        elif e["kind"] in ("check", "diff"):
            st = e["measurements"]["startup_ms"]
            lines.append("")
            lines.append(f"{e['name']}: process start-up alone (flowc --version) {statistics.median(st):.1f} ms.")
    if any(e.get("torch_counterpart") == "export" for e in results["workloads"]):
        lines.append("")
        lines.append("PyTorch = export: the package `flowc export --target pytorch` writes (what `flowc run --engine pytorch` "
                     "trains), its train.py run directly. Same layers, optimizer, batch, schedule, clipping and data pipeline as "
                     "flowc; its timed loop also draws every batch with flowc's generator in pure Python, adds numpy "
                     "dequantization noise and runs its own Adam (flowc's rule, one tensor at a time). Init: flowc's scheme "
                     "(nn.Linear defaults, zeroed last layers) but drawn from torch's generator, so not flowc's initial weights; "
                     "bits/dim are compared as means over seeds.")
    if any((e.get("torch_counterpart") or "").startswith("script:") for e in results["workloads"]):
        lines.append("")
        lines.append("PyTorch = script: a hand-written PyTorch script of the same flow (its docstring gives the correspondence): "
                     "PyTorch's default init (flowc's scheme, other draws), numpy data, torch.optim.Adam; it times its loop alone.")
    lines.append("")
    lines.append("step: ms/step = (t(LONG) - t(SHORT)) / (LONG - SHORT) of each tool's own timer of its training loop; "
                 "epoch: that timer over one epoch (no validation pass inside it); density/sample: flowc = wall(all points) - "
                 "wall(one point), PyTorch = one timed pass after a one-point warm-up; matmul bound = FLOPs of the products "
                 "(flowc check) / sgemm rate of flowc's OpenBLAS kernel measured in this run at the workload's product shape "
                 "(and at 2048³). docs/performance.md explains each.")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flowc", default=os.path.join(ROOT, ".build", "release", "flowc"))
    parser.add_argument("--report", metavar="RESULTS_JSON", help="print the tables of an earlier run and exit")
    a = parser.parse_args()
    if a.report:
        print(report(read_json(a.report)))
        sys.exit(0)
    os.chdir(ROOT)
    sys.exit(Bench(a).main())
