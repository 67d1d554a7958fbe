"""Trains the exported flow as `flowc run` trains it, in one process or many:

    python3 train.py [--steps N] [--seed N] [--out DIR] [--device cpu|cuda]
    torchrun --nproc_per_node=N train.py ...              # DistributedDataParallel
    python3 train.py --resume RUN_DIR                     # continue an interrupted run

The run directory (DIR/<name>-<yyyymmdd-HHMMSS>/, DIR defaulting to `runs`) is flowc's
(docs/runs.md): spec.yaml, resolved.json, ir.txt, run.json, metrics.jsonl, final.json,
checkpoints/last.safetensors and best.safetensors in flowc's checkpoint format,
samples.npy. `flowc eval`, `sample`, `report`, `runs` and `diff` read it.

What matches flowc: the data (toy draws, file shuffles and splits, batch order: flowc's
own generator), the preprocessing and its Jacobian, the optimizers and global-norm
clipping (optim.py: flowc's update rules, which are PyTorch's), the learning-rate
schedule with its warm-up, the evaluation cadence, the checkpoints and their trainer
state: a run either engine checkpointed continues in the other to the same weights. `train.batch_size` is the global batch:
under torchrun every process draws the same batch and trains on its share of the rows
(rows rank, rank + N, ...), and DistributedDataParallel averages the gradients of losses
scaled so that the result is the gradient of the global batch's mean loss. ActNorm's
initialisation and BatchNorm's statistics use the global batch too (core.global_sum).
Process 0 evaluates and writes every file. The backend is gloo on the CPU, NCCL on GPUs.
"""

import argparse
import datetime
import json
import math
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.distributed as dist

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checkpoint  # noqa: E402
import config  # noqa: E402
import data  # noqa: E402
import evaluate  # noqa: E402
import optim  # noqa: E402
from flow import build_flow  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


# MARK: - Settings


def learning_rate(train, step, total):
    """The rate of update `step` (from 0): linear warm-up, then constant, cosine or linear decay."""
    base, warmup, floor = train["lr"], train["warmup_steps"], train["min_lr"]
    if step < warmup:
        return base * (step + 1) / warmup
    if train["schedule"] == "constant":
        return base
    progress = min(1.0, (step - warmup) / (max(1, total) - warmup))
    if train["schedule"] == "cosine":
        return floor + (base - floor) * (1 + math.cos(math.pi * progress)) / 2
    return floor + (base - floor) * (1 - progress)


def run_settings(steps=None, seed=None):
    """(settings, overrides, resolved graph) with train.py's --steps and --seed applied, as the
    `--set train.steps=N` and `--set train.seed=N` overrides flowc would record."""
    settings = json.loads(json.dumps(config.SETTINGS))
    overrides = list(config.OVERRIDES)
    with open(os.path.join(HERE, "resolved.json"), encoding="utf-8") as f:
        graph = json.load(f)
    if steps is not None:
        if settings["train"]["epochs"] is not None:
            raise SystemExit("error: the spec trains for train.epochs; export it again with --set to change its length")
        settings["train"]["steps"] = steps
        overrides.append(f"train.steps={steps}")
    if seed is not None:
        settings["train"]["seed"] = seed
        if config.DATA_SEED_FOLLOWS_TRAIN_SEED:
            settings["data"]["seed"] = seed
        overrides.append(f"train.seed={seed}")
    graph["settings"]["train"] = settings["train"]
    graph["settings"]["data"] = settings["data"]
    return settings, overrides, graph


