"""flowc's optimizers (FlowRuntime/Training/Optimizer.swift), whose update rules are
PyTorch's: Adam (weight decay as L2), AdamW (decoupled weight decay) and SGD with
momentum. Their state is kept under PyTorch's names (`exp_avg`, `exp_avg_sq`,
`momentum_buffer`) and travels in flowc's checkpoints as `optimizer.<parameter>.<name>`,
with `optimizer.step`, so either engine continues the other's run.

(They are written out rather than taken from torch.optim because a torch.optim optimizer
imports TorchDynamo the first time it is used, which takes longer than a short run.)
"""

import math

import torch


class Optimizer:
    def __init__(self, train, named_parameters):
        self.kind = train["optimizer"]
        self.beta1, self.beta2 = train["betas"]
        self.eps = train["eps"]
        self.momentum = train["momentum"]
        self.weight_decay = train["weight_decay"]
        self.names = [name for name, _ in named_parameters]
        self.parameters = [p for _, p in named_parameters]
        self.state = [{} for _ in self.parameters]
        #: Updates done.
        self.step_count = 0

    def zero_grad(self):
        for p in self.parameters:
            if p.grad is not None:
                p.grad.zero_()

    @torch.no_grad()
    def step(self, lr):
        """One update at learning rate `lr`, from the gradients in `.grad`."""
        self.step_count += 1
        t = self.step_count
        if self.kind in ("adam", "adamw"):
            b1, b2 = self.beta1, self.beta2
            step_size = lr / (1 - b1 ** t)
            correction2 = math.sqrt(1 - b2 ** t)
            for p, s in zip(self.parameters, self.state):
                g = p.grad
                if self.kind == "adamw":
                    p.mul_(1 - lr * self.weight_decay)
                elif self.weight_decay:
                    g = g + self.weight_decay * p
                m = s.setdefault("exp_avg", torch.zeros_like(p))
                v = s.setdefault("exp_avg_sq", torch.zeros_like(p))
                m.mul_(b1).add_(g, alpha=1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                p.addcdiv_(m, v.sqrt().div_(correction2).add_(self.eps), value=-step_size)
        else:
            for p, s in zip(self.parameters, self.state):
                d = p.grad + self.weight_decay * p if self.weight_decay else p.grad
                if self.momentum == 0:
                    p.add_(d, alpha=-lr)
                    continue
                if "momentum_buffer" not in s:
                    s["momentum_buffer"] = d.clone()
                else:
                    s["momentum_buffer"].mul_(self.momentum).add_(d)
                p.add_(s["momentum_buffer"], alpha=-lr)

    def named_state(self):
        """[(flowc name, tensor)]: `step`, then each parameter's moments."""
        out = []
        for name, s in zip(self.names, self.state):
            for key in ("exp_avg", "exp_avg_sq", "momentum_buffer"):
                if key in s:
                    out.append((f"{name}.{key}", s[key]))
        return out

    def load_named_state(self, step, tensors):
        """Restores `step` and the moments from {flowc name: tensor}."""
        self.step_count = int(step)
        for name, p, s in zip(self.names, self.parameters, self.state):
            for key in ("exp_avg", "exp_avg_sq", "momentum_buffer"):
                if f"{name}.{key}" in tensors:
                    s[key] = tensors[f"{name}.{key}"].to(dtype=p.dtype, device=p.device).clone()


def clip_gradient_norm(parameters, max_norm):
    """flowc's global-norm clipping (torch.nn.utils.clip_grad_norm_'s formula): scales every
    gradient by max_norm / (norm + 1e-6) when that is below 1; returns the norm before."""
    norm = gradient_norm(parameters)
    if math.isfinite(norm):
        coefficient = max_norm / (norm + 1e-6)
        if coefficient < 1:
            for p in parameters:
                if p.grad is not None:
                    p.grad.mul_(coefficient)
    return norm


def gradient_norm(parameters):
    """The global L2 norm of the gradients (summed in float64)."""
    total = 0.0
    for p in parameters:
        if p.grad is not None:
            total += float(p.grad.detach().double().pow(2).sum())
    return math.sqrt(total)
