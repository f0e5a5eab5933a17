"""The nano4M encoder-decoder (`nanofm.models.fourm.FourM`, d6-6w512), written here so a
released checkpoint loads strictly: every module sits at the key the reference uses.

Layout (dim 512, head_dim 64 -> 8 heads, MLP ratio 4 with GELU, no biases in attention
and MLP, LayerNorm eps 1e-6 whose bias is a zero *buffer*, not a parameter):

    enc_tok_emb         Embedding(50,304, 512)   one table for all five modalities
    pos_emb             buffer (512, 512)        1-D sin-cos, shared by encoder and decoder
    enc_mod_emb         Embedding(5, 512)        which stream a token belongs to
    dec_mod_emb         Embedding(5, 512)
    encoder.blocks.i    norm1, attn.qkv (1536x512), attn.attn_out_proj, norm2, mlp.fc1 (2048x512), mlp.fc2
    decoder.blocks.i    norm1, query_norm, context_norm, norm2, self_attn.{qkv, attn_out_proj},
                        cross_attn.{q, kv (1024x512), attn_out_proj}, mlp.{fc1, fc2}
    dec_context_proj    Linear(512, 512) with bias
    to_logits           Linear(512, 50,304), no bias
    enc_norm, dec_norm

Counts, d6-6w512 (tests: plugins/augmem-nano4m/tests/test_nano4m.py, on the meta device):

    component                 parameters    buffers   state-dict elements
    enc_tok_emb               25,755,648          -
    enc_mod_emb + dec_mod_emb      5,120          -
    encoder (6 x 3,146,752)   18,880,512      6,144   (12 LayerNorm biases)
    decoder (6 x 4,196,352)   25,178,112     12,288   (24 LayerNorm biases)
    dec_context_proj             262,656          -
    to_logits                 25,755,648          -
    enc_norm + dec_norm            1,024      1,024
    pos_emb                            -    262,144
    total                     95,838,720    281,600   96,120,320 in 149 tensors

The card's "95.84 M" is the parameter count (`sum(p.numel() for p in model.parameters())`,
printed by the reference's evaluation; its eval_results/final_summary.json records
95.83872 M): exact. The safetensors checkpoint is `model.state_dict()`, which also
carries the two kinds of constant buffers (sin-cos positions, zero LayerNorm biases):
96,120,320 elements. A file without those buffers (the card loads with strict=False)
is accepted, because they are constants we rebuild; every parameter is required.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

MODALITIES = ("tok_rgb@196", "tok_audio@512", "tok_depth@196", "tok_normal@196", "scene_desc")
VOCAB_SIZES = (16_384, 2_048, 8_192, 8_192, 50_304)
MAX_SEQ_LENS = (196, 512, 196, 196, 64)

PARAMETERS = 95_838_720
STATE_ELEMENTS = 96_120_320
STATE_TENSORS = 149


@dataclass(frozen=True)
class FourMConfig:
    modalities: tuple[str, ...] = MODALITIES
    vocab_sizes: tuple[int, ...] = VOCAB_SIZES
    max_seq_lens: tuple[int, ...] = MAX_SEQ_LENS
    dim: int = 512
    enc_depth: int = 6
    dec_depth: int = 6
    head_dim: int = 64
    mlp_ratio: float = 4.0

    @classmethod
    def small(cls) -> FourMConfig:
        """Same key names and vocabulary, narrower and shallower: for fast round trips."""
        return cls(dim=64, enc_depth=2, dec_depth=2, head_dim=32)

    @property
    def vocab_size(self) -> int:
        return max(self.vocab_sizes)

    def modality_index(self, name: str) -> int:
        return self.modalities.index(name)


def sincos_posemb(max_len: int, dim: int, temperature: float = 10_000.0) -> Tensor:
    """1-D sine-cosine positions (MoCo v3 style): [sin(p * w_i) | cos(p * w_i)], w_i = T^(-i / (dim/2))."""
    pos = torch.arange(max_len, dtype=torch.float32)
    omega = 1.0 / temperature ** (torch.arange(dim // 2, dtype=torch.float32) / (dim // 2))
    angles = pos[:, None] * omega[None, :]
    return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class LayerNorm(nn.Module):
    """LayerNorm (eps 1e-6) whose bias is a zero buffer, as in the reference."""

    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))
        self.register_buffer("bias", torch.zeros(dim))

    def forward(self, x: Tensor) -> Tensor:
        return nn.functional.layer_norm(x, (x.shape[-1],), self.weight, self.bias, self.eps)


class Mlp(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden, bias=False)
        self.fc2 = nn.Linear(hidden, dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc2(nn.functional.gelu(self.fc1(x)))


def _attend(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | None) -> Tensor:
    """q, k, v: (B, heads, L, hd); mask (B, Lq, Lk) True = attend."""
    return nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else mask[:, None])


class Attention(nn.Module):
    def __init__(self, dim: int, head_dim: int) -> None:
        super().__init__()
        self.heads = dim // head_dim
        self.qkv = nn.Linear(dim, 3 * dim, bias=False)
        self.attn_out_proj = nn.Linear(dim, dim, bias=False)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        out = _attend(q, k, v, mask).transpose(1, 2).reshape(b, n, d)
        return self.attn_out_proj(out)


class CrossAttention(nn.Module):
    def __init__(self, dim: int, head_dim: int) -> None:
        super().__init__()
        self.heads = dim // head_dim
        self.q = nn.Linear(dim, dim, bias=False)
        self.kv = nn.Linear(dim, 2 * dim, bias=False)
        self.attn_out_proj = nn.Linear(dim, dim, bias=False)

    def forward(self, x: Tensor, context: Tensor, mask: Tensor | None = None) -> Tensor:
        b, n, d = x.shape
        m = context.shape[1]
        q = self.q(x).view(b, n, self.heads, d // self.heads).transpose(1, 2)
        k, v = self.kv(context).view(b, m, 2, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        out = _attend(q, k, v, mask).transpose(1, 2).reshape(b, n, d)
        return self.attn_out_proj(out)


class Block(nn.Module):
    def __init__(self, dim: int, head_dim: int, mlp_ratio: float) -> None:
        super().__init__()
        self.norm1 = LayerNorm(dim)
        self.attn = Attention(dim, head_dim)
        self.norm2 = LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        x = x + self.attn(self.norm1(x), mask)
        return x + self.mlp(self.norm2(x))


class DecoderBlock(nn.Module):
    def __init__(self, dim: int, head_dim: int, mlp_ratio: float) -> None:
        super().__init__()
        self.norm1 = LayerNorm(dim)
        self.query_norm = LayerNorm(dim)
        self.context_norm = LayerNorm(dim)
        self.norm2 = LayerNorm(dim)
        self.self_attn = Attention(dim, head_dim)
        self.cross_attn = CrossAttention(dim, head_dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x: Tensor, context: Tensor, sa_mask=None, xa_mask=None) -> Tensor:
        x = x + self.self_attn(self.norm1(x), sa_mask)
        x = x + self.cross_attn(self.query_norm(x), self.context_norm(context), xa_mask)
        return x + self.mlp(self.norm2(x))


class Trunk(nn.Module):
    def __init__(self, blocks: list[nn.Module]) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)


class FourM(nn.Module):
    """The encoder-decoder; augmem uses the encoder (`forward_encoder`) and keeps the decoder
    so the checkpoint loads strictly."""

    def __init__(self, cfg: FourMConfig | None = None) -> None:
        super().__init__()
        cfg = cfg or FourMConfig()
        self.config = cfg
        d = cfg.dim
        self.enc_tok_emb = nn.Embedding(cfg.vocab_size, d)
        self.register_buffer("pos_emb", sincos_posemb(max(cfg.max_seq_lens), d))
        self.enc_mod_emb = nn.Embedding(len(cfg.modalities), d)
        self.dec_mod_emb = nn.Embedding(len(cfg.modalities), d)
        self.encoder = Trunk([Block(d, cfg.head_dim, cfg.mlp_ratio) for _ in range(cfg.enc_depth)])
        self.decoder = Trunk([DecoderBlock(d, cfg.head_dim, cfg.mlp_ratio) for _ in range(cfg.dec_depth)])
        self.dec_context_proj = nn.Linear(d, d)
        self.to_logits = nn.Linear(d, cfg.vocab_size, bias=False)
        self.enc_norm = LayerNorm(d)
        self.dec_norm = LayerNorm(d)
        for mod in self.modules():
            if isinstance(mod, (nn.Linear, nn.Embedding)):
                nn.init.normal_(mod.weight, std=0.02)
                if getattr(mod, "bias", None) is not None:
                    nn.init.zeros_(mod.bias)
        nn.init.zeros_(self.to_logits.weight)

    def forward_encoder(
        self, tokens: Tensor, modalities: Tensor, positions: Tensor, pad_mask: Tensor | None = None
    ) -> Tensor:
        """(B, N) token ids, modality ids and positions; pad_mask True = real token ->
        (B, N, dim) encoder states after the final encoder norm."""
        x = self.enc_tok_emb(tokens) + self.enc_mod_emb(modalities) + self.pos_emb[positions]
        mask = None
        if pad_mask is not None:
            mask = pad_mask[:, None, :].expand(-1, tokens.shape[1], -1)
        for block in self.encoder.blocks:
            x = block(x, mask)
        return self.enc_norm(x)

    def pooled(self, tokens: Tensor, modalities: Tensor, positions: Tensor, pad_mask: Tensor | None = None) -> Tensor:
        """Mean of the encoder states over the real tokens: (B, dim)."""
        states = self.forward_encoder(tokens, modalities, positions, pad_mask)
        if pad_mask is None:
            return states.mean(1)
        m = pad_mask.unsqueeze(-1).to(states.dtype)
        return (states * m).sum(1) / m.sum(1).clamp(min=1.0)


def count(model: nn.Module) -> dict[str, int]:
    sd = model.state_dict()
    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        "buffers": sum(b.numel() for _, b in model.named_buffers()),
        "state_elements": sum(v.numel() for v in sd.values()),
        "state_tensors": len(sd),
    }


def constant_buffer_keys(model: nn.Module) -> set[str]:
    """State-dict keys that hold constants we rebuild (positions, zero LayerNorm biases)."""
    params = {k for k, _ in model.named_parameters()}
    return set(model.state_dict()) - params
