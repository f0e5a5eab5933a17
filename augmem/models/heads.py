"""The DeepProjectionHead used by AIST-87M and TEG-421M, from the cards' descriptions.

    Linear(in, W) -> GELU -> LayerNorm -> Dropout
    2 x [ Linear(W, W) -> GELU -> LayerNorm -> Dropout, + residual ]
    Linear(W, out)

"d2" = two residual blocks; all Linear layers have bias. AIST-87M uses W=1920,
out=1280 (12,306,560 elements for in=1280; 11,323,520 for in=768); TEG-421M uses
W=4096, out=768. The cards give shapes and the order of operations, not tensor
names: the names below (`proj_in`, `norm_in`, `blocks.i.linear`, `blocks.i.norm`,
`proj_out`, 14 tensors) are ours, so the released files' keys are an assumption
that `augmem models synth` makes concrete.
"""

from __future__ import annotations

import torch
from torch import nn


class ResidualBlock(nn.Module):
    def __init__(self, width: int, dropout: float):
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)
        self.drop = nn.Dropout(dropout)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.drop(self.norm(nn.functional.gelu(self.linear(h))))


class DeepProjectionHead(nn.Module):
    def __init__(self, in_dim: int, width: int, out_dim: int, blocks: int = 2, dropout: float = 0.3):
        super().__init__()
        self.proj_in = nn.Linear(in_dim, width)
        self.norm_in = nn.LayerNorm(width)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(ResidualBlock(width, dropout) for _ in range(blocks))
        self.proj_out = nn.Linear(width, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.drop(self.norm_in(nn.functional.gelu(self.proj_in(x))))
        for block in self.blocks:
            h = block(h)
        return self.proj_out(h)
