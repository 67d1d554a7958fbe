"""The conditioner networks of the couplings: MLPs as `nn.Sequential` of `nn.Linear` and
activation modules, with flowc's definitions and initialisations.

Linear layer l of an MLP is entry 2l of the Sequential (an activation sits between each
pair), so its tensors are `<prefix>.<2l>.weight` [out, in] and `.bias` [out], the names
flowc's checkpoints use. The output activation, when there is one, is the last entry.

A conditional flow's networks read its encoded context c [N, C] too (docs/spec.md 9.1):
`context` is an nn.Linear(C, H) without bias, `<prefix>.context.weight` [H, C] as in flowc's
checkpoints, whose output c W^T is added to the first layer's pre-activations (flowc's
ContextProjection: an MLP on [x, c] with the context's columns of the first weight kept
apart); a conv net adds it as a per-channel bias of its first convolution, at every pixel.
It starts as nn.Linear does, U(-1/sqrt(C), 1/sqrt(C)), flowc's scheme.

Initialisation: `pytorch` is nn.Linear's own default, every weight and bias uniform in
(-1/sqrt(in), 1/sqrt(in)), which is flowc's scheme; `zero_last` zeroes the last layer's
weight and bias so the coupling starts as the identity (the numbers differ from flowc's,
which draws from its own seeded generator; the distribution is the same).
"""

import copy

import torch
from torch import nn

from core import softplus


class Identity(nn.Identity):
    """x (`activation: none`): an entry of its own, so the linear layers keep flowc's numbers."""


class ReLU(nn.ReLU):
    """max(0, x)."""


class LeakyReLU(nn.LeakyReLU):
    """x for x > 0, slope * x otherwise."""


class Tanh(nn.Tanh):
    """tanh x."""


class ELU(nn.ELU):
    """x for x > 0, alpha * (e^x - 1) otherwise."""


class GELU(nn.GELU):
    """x * Phi(x) with the exact normal CDF (PyTorch's default GELU)."""


class Sigmoid(nn.Sigmoid):
    """1 / (1 + e^-x)."""


class Softplus(nn.Module):
    """log(1 + e^x), flowc's formula (core.softplus)."""

    def forward(self, x):
        return softplus(x)


class MLP(nn.Sequential):
    """widths[0] -> widths[1] -> ... -> widths[-1], `activation` between layers and
    `output_activation` (or nothing) after the last."""

    def __init__(self, widths, activation, output_activation=None, init="pytorch", context=0):
        modules = []
        for l in range(len(widths) - 1):
            modules.append(nn.Linear(widths[l], widths[l + 1]))
            if l < len(widths) - 2:
                modules.append(copy.deepcopy(activation))
            elif output_activation is not None:
                modules.append(output_activation)
        super().__init__(*modules)
        self.widths = list(widths)
        if init == "zero_last":
            last = modules[2 * (len(widths) - 2)]
            with torch.no_grad():
                last.weight.zero_()
                last.bias.zero_()
        elif init != "pytorch":
            raise ValueError(f"unknown net init {init!r}")
        # After the entries, so that iterating the Sequential's entries stays flowc's layers.
        self.context = nn.Linear(context, widths[1], bias=False) if context > 0 else None

    def forward(self, x, context=None):
        entries = [m for name, m in self._modules.items() if name != "context"]
        if self.context is None:
            for m in entries:
                x = m(x)
            return x
        if context is None:
            raise ValueError("a conditional network needs the flow's context")
        x = entries[0](x) + self.context(context)
        for m in entries[1:]:
            x = m(x)
        return x


# MARK: - Convolutional nets (image flows)


