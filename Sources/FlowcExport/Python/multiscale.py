"""The factor-out step of a multi-scale flow (Real NVP section 3.6, Glow's split2d).

Of a [C, H, W] image the first `channels` channels continue through the flow; the other
C - `channels` are sent to the prior here, and no later layer touches them. The latent is
[the last layer's output, the last split's part, ..., the first split's part] (core.Flow).

With `prior="learned"` (Glow) the factored part b gets N(mu(h), diag sigma(h)^2) from a
net on the continuing channels h ((mu, log sigma) = net(h), mu first); it is applied as the
transform b' = (b - mu) * exp(-log sigma) with log|det| = -sum log sigma, followed by the
flow's prior on b', which is the same density.
"""

import torch
from torch import nn


class Split(nn.Module):
    factors = True

    def __init__(self, shape, channels, prior="standard", net=None):
        super().__init__()
        c, h, w = shape
        self.kept_size = channels * h * w
        self.factored_size = (c - channels) * h * w
        self.learned = prior == "learned"
        if self.learned:
            self.net = net

    def _mean_log_scale(self, h):
        out = self.net(h)
        return out[:, :self.factored_size], out[:, self.factored_size:]

    def forward(self, x):
        y, b = x[:, :self.kept_size], x[:, self.kept_size:]
        if not self.learned:
            return y, torch.zeros(x.shape[0], dtype=x.dtype, device=x.device), b
        mean, log_scale = self._mean_log_scale(y)
        return y, -log_scale.sum(dim=1), (b - mean) * torch.exp(-log_scale)

    def inverse(self, y, part):
        if not self.learned:
            return torch.cat([y, part], dim=1), torch.zeros(y.shape[0], dtype=y.dtype, device=y.device)
        mean, log_scale = self._mean_log_scale(y)
        return torch.cat([y, part * torch.exp(log_scale) + mean], dim=1), log_scale.sum(dim=1)
