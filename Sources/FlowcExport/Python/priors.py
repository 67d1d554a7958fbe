"""The base distributions of z = f(x) (docs/spec.md section 8), with flowc's formulas.

| prior           | log p(z)                                              | tensors              |
| standard_normal | -sum z^2/2 - D log(2 pi)/2                            | none                 |
| diagonal_normal | N(loc, diag(exp(log_scale))^2), loc and log_scale learned | `prior.loc`, `prior.log_scale` |
| logistic        | sum -softplus(z) - softplus(-z)  (NICE)                | none                 |

`sample(n, temperature)` scales the standard deviation (the logistic's scale) by the
temperature, as `flowc sample --temperature` does.
"""

import torch
from torch import nn

from core import HALF_LOG_TWO_PI, softplus


class StandardNormal(nn.Module):
    def __init__(self, dimension):
        super().__init__()
        self.dimension = dimension

    def log_prob(self, z):
        return -(z * z).sum(dim=1) / 2 - self.dimension * HALF_LOG_TWO_PI

    def sample(self, n, temperature=1.0, generator=None, device=None, dtype=torch.float32):
        return temperature * torch.randn(n, self.dimension, generator=generator, dtype=dtype, device=device)


class DiagonalNormal(nn.Module):
    def __init__(self, dimension):
        super().__init__()
        self.dimension = dimension
        self.loc = nn.Parameter(torch.zeros(dimension))
        self.log_scale = nn.Parameter(torch.zeros(dimension))

    def log_prob(self, z):
        u = (z - self.loc) * torch.exp(-self.log_scale)
        return -(u * u).sum(dim=1) / 2 - (self.dimension * HALF_LOG_TWO_PI + self.log_scale.sum())

    def sample(self, n, temperature=1.0, generator=None, device=None, dtype=torch.float32):
        e = torch.randn(n, self.dimension, generator=generator, dtype=torch.float64, device=device)
        return (self.loc.double() + temperature * torch.exp(self.log_scale.double()) * e).to(dtype)


class StandardLogistic(nn.Module):
    def __init__(self, dimension):
        super().__init__()
        self.dimension = dimension

    def log_prob(self, z):
        return -(softplus(z) + softplus(-z)).sum(dim=1)

    def sample(self, n, temperature=1.0, generator=None, device=None, dtype=torch.float32):
        u = torch.rand(n, self.dimension, generator=generator, dtype=torch.float64, device=device)
        u = u.clamp(min=2 ** -53)
        return (temperature * (torch.log(u) - torch.log1p(-u))).to(dtype)