# MARK: - The run directory


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def create_run_directory(root, name):
    """root/<name>-<yyyymmdd-HHMMSS>, with -2, -3, ... if taken (made atomically)."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    base = os.path.join(root, f"{safe}-{utc_now():%Y%m%d-%H%M%S}")
    os.makedirs(root, exist_ok=True)
    candidate, n = base, 2
    while True:
        try:
            os.mkdir(candidate)
            return candidate
        except FileExistsError:
            candidate, n = f"{base}-{n}", n + 1


def write_text(path, text):
    tmp = path + f".tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


class RunInfo:
    """run.json, in flowc's keys, plus what only this engine knows."""

    def __init__(self, spec_path, overrides, threads, world, device, total, step=0, started=None):
        self.value = {
            "flowcVersion": config.FLOWC_VERSION, "specPath": spec_path, "overrides": overrides,
            "threads": threads, "blasCore": f"pytorch {torch.__version__} ({device}, {world} process{'es' if world > 1 else ''})",
            "started": started or utc_now().strftime("%Y-%m-%dT%H:%M:%SZ"), "status": "running", "step": step,
            "totalSteps": total, "engine": "pytorch", "processes": world, "device": str(device),
        }

    def write(self, directory, **changes):
        self.value.update(changes)
        if self.value.get("message") is None:
            self.value.pop("message", None)
        write_text(os.path.join(directory, "run.json"), checkpoint.run_file_json(self.value, pretty=True))


# MARK: - Training


