"""Fixed reorderings, with no parameters and nothing in the state dict: a permutation of
the features and Glow's squeeze (space to depth). log|det| = 0 for both.

Random orders were drawn by flowc when it compiled the spec, from the spec's seed, so the
exported code holds the exact order flowc's checkpoints were trained with.
"""

import torch
from torch import nn


class Permutation(nn.Module):
    """y[:, i] = x[:, order[i]] ("output i is input order[i]")."""

    def __init__(self, order):
        super().__init__()
        inverse = [0] * len(order)
        for i, o in enumerate(order):
            inverse[o] = i
        self.register_buffer("order", torch.tensor(order, dtype=torch.long), persistent=False)
        self.register_buffer("inverse_order", torch.tensor(inverse, dtype=torch.long), persistent=False)

    def forward(self, x):
        return x.index_select(1, self.order), torch.zeros(x.shape[0], dtype=x.dtype, device=x.device)

    def inverse(self, y):
        return y.index_select(1, self.inverse_order), torch.zeros(y.shape[0], dtype=y.dtype, device=y.device)


class Squeeze(nn.Module):
    """[C, H, W] -> [4C, H/2, W/2] in Glow's order: output channel 4c + 2*dy + dx at pixel
    (i, j) is input channel c at pixel (2i + dy, 2j + dx)."""

    def __init__(self, shape):
        super().__init__()
        self.c, self.h, self.w = shape

    def forward(self, x):
        n = x.shape[0]
        y = x.reshape(n, self.c, self.h // 2, 2, self.w // 2, 2).permute(0, 1, 3, 5, 2, 4)
        return y.reshape(n, -1), torch.zeros(n, dtype=x.dtype, device=x.device)

    def inverse(self, y):
        n = y.shape[0]
        x = y.reshape(n, self.c, 2, 2, self.h // 2, self.w // 2).permute(0, 1, 4, 2, 5, 3)
        return x.reshape(n, -1), torch.zeros(n, dtype=y.dtype, device=y.device)
