"""Normalisation layers: Glow's ActNorm and batch normalisation as a bijector (Real NVP).

Both keep state that is not a trained weight, and both keep it in the state dict, under
flowc's names, so it travels with every checkpoint:

  * ActNorm's `initialized` ([] , 0 or 1): set once its data-dependent initialisation has
    run. A layer loaded with 1 never initialises again (the bug of nflows #4,
    normalizing-flows #2, FrEIA #33, glow-pytorch #6). Under torchrun the statistics are
    summed over every process, so all replicas start from the statistics of the global
    batch (glow-pytorch #2: per-replica init).
  * BatchNorm's `running_mean` and `running_var`: PyTorch's convention, running =
    (1 - m) * running + m * batch, the variance unbiased; used in evaluation and in the
    inverse. In training the batch statistics are those of the global batch (summed over
    the processes, through autograd), as flowc computes them over its one batch.
"""

import math

import torch
from torch import nn

from core import global_sum


class ActNorm(nn.Module):
    """y = (x + bias) * exp(log_scale), per feature or per channel of a [C, H, W] image.

    log|det| = sum of log_scale over the features (per channel: H*W times the sum over
    channels). Initialised from the first training batch: bias = -mean and
    log_scale = -log(std + 1e-6) (population std), so the output starts with zero mean and
    unit variance.
    """

    def __init__(self, dimension, per="feature", shape=None):
        super().__init__()
        self.per = per
        if per == "channel":
            self.channels, height, width = shape
            self.pixels = height * width
            groups = self.channels
        else:
            self.channels, self.pixels = dimension, 1
            groups = dimension
        self.bias = nn.Parameter(torch.zeros(groups))
        self.log_scale = nn.Parameter(torch.zeros(groups))
        self.register_buffer("initialized", torch.zeros(()))

    def _grouped(self, x):
        """x as [N, groups, pixels]."""
        return x.reshape(x.shape[0], self.channels, self.pixels)

    @torch.no_grad()
    def initialize(self, x):
        """Sets bias and log_scale from the batch `x` (every process's share of it)."""
        v = self._grouped(x).double()
        count = global_sum(torch.tensor(float(v.shape[0] * v.shape[2]), dtype=torch.float64, device=x.device))
        mean = global_sum(v.sum(dim=(0, 2))) / count
        variance = global_sum(((v - mean[None, :, None]) ** 2).sum(dim=(0, 2))) / count
        self.bias.copy_((-mean).to(self.bias.dtype))
        self.log_scale.copy_((-torch.log(variance.sqrt() + 1e-6)).to(self.log_scale.dtype))
        self.initialized.fill_(1)

    def forward(self, x):
        if self.training and self.initialized.item() == 0:
            self.initialize(x)
        g = self._grouped(x)
        y = (g + self.bias[None, :, None]) * torch.exp(self.log_scale)[None, :, None]
        log_det = self.log_scale.sum() * self.pixels
        return y.reshape(x.shape), log_det.expand(x.shape[0])

    def inverse(self, y):
        g = self._grouped(y)
        x = g * torch.exp(-self.log_scale)[None, :, None] - self.bias[None, :, None]
        log_det = -self.log_scale.sum() * self.pixels
        return x.reshape(y.shape), log_det.expand(y.shape[0])


class BatchNorm(nn.Module):
    """y = exp(log_gamma) * (x - mu) / sqrt(var + eps) + beta, per feature.

    mu and var are the batch mean and biased variance in training, the running averages in
    evaluation and always in the inverse. log|det| = sum_i (log_gamma_i - log(var_i + eps)/2),
    the per-row map with the statistics held fixed (Real NVP).
    """

    def __init__(self, dimension, momentum=0.1, epsilon=1e-5):
        super().__init__()
        self.momentum = momentum
        self.epsilon = epsilon
        self.log_gamma = nn.Parameter(torch.zeros(dimension))
        self.beta = nn.Parameter(torch.zeros(dimension))
        self.register_buffer("running_mean", torch.zeros(dimension))
        self.register_buffer("running_var", torch.ones(dimension))

    def forward(self, x):
        if self.training:
            n = global_sum(torch.tensor(float(x.shape[0]), dtype=x.dtype, device=x.device))
            mean = global_sum(x.sum(dim=0), differentiable=True) / n
            variance = global_sum(((x - mean) ** 2).sum(dim=0), differentiable=True) / n + self.epsilon
            with torch.no_grad():
                m = self.momentum
                # flowc recovers the batch variance from var + eps; so does this, bit for bit.
                unbiased = (variance - self.epsilon) * n / (n - 1)
                self.running_mean.mul_(1 - m).add_(m * mean)
                self.running_var.mul_(1 - m).add_(m * unbiased)
        else:
            mean, variance = self.running_mean, self.running_var + self.epsilon
        y = torch.exp(self.log_gamma) * ((x - mean) / torch.sqrt(variance)) + self.beta
        log_det = (self.log_gamma - torch.log(variance) / 2).sum()
        return y, log_det.expand(x.shape[0])

    def inverse(self, y):
        sd = torch.sqrt(self.running_var + self.epsilon)
        x = (y - self.beta) * torch.exp(-self.log_gamma) * sd + self.running_mean
        log_det = -(self.log_gamma - torch.log(self.running_var + self.epsilon) / 2).sum()
        return x, log_det.expand(y.shape[0])
