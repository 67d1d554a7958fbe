"""The Python half of the FlowcExportTests: one process (one `import torch`) for every case.

    python3 parity.py JOBS.json RESULTS.json

Each job names an exported package. For each, with the package's modules imported afresh:
  * `flowc_checkpoint`: load a checkpoint written by flowc into the module and write log p(x)
    of `points` to `from_flowc` (the Swift side compares it with flowc's own);
  * `train_dir`: train the module `train_steps` steps with train.py (one process) into that
    run directory, reload its last checkpoint into a fresh module and write log p(x) of the
    points to `from_torch` (the Swift side has flowc evaluate the same checkpoint);
  * always: in float64 on the points (after the preprocessing), the round trip
    max |f^-1(f(x)) - x| and the largest gap between each row's summed log|det| and
    log|det| of the Jacobian computed by autograd.
  * `chain`: train `steps` steps into `dir`, copy the run to `copy` as an interrupted run of
    `total` steps (flowc resumes that copy), and continue `dir` itself to `total` with
    train.py --resume: the two engines then continue the same state;
  * `score`: [checkpoint, out] pairs: log p(x) of the points under each checkpoint;
  * `resume_dir`: continue the interrupted run there (one flowc trained) with train.py --resume;
  * `context` (a conditional flow): each point's raw context, a .npy of labels (`context_kind`
    "labels") or of values [n, C] ("values"), with which every log p(x | c) above is computed
    (and the round trip and Jacobian check, row by row); with `score_other_context` the `score`
    pairs use other contexts (each label + 1 mod K, the value rows in reverse order).
"""

import json
import os
import shutil
import sys

MODULES = ("flow", "config", "core", "nets", "couplings", "splines", "autoregressive", "normalization", "linear",
           "permutations", "elementwise", "multiscale", "priors", "data", "checkpoint", "evaluate", "optim", "train")


def fresh_import(package):
    for name in MODULES:
        sys.modules.pop(name, None)
    sys.path[:] = [p for p in sys.path if p != package]
    sys.path.insert(0, package)
    import checkpoint
    import config
    import data
    import evaluate
    import flow
    import train
    return flow, config, data, checkpoint, evaluate, train


def interrupted_at(run, total):
    """Marks the completed run `run` as interrupted, to be continued to `total` steps."""
    path = os.path.join(run, "run.json")
    info = json.load(open(path))
    info["overrides"] = [o for o in info["overrides"] if not o.startswith("train.steps=")] + [f"train.steps={total}"]
    info["status"], info["totalSteps"] = "interrupted", total
    json.dump(info, open(path, "w"), indent=2)


def jacobian_check(f, rows, preprocessing, context=None):
    import numpy as np
    import torch
    f = f.double().eval()
    x, _ = preprocessing.apply(rows[:8], np.random.default_rng(0))
    x = torch.from_numpy(x).double()
    c = torch.from_numpy(context[:8]) if context is not None else None
    with torch.no_grad():
        z, log_det = f.transform(x, c)
        back, _ = f.inverse(z, c)
    round_trip = float((back - x).abs().max())
    worst = 0.0
    for i in range(x.shape[0]):
        ci = c[i:i + 1] if c is not None else None
        jac = torch.autograd.functional.jacobian(lambda v: f.transform(v[None], ci)[0][0], x[i])
        worst = max(worst, abs(float(torch.linalg.slogdet(jac)[1]) - float(log_det[i])))
    return round_trip, worst


def main():
    import numpy as np
    import torch
    torch.set_num_threads(1)
    jobs = json.load(open(sys.argv[1]))
    results = {}
    for job in jobs:
        flow, config, data, checkpoint, evaluate, train = fresh_import(job["package"])
        result = {}
        rows = np.load(job["points"]).astype(np.float32).reshape(-1, flow.DIMENSION)
        settings = config.SETTINGS
        pre = data.Preprocessing(settings["data"])
        batch, seed = settings["eval"]["batch_size"], settings["eval"]["seed"]
        context = other = None
        if job.get("context"):
            raw = np.load(job["context"])
            if job["context_kind"] == "labels":
                context = raw.astype(np.int64)
                other = (context + 1) % settings["data"]["context"]["num_classes"]
            else:
                context = raw.astype(np.float32).reshape(len(rows), -1)
                other = np.ascontiguousarray(context[::-1])
        if job.get("flowc_checkpoint"):
            f = flow.build_flow().double()
            checkpoint.load(job["flowc_checkpoint"], f)
            np.save(job["from_flowc"], evaluate.log_densities(f, pre, rows, batch, seed, context))
        trained = flow.build_flow().double()
        if job.get("train_dir"):
            status = train.main(["--steps", str(job["train_steps"]), "--run-dir", job["train_dir"], "--quiet",
                                 "--threads", "1"])
            result["train_status"] = status
            checkpoint.load(os.path.join(job["train_dir"], "checkpoints", "last.safetensors"), trained)
            np.save(job["from_torch"], evaluate.log_densities(trained, pre, rows, batch, seed, context))
        if job.get("chain"):
            c = job["chain"]
            result["chain_status"] = train.main(["--steps", str(c["steps"]), "--run-dir", c["dir"], "--quiet", "--threads", "1"])
            shutil.copytree(c["dir"], c["copy"])
            interrupted_at(c["copy"], c["total"])
            interrupted_at(c["dir"], c["total"])
            result["chain_resume_status"] = train.main(["--resume", c["dir"], "--quiet", "--threads", "1"])
        if job.get("resume_dir"):
            interrupted_at(job["resume_dir"], job["resume_total"])
            result["resume_status"] = train.main(["--resume", job["resume_dir"], "--quiet", "--threads", "1"])
        for path, out in job.get("score", []):
            f = flow.build_flow().double()
            checkpoint.load(path, f)
            np.save(out, evaluate.log_densities(f, pre, rows, batch, seed,
                                                other if job.get("score_other_context") else context))
        # The trained module (weights moved, ActNorms initialised, BatchNorm statistics set).
        result["round_trip"], result["log_det_gap"] = jacobian_check(trained, rows, pre, context)
        results[job["name"]] = result
    json.dump(results, open(sys.argv[2], "w"), indent=2)


if __name__ == "__main__":
    main()