class Trainer:
    """One run: batches, steps, evaluations every eval_every steps, checkpoints."""

    def __init__(self, settings, overrides, graph, directory, device, rank, world, log):
        self.settings, self.overrides, self.directory = settings, overrides, directory
        self.device, self.rank, self.world, self.log = device, rank, world, log
        train, d = settings["train"], settings["data"]
        self.plan = data.DataPlan(settings, config.DIMENSION, config.SHAPE)
        if train["steps"] is not None:
            self.total = train["steps"]
        else:
            rows = self.plan.training_rows or 1
            self.total = max(1, train["epochs"] * ((rows + train["batch_size"] - 1) // train["batch_size"]))
        self.eval_every = train["eval_every"] or max(1, self.total // 10)
        self.checkpoint_every = train["checkpoint_every"] or self.eval_every
        torch.manual_seed(train["seed"])
        self.flow = build_flow().to(device)
        # A standardized column context z-scores each column with the training rows'
        # statistics, which the checkpoints keep (a resumed run restores the same values).
        encoder = self.flow.context
        if encoder is not None and encoder.encoding == "standardized":
            stats = self.plan.context_statistics()
            if stats is not None:
                encoder.set_standardization(*stats)
        named = [(n, p) for n, p in self.flow.named_parameters() if p.requires_grad]
        self.parameters = [p for _, p in named]
        self.model = self.flow
        if world > 1 and self.parameters:
            ids = [device.index] if device.type == "cuda" else None
            self.model = torch.nn.parallel.DistributedDataParallel(self.flow, device_ids=ids)
        self.optimizer = optim.Optimizer(train, named) if self.parameters else None
        self.noise = evaluate.noise(d["seed"], f"dequantize.rank{rank}")
        self.package = dict(config.PACKAGE)
        self.package["overrides"] = overrides
        self.package["resolved_graph"] = json.dumps(graph, ensure_ascii=False, separators=(",", ":"))
        self.step, self.best, self.loss_sum, self.loss_count, self.grad_norm, self.elapsed_before = 0, math.inf, 0.0, 0, 0.0, 0.0
        self.last_validation = None

    # Checkpoints

    def trainer_state(self, elapsed):
        return {"step": self.step, "bestValidation": self.best, "lossSum": self.loss_sum, "lossCount": self.loss_count,
                "gradientNorm": self.grad_norm, "elapsedSeconds": elapsed, "sampler": self.plan.sampler.state,
                "noise": data.Xoshiro256(self.settings["data"]["seed"], "dequantize").state}

    def save(self, name, elapsed):
        if self.rank == 0:
            path = os.path.join(self.directory, "checkpoints", name)
            state = self.trainer_state(elapsed)
            checkpoint.save(path, self.flow, self.optimizer, state, self.package)

    def restore(self, path):
        meta = checkpoint.load(path, self.flow, self.optimizer)
        s = meta["trainer_state"]
        self.step, self.loss_count = s["step"], s["lossCount"]
        self.best = checkpoint.read_run_number(s["bestValidation"])
        self.loss_sum = checkpoint.read_run_number(s["lossSum"])
        self.grad_norm = checkpoint.read_run_number(s["gradientNorm"])
        self.elapsed_before = s["elapsedSeconds"]
        self.plan.sampler.state = s["sampler"]

    # Evaluation

    def evaluate(self, rows, context=None):
        e = self.settings["eval"]
        return evaluate.score(self.flow, self.plan.preprocessing, rows, e["batch_size"], e["seed"], context)

    def evaluation_record(self, lr, elapsed):
        val, bpd = self.evaluate(self.plan.validation, self.plan.validation_context)
        record = {"step": self.step, "val_nll": val, "grad_norm": self.grad_norm, "lr": lr, "elapsed_s": elapsed}
        if self.loss_count > 0:
            record["train_nll"] = self.loss_sum / self.loss_count
        if bpd is not None:
            record["val_bpd"] = bpd
        self.loss_sum, self.loss_count = 0.0, 0
        return record

    # The loop

    @torch.no_grad()
    def first_non_finite(self, x, context=None):
        """The index of the first layer whose output (or log|det|) is not finite on `x`; None: the prior."""
        z = x
        c = self.flow.encode(context, x.shape[0])
        for i, layer in enumerate(self.flow.layers):
            out = self.flow.run_layer(layer, z, c)
            z, ld = out[0], out[1]
            if not (torch.isfinite(z).all() and torch.isfinite(ld).all()):
                return i
        return None

    def agree(self, flag):
        """Whether any process says so (Ctrl-C reaches them at different moments)."""
        if self.world == 1:
            return flag
        t = torch.tensor([1.0 if flag else 0.0], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return bool(t[0] > 0)

    def train(self, stop_requested):
        """Runs to the last step; returns "completed", ("interrupted", step) or ("diverged", step, layer)."""
        train = self.settings["train"]
        start = time.time()
        batch_size = train["batch_size"]
        dtype = self.flow.anchor.dtype
        while self.step < self.total:
            elapsed = self.elapsed_before + time.time() - start
            if self.agree(stop_requested()):
                self.save("last.safetensors", elapsed)
                return ("interrupted", self.step)
            rows, context = self.plan.next_batch_with_context(batch_size)
            n_global = len(rows)
            x, ld = self.plan.preprocessing.apply(data.shard(rows, self.rank, self.world), self.noise)
            x = torch.from_numpy(x).to(device=self.device, dtype=dtype)
            # A conditional flow's batch context (this process's rows of it), else None.
            c = evaluate.context_tensor(data.shard(context, self.rank, self.world), self.device) if context is not None else None
            lr = learning_rate(train, self.step, self.total)
            self.model.train()
            if self.optimizer is not None:
                self.optimizer.zero_grad()
            log_p = self.model(x) if c is None else self.model(x, c)
            # Each process's share of the global batch's mean loss, times the process count:
            # DistributedDataParallel's average of the gradients is then the global mean's gradient.
            loss = -log_p.sum() * (self.world / n_global)
            # [sum of -log p, sum of the preprocessing log|det|] over the processes.
            totals = torch.tensor([-float(log_p.detach().double().sum()), float(ld.sum())], dtype=torch.float64,
                                  device=self.device)
            if self.world > 1:
                dist.all_reduce(totals)
            mean_loss = float(totals[0]) / n_global
            if not math.isfinite(mean_loss):
                return ("diverged", self.step + 1, self.first_non_finite(x, c))
            if self.optimizer is not None:
                loss.backward()
                clip = train["clip_grad_norm"]
                if clip is not None:
                    norm = optim.clip_gradient_norm(self.parameters, clip)
                else:
                    norm = optim.gradient_norm(self.parameters)
                if not math.isfinite(norm):
                    return ("diverged", self.step + 1, None)
                self.optimizer.step(lr)
                self.grad_norm = norm
            self.step += 1
            self.loss_sum += mean_loss - float(totals[1]) / n_global
            self.loss_count += 1
            elapsed = self.elapsed_before + time.time() - start
            if self.step % self.eval_every == 0 or self.step == self.total:
                if self.rank == 0:
                    record = self.evaluation_record(lr, elapsed)
                    with open(os.path.join(self.directory, "metrics.jsonl"), "a", encoding="utf-8") as f:
                        f.write(checkpoint.run_file_json(record) + "\n")
                        f.flush()
                        os.fsync(f.fileno())
                    self.log(progress_line(record, self.total))
                    self.last_validation = record["val_nll"]
                    if record["val_nll"] < self.best:
                        self.best = record["val_nll"]
                        self.save("best.safetensors", elapsed)
                else:
                    self.loss_sum, self.loss_count = 0.0, 0
                if self.world > 1:
                    dist.barrier()
            if self.step % self.checkpoint_every == 0 or self.step == self.total:
                self.save("last.safetensors", elapsed)
        self.elapsed_before = self.elapsed_before + time.time() - start
        return "completed"

    def finish(self):
        """final.json and samples.npy (process 0), as flowc writes them."""
        e = self.settings["eval"]
        test, test_bpd = self.evaluate(self.plan.test, self.plan.test_context)
        validation = (self.last_validation if self.last_validation is not None
                      else self.evaluate(self.plan.validation, self.plan.validation_context)[0])
        round_trip = evaluate.round_trip_error(self.flow, self.plan.preprocessing, self.plan.test, e["batch_size"],
                                               self.plan.test_context)
        if e["samples"] > 0:
            context = evaluate.sample_context(self.settings, e["samples"], self.plan.test_context)
            s = evaluate.samples(self.flow, self.plan.preprocessing, e["samples"], e["temperature"], e["seed"],
                                 e["batch_size"], context)
            if config.SHAPE is not None:
                s = s.reshape([len(s)] + list(config.SHAPE))
            evaluate.write_npy(os.path.join(self.directory, "samples.npy"), s.astype(np.float32))
        final = {"steps": self.step, "test_nll": test, "best_val_nll": min(self.best, validation),
                 "final_val_nll": validation, "round_trip_max_error": round_trip,
                 "parameters": sum(p.numel() for p in self.flow.parameters()),
                 "training_seconds": self.elapsed_before, "test_points": len(self.plan.test)}
        if test_bpd is not None:
            final["test_bpd"] = test_bpd
        write_text(os.path.join(self.directory, "final.json"), checkpoint.run_file_json(final, pretty=True))
        return final


def progress_line(r, total):
    s = f"step {r['step']}/{total}"
    if "train_nll" in r:
        s += f"  train {r['train_nll']:.4f}"
    s += f"  val {r['val_nll']:.4f}"
    if "val_bpd" in r:
        s += f" ({r['val_bpd']:.3f} bits/dim)"
    return s + f"  |g| {r['grad_norm']:.3f}  lr {r['lr']:.3g}  {r['elapsed_s']:.1f} s"


# MARK: - Main


def main(argv=None):
    p = argparse.ArgumentParser(description=f"Train the flow '{config.NAME}' as flowc run does, on PyTorch.")
    p.add_argument("--steps", type=int, help="training steps (recorded as --set train.steps=N)")
    p.add_argument("--seed", type=int, help="training seed (recorded as --set train.seed=N)")
    p.add_argument("--out", default="runs", help="directory that receives the run directory (default: runs)")
    p.add_argument("--run-dir", help="use exactly this run directory (flowc run --engine pytorch passes it)")
    p.add_argument("--resume", help="continue the interrupted run in this run directory")
    p.add_argument("--device", default="cpu", help="cpu, cuda, or cuda:N (default cpu); under torchrun each process "
                                                    "takes the GPU of its local rank")
    p.add_argument("--threads", type=int, help="CPU threads per process (torch.set_num_threads)")
    p.add_argument("--quiet", action="store_true", help="print only the summary")
    args = p.parse_args(argv)

    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if args.device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise SystemExit("error: --device cuda, but PyTorch sees no GPU here")
        device = torch.device("cuda", local_rank if world > 1 else (torch.device(args.device).index or 0))
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if args.threads:
        torch.set_num_threads(args.threads)
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    log = (lambda s: None) if args.quiet or rank != 0 else (lambda s: print(s, file=sys.stderr, flush=True))

    resume = args.resume
    started = None
    if resume:
        if args.steps is not None or args.seed is not None:
            raise SystemExit("error: --resume continues a run as it was started; it takes no --steps or --seed")
        with open(os.path.join(resume, "run.json"), encoding="utf-8") as f:
            info = json.load(f)
        extra = info["overrides"][len(config.OVERRIDES):]
        steps = next((int(o.split("=", 1)[1]) for o in extra if o.startswith("train.steps=")), None)
        seed = next((int(o.split("=", 1)[1]) for o in extra if o.startswith("train.seed=")), None)
        directory, started = resume, info.get("started")
    else:
        steps, seed = args.steps, args.seed
        directory = args.run_dir
    settings, overrides, graph = run_settings(steps, seed)

    if rank == 0 and not resume:
        if directory is None:
            directory = create_run_directory(args.out, config.NAME)
        os.makedirs(os.path.join(directory, "checkpoints"), exist_ok=True)
        write_text(os.path.join(directory, "spec.yaml"), config.PACKAGE["spec_text"])
        write_text(os.path.join(directory, "resolved.json"), json.dumps(graph, indent=2, ensure_ascii=False) + "\n")
        with open(os.path.join(HERE, "ir.txt"), encoding="utf-8") as f:
            write_text(os.path.join(directory, "ir.txt"), f.read())
    if world > 1:
        shared = [directory]
        dist.broadcast_object_list(shared, src=0)
        directory = shared[0]

    trainer = Trainer(settings, overrides, graph, directory, device, rank, world, log)
    if resume:
        trainer.restore(os.path.join(directory, "checkpoints", "last.safetensors"))
    info = RunInfo(config.SPEC_PATH, overrides, torch.get_num_threads(), world, device, trainer.total, trainer.step,
                   started)
    if rank == 0:
        info.write(directory)
    params = sum(p.numel() for p in trainer.flow.parameters())
    log(f"run {directory}: {config.NAME}, {params:,} parameters, {trainer.total} steps"
        + (f", resuming at step {trainer.step}" if resume else "")
        + f" (pytorch {torch.__version__}, {world} process{'es' if world > 1 else ''} on {device})")

    stop = {"requested": False}

    def request_stop(signum, frame):
        stop["requested"] = True
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    # A parent may start us with these blocked (test runners, some process managers do).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})

    outcome = trainer.train(lambda: stop["requested"])
    status = 0
    if rank == 0:
        if outcome == "completed":
            final = trainer.finish()
            info.write(directory, status="completed", step=trainer.step)
            line = f"test NLL {final['test_nll']:.4f} nats on {final['test_points']} held-out points"
            if "test_bpd" in final:
                line += f" ({final['test_bpd']:.3f} bits/dim)"
            print(line)
            print(f"inverse round trip: max |g(f(x)) - x| = {final['round_trip_max_error']:.3g} on the test set")
            print(f"best validation NLL {final['best_val_nll']:.4f} · {final['steps']} steps in "
                  f"{final['training_seconds']:.1f} s · run directory {directory}", flush=True)
        elif outcome[0] == "interrupted":
            message = f"interrupted at step {outcome[1]}; continue with: python3 {os.path.join(HERE, 'train.py')} --resume {directory}"
            info.write(directory, status="interrupted", step=trainer.step, message=message)
            print(message, file=sys.stderr)
            status = 130
        else:
            kept = os.path.exists(os.path.join(directory, "checkpoints", "last.safetensors"))
            layer = outcome[2]
            where = "the prior's log-density" if layer is None else f"layer %{layer} ('{trainer.flow.names[layer]}')"
            message = (f"the loss became NaN or infinite at step {outcome[1]}: the first non-finite value came from {where}; "
                       + (f"the last good checkpoint is {os.path.join(directory, 'checkpoints', 'last.safetensors')}" if kept
                          else "no checkpoint had been written yet"))
            info.write(directory, status="diverged", step=trainer.step, message=message)
            print(f"error: {message}", file=sys.stderr)
            status = 1
    elif outcome != "completed":
        status = 130 if outcome[0] == "interrupted" else 1
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return status


if __name__ == "__main__":
    sys.exit(main())