class ChannelActNorm(nn.Module):
    """Glow's ActNorm inside a convolutional net, per channel: (x + bias) * exp(log_scale),
    initialised from the first training batch (over every pixel of every process's rows) and
    recorded in `initialized`, like the `actnorm` layer; it is a network part, so no log|det|."""

    def __init__(self, channels):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))
        self.log_scale = nn.Parameter(torch.zeros(channels))
        self.register_buffer("initialized", torch.zeros(()))

    def forward(self, x):
        if self.training and self.initialized.item() == 0:
            with torch.no_grad():
                from core import global_sum
                v = x.double()
                count = global_sum(torch.tensor(float(v.shape[0] * v.shape[2] * v.shape[3]), dtype=torch.float64,
                                                device=x.device))
                mean = global_sum(v.sum(dim=(0, 2, 3))) / count
                variance = global_sum(((v - mean[None, :, None, None]) ** 2).sum(dim=(0, 2, 3))) / count
                self.bias.copy_(-mean)
                self.log_scale.copy_(-torch.log(variance.sqrt() + 1e-6))
                self.initialized.fill_(1)
        return (x + self.bias[None, :, None, None]) * torch.exp(self.log_scale)[None, :, None, None]


def conv(cin, cout, k):
    """A same-padded, stride-1 convolution with bias (PyTorch's default init)."""
    return nn.Conv2d(cin, cout, k, padding=k // 2)


class ResidualBlock(nn.Sequential):
    """[norm, act, conv, norm, act, conv] (or without the norms), plus the block's input."""

    def forward(self, x):
        return x + super().forward(x)


class ConvNet(nn.Sequential):
    """A convolutional conditioner on rows holding [C_in, H, W] images (CHW), giving rows of
    [C_out, H, W]. `kernels` [k0, k1, ...]: conv k0 (C_in -> channels), then [norm, act, conv]
    for each further kernel, the last one to C_out (Glow's [3, 1, 3]). `blocks` B > 0 (Real
    NVP's ResNet, kernel k): conv in, B residual blocks, act, conv out. Entries of `net` are
    numbered as flowc's checkpoints name them (docs/checkpoint.md)."""

    def __init__(self, input_shape, output_channels, channels, activation, kernels=None, blocks=0, kernel=3,
                 norm="none", output_activation=None, init="pytorch", context=0):
        cin, height, width = input_shape
        def normed(c):
            return [ChannelActNorm(c)] if norm == "actnorm" else []
        modules = []
        if blocks == 0:
            for l, k in enumerate(kernels):
                a = cin if l == 0 else channels
                b = output_channels if l == len(kernels) - 1 else channels
                if l > 0:
                    modules += normed(a) + [copy.deepcopy(activation)]
                modules.append(conv(a, b, k))
        else:
            modules.append(conv(cin, channels, kernel))
            for _ in range(blocks):
                modules.append(ResidualBlock(*(normed(channels) + [copy.deepcopy(activation), conv(channels, channels, kernel)]
                                               + normed(channels) + [copy.deepcopy(activation),
                                                                     conv(channels, channels, kernel)])))
            modules += [copy.deepcopy(activation), conv(channels, output_channels, kernel)]
        if output_activation is not None:
            modules.append(output_activation)
        super().__init__(*modules)
        self.height, self.width = height, width
        if init == "zero_last":
            last = [m for m in self.modules() if isinstance(m, nn.Conv2d)][-1]
            with torch.no_grad():
                last.weight.zero_()
                last.bias.zero_()
        # The context's per-channel bias of the first convolution (modules[0] in both layouts).
        first = modules[0].out_channels
        self.context = nn.Linear(context, first, bias=False) if context > 0 else None

    def forward(self, x, context=None):
        n = x.shape[0]
        h = x.reshape(n, -1, self.height, self.width)
        entries = [m for name, m in self._modules.items() if name != "context"]
        if self.context is not None:
            if context is None:
                raise ValueError("a conditional network needs the flow's context")
            h = entries[0](h) + self.context(context)[:, :, None, None]
            entries = entries[1:]
        for m in entries:
            h = m(h)
        return h.reshape(n, -1)
