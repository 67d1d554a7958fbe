"""Strictly monotone functions applied to every feature, with flowc's formulas (the
log-derivatives are written through softplus so they stay finite where the naive forms
overflow or cancel).

| function         | y = f(x)            | log|f'(x)|                  |
| leaky_relu(a)    | x (x > 0), a*x      | 0, or log a                 |
| sigmoid          | 1/(1 + e^-x)        | -softplus(-x) - softplus(x) |
| logit            | log x - log(1 - x)  | -log x - log(1 - x)         |
| tanh             | tanh x              | 2(log 2 - x - softplus(-2x))|
"""

import math

import torch
from torch import nn

from core import softplus


class Elementwise(nn.Module):
    def __init__(self, function, slope=None):
        super().__init__()
        if function not in ("leaky_relu", "sigmoid", "logit", "tanh"):
            raise ValueError(f"elementwise function {function!r} is not invertible")
        if function == "leaky_relu" and not (slope and slope > 0):
            raise ValueError("leaky_relu needs a slope > 0")
        self.function = function
        self.slope = slope

    def forward(self, x):
        f = self.function
        if f == "leaky_relu":
            a = self.slope
            y = torch.where(x > 0, x, a * x)
            ld = torch.where(x > 0, torch.zeros_like(x), torch.full_like(x, math.log(a)))
        elif f == "sigmoid":
            y, ld = torch.sigmoid(x), -softplus(-x) - softplus(x)
        elif f == "logit":
            y, ld = torch.log(x) - torch.log1p(-x), -torch.log(x) - torch.log1p(-x)
        else:
            y, ld = torch.tanh(x), 2 * (math.log(2) - x - softplus(-2 * x))
        return y, ld.sum(dim=1)

    def inverse(self, y):
        f = self.function
        if f == "leaky_relu":
            a = self.slope
            x = torch.where(y > 0, y, y / a)
            ld = torch.where(y > 0, torch.zeros_like(y), torch.full_like(y, -math.log(a)))
        elif f == "sigmoid":
            x = torch.log(y) - torch.log1p(-y)
            ld = softplus(-x) + softplus(x)
        elif f == "logit":
            x = torch.sigmoid(y)
            ld = torch.log(x) + torch.log1p(-x)
        else:
            x = (torch.log1p(y) - torch.log1p(-y)) / 2
            ld = -2 * (math.log(2) - x - softplus(-2 * x))
        return x, ld.sum(dim=1)
