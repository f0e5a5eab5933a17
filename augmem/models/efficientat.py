"""EfficientAT ``mn20_as`` audio encoder with its log-mel front end, in plain PyTorch.

This is an independent implementation of the MobileNetV3-style audio tagger of
EfficientAT (Schmid et al., "Efficient Large-Scale Audio Tagging via
Transformer-to-CNN Knowledge Distillation") at width multiplier 2.0, written so
that a released checkpoint loads with ``strict=True``: every module sits at the
state-dict key the reference model uses (``features.<i>...``,
``features.<i>.block.<j>...``, ``classifier.2`` / ``classifier.5``).
No torchaudio is needed; the Kaldi mel filter bank is computed here.

Architecture (width 2.0, every width rounded with :func:`make_divisible` to a
multiple of 8): a 3x3 stride-2 stem conv (1 -> 32 channels), fifteen inverted
residual blocks, a 1x1 conv to 6 x 320 = 1920 channels, then the reference's
"mlp" head: global average pool, Linear(1920, 2560), Hardswish, Dropout(0.2),
Linear(2560, num_classes).  Blocks with squeeze-excitation use a channel-only SE
(the reference's default ``se_dims="c"``, ``se_r=4``, ``se_agg="max"``; with a
single SE branch the max-aggregation is the identity) whose bottleneck is
``make_divisible(expanded // 4, 8)``, ReLU inside, sigmoid gate.  BatchNorm uses
eps=1e-3 (momentum 0.01, irrelevant at inference).  Convs have no bias.

Two output variants (``mn20_as(output=...)``):

* ``"embedding"`` (AIST-87M): the head with ``num_classes=1280``; the output is
  ``classifier.5`` (1280-d).  312 tensors, exactly 19,886,566 elements.
* ``"features"`` (TEG-421M ``audio_encoder.*``): the stock AudioSet head with
  ``num_classes=527`` is kept in the state dict (so the released file loads
  strictly), and the output is the 1920-d global average of the last conv
  (before the classifier).  312 tensors, 17,958,133 elements (card: "≈18.0M",
  68.5 MB: 17,958,133 x 4 B = 68.5 MiB).  Keeping the classifier is what makes
  the card's 312 tensors; the features alone are 308 tensors / 11,690,726.

State-dict decomposition (elements incl. BN running stats and
``num_batches_tracked``; "in/k/exp/out/SE" are the width-2.0 channels; one conv
+ BN unit = ``out*in/groups*k*k + 4*out + 1`` elements, 6 tensors; one SE =
``2*exp*sq + exp + sq`` elements, 4 tensors)::

    key            in  k   exp  out  SE(sq)   stride  elements   tensors
    features.0      1  3    -    32   -        2          417       6
    features.1     32  3    32   32   -        1        1,570      12
    features.2     32  3   128   48   -        2       12,611      18
    features.3     48  3   144   48   -        1       16,467      18
    features.4     48  5   144   80   yes(40)  2       35,211      22
    features.5     80  5   240   80   yes(64)  1       77,667      22
    features.6     80  5   240   80   yes(64)  1       77,667      22
    features.7     80  3   480  160   -        2      124,003      18
    features.8    160  3   400  160   -        1      135,443      18
    features.9    160  3   368  160   -        1      124,659      18
    features.10   160  3   368  160   -        1      124,659      18
    features.11   160  3   960  224   yes(240) 1      847,859      22
    features.12   224  3  1344  224   yes(336) 1    1,530,707      22
    features.13   224  5  1344  320   yes(336) 2    1,681,619      22
    features.14   320  5  1920  320   yes(480) 1    3,139,043      22
    features.15   320  5  1920  320   yes(480) 1    3,139,043      22
    features.16   320  1     -  1920  -        1      622,081       6
    -- features total                              11,690,726     308
    classifier.2  Linear(1920, 2560)                4,917,760       2
    classifier.5  Linear(2560, 1280)  [AIST]        3,278,080       2
    == AIST "embedding" total                      19,886,566     312  (exact)
    classifier.5  Linear(2560, 527)   [TEG]         1,349,647       2
    == TEG "features" total                        17,958,133     312

So the AIST audio encoder is the complete reference "mlp" head retrained with
1280 outputs (classifier.2 and classifier.5 both kept); nothing is dropped.
Block 1 has no expansion conv (expanded == input), so its ``block`` holds only
the depthwise (``block.0``) and projection (``block.1``) units; in blocks with
expansion the order is expand (0), depthwise (1), SE (2, if any), project (last).
A block adds its input back when stride is 1 and in == out.

Front end (:class:`LogMel`), eval-mode constants of the reference
``AugmentMelSTFT`` (EfficientAT ``models/preprocess.py`` defaults, also used by
its ``inference.py`` and ``ex_audioset.py``):

* pre-emphasis ``y[n] = x[n+1] - 0.97 x[n]`` (a valid conv1d with kernel
  ``[-0.97, 1]``; the waveform loses one sample),
* STFT: n_fft 1024, hop 320, win_length 800, *symmetric* Hann window
  (``periodic=False``) zero-padded to 1024 in the middle, ``center=True`` with
  reflect padding, not normalised; power = re^2 + im^2 (513 bins),
* Kaldi mel bank (128 bins over 512 FFT bins, mel = 1127 ln(1 + f/700),
  triangles in the mel domain), fmin = 0 Hz and fmax = 15,000 Hz (the
  reference's ``fmax=None`` becomes ``sr // 2 - fmax_aug_range // 2`` =
  16000 - 1000; the random fmin/fmax jitter applies in training mode only, which
  we do not implement), plus one zero column for the Nyquist bin -> (128, 513),
* ``log(mel + 1e-5)``, then ``(x + 4.5) / 5``,
* all of it in float32 with autocast disabled (the reference disables autocast
  around the mel matmul); bf16, where enabled, covers the towers only.

Frames: ``1 + (T - 1) // 320`` for T input samples (1000 frames for 10 s).
The reference registers the window and the pre-emphasis kernel as
*non-persistent* buffers and builds the mel bank on the fly, so its front end
contributes nothing to the state dict; here the window, kernel and mel bank are
non-persistent buffers too, so :class:`AudioTower`'s state dict is exactly the
encoder's.

Checked once against the reference code (fschmid56/EfficientAT @ a425fdc, built
with ``get_model(width_mult=2.0, head_type="mlp", se_dims="c")`` and
``num_classes`` 1280 / 527): identical key lists, and with its state dict loaded
strictly our outputs match its ``(logits, features)`` exactly; our log-mel
matches ``AugmentMelSTFT`` in eval mode exactly when ``get_mel_banks`` is
evaluated in float32 as torchaudio does.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

SAMPLE_RATE = 32_000
N_MELS = 128
N_FFT = 1024
WIN_LENGTH = 800
HOP_LENGTH = 320
F_MIN = 0.0
F_MAX = 15_000.0
PREEMPHASIS = 0.97
LOG_OFFSET = 1e-5
NORM_SHIFT = 4.5
NORM_SCALE = 5.0

OUTPUTS = ("embedding", "features")

# MobileNetV3-Large table at width 1.0:
# (input, kernel, expanded, output, use_se, hardswish, stride)
_MNV3_LARGE: tuple[tuple[int, int, int, int, bool, bool, int], ...] = (
    (16, 3, 16, 16, False, False, 1),
    (16, 3, 64, 24, False, False, 2),
    (24, 3, 72, 24, False, False, 1),
    (24, 5, 72, 40, True, False, 2),
    (40, 5, 120, 40, True, False, 1),
    (40, 5, 120, 40, True, False, 1),
    (40, 3, 240, 80, False, True, 2),
    (80, 3, 200, 80, False, True, 1),
    (80, 3, 184, 80, False, True, 1),
    (80, 3, 184, 80, False, True, 1),
    (80, 3, 480, 112, True, True, 1),
    (112, 3, 672, 112, True, True, 1),
    (112, 5, 672, 160, True, True, 2),
    (160, 5, 960, 160, True, True, 1),
    (160, 5, 960, 160, True, True, 1),
)
_LAST_CONV_FACTOR = 6  # last conv has 6 x the final block's channels
_HEAD_HIDDEN = 1280  # hidden width of the mlp head at width 1.0
_BN_EPS = 1e-3
_BN_MOMENTUM = 0.01


# --------------------------------------------------------------------------- #
# front end
# --------------------------------------------------------------------------- #


def hz_to_kaldi_mel(freq: Tensor) -> Tensor:
    """Kaldi/HTK mel scale: ``1127 * ln(1 + f / 700)``."""
    return 1127.0 * torch.log(1.0 + freq / 700.0)


def kaldi_mel_banks(
    n_mels: int = N_MELS,
    n_fft: int = N_FFT,
    sample_rate: int = SAMPLE_RATE,
    f_min: float = F_MIN,
    f_max: float = F_MAX,
) -> Tensor:
    """Kaldi triangular mel filter bank of shape ``(n_mels, n_fft // 2)``, float32.

    Filter ``m`` rises linearly in the mel domain from ``mel_lo + m*d`` to its
    centre ``mel_lo + (m+1)*d`` and falls to ``mel_lo + (m+2)*d``, where ``d`` is
    the mel span divided by ``n_mels + 1``; FFT bin ``i`` sits at frequency
    ``i * sample_rate / n_fft`` (bins 0 .. n_fft/2 - 1, no Nyquist bin).  This is
    the formula of Kaldi's ``MelBanks`` without VTLN warping.  The band edges are
    Python floats and the per-bin arithmetic is float32, in the same order as
    ``torchaudio.compliance.kaldi.get_mel_banks`` (which the reference calls), so
    the weights agree with it bit for bit rather than only to ~1e-5.
    """
    if n_mels <= 3:
        raise ValueError("a Kaldi mel bank needs more than 3 bins")
    nyquist = 0.5 * sample_rate
    if f_max <= 0.0:  # Kaldi convention: non-positive high_freq is an offset from Nyquist
        f_max += nyquist
    if not (0.0 <= f_min < nyquist and 0.0 < f_max <= nyquist and f_min < f_max):
        raise ValueError(f"bad mel range {f_min}..{f_max} Hz for sample rate {sample_rate}")
    mel_lo = 1127.0 * math.log(1.0 + f_min / 700.0)
    mel_hi = 1127.0 * math.log(1.0 + f_max / 700.0)
    delta = (mel_hi - mel_lo) / (n_mels + 1)
    m = torch.arange(n_mels, dtype=torch.float32).unsqueeze(1)
    left = mel_lo + m * delta
    centre = mel_lo + (m + 1.0) * delta
    right = mel_lo + (m + 2.0) * delta
    bin_hz = (sample_rate / n_fft) * torch.arange(n_fft // 2, dtype=torch.float32)
    mel = hz_to_kaldi_mel(bin_hz).unsqueeze(0)
    rising = (mel - left) / (centre - left)
    falling = (right - mel) / (right - centre)
    return torch.clamp(torch.minimum(rising, falling), min=0.0)


def num_frames(num_samples: int) -> int:
    """Number of log-mel frames :class:`LogMel` yields for ``num_samples`` samples."""
    return 1 + (num_samples - 1) // HOP_LENGTH


class LogMel(nn.Module):
    """EfficientAT's eval-mode log-mel front end.

    ``forward(waveform)``: ``(B, T)`` float waveform in [-1, 1], mono, 32 kHz ->
    ``(B, 1, 128, 1 + (T - 1) // 320)`` float32.  Needs ``T > 513`` (the centred
    STFT reflect-pads 512 samples).  Holds only non-persistent buffers, so its
    state dict is empty.
    """

    window: Tensor
    preemphasis_kernel: Tensor
    mel_basis: Tensor

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("window", torch.hann_window(WIN_LENGTH, periodic=False), persistent=False)
        self.register_buffer("preemphasis_kernel", torch.tensor([[[-PREEMPHASIS, 1.0]]]), persistent=False)
        banks = kaldi_mel_banks()
        banks = torch.cat([banks, banks.new_zeros(N_MELS, 1)], dim=1)  # Nyquist bin -> 513
        self.register_buffer("mel_basis", banks, persistent=False)

    def forward(self, waveform: Tensor) -> Tensor:
        if waveform.dim() != 2:
            raise ValueError(f"expected a (batch, samples) waveform, got shape {tuple(waveform.shape)}")
        # Always float32 with autocast off, whatever the caller runs the towers in. The
        # reference wraps its mel matmul in `autocast(enabled=False)` (EfficientAT
        # models/preprocess.py, AugmentMelSTFT.forward). Under CPU bf16 autocast the
        # pre-emphasis conv1d and the mel matmul would otherwise run in bf16. Measured on
        # assets/samples/audio/dog_barking_at_the_park.wav (normalised log-mel values span
        # about -1.4 .. 2.1): a bf16 pre-emphasis moves them by up to 1.32 (mean 0.039) —
        # the rounded waveform's noise fills the quiet bins —, a bf16 matmul alone by 0.0017.
        with torch.autocast(waveform.device.type, enabled=False):
            return self._log_mel(waveform)

    def _log_mel(self, waveform: Tensor) -> Tensor:
        x = waveform.to(torch.float32)
        kernel = self.preemphasis_kernel.to(torch.float32)
        x = nn.functional.conv1d(x.unsqueeze(1), kernel).squeeze(1)
        spec = torch.stft(
            x,
            n_fft=N_FFT,
            hop_length=HOP_LENGTH,
            win_length=WIN_LENGTH,
            window=self.window.to(torch.float32),
            center=True,
            pad_mode="reflect",
            normalized=False,
            onesided=True,
            return_complex=True,
        )
        power = spec.real.square() + spec.imag.square()  # (B, 513, frames)
        mel = torch.matmul(self.mel_basis.to(torch.float32), power)  # (B, 128, frames)
        mel = torch.log(mel + LOG_OFFSET)
        mel = (mel + NORM_SHIFT) / NORM_SCALE
        return mel.unsqueeze(1)


# --------------------------------------------------------------------------- #
# the MobileNet
# --------------------------------------------------------------------------- #


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round ``value`` to the nearest multiple of ``divisor`` (at least ``divisor``),
    stepping up once if that rounding lost more than 10 % (MobileNet convention)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * value:
        rounded += divisor
    return rounded


class ConvBNAct(nn.Sequential):
    """Conv2d (no bias) -> BatchNorm2d -> optional activation; keys ``0.*``, ``1.*``."""

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        kernel: int,
        stride: int = 1,
        groups: int = 1,
        activation: type[nn.Module] | None = None,
    ) -> None:
        layers: list[nn.Module] = [
            nn.Conv2d(in_ch, out_ch, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(out_ch, eps=_BN_EPS, momentum=_BN_MOMENTUM),
        ]
        if activation is not None:
            layers.append(activation())
        super().__init__(*layers)


class ChannelSE(nn.Module):
    """Squeeze-excitation over channels: mean over (freq, time) -> fc1 -> ReLU -> fc2 -> sigmoid."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(channels, squeeze)
        self.fc2 = nn.Linear(squeeze, channels)

    def forward(self, x: Tensor) -> Tensor:
        s = x.mean(dim=(2, 3))
        s = torch.sigmoid(self.fc2(torch.relu(self.fc1(s))))
        return x * s[:, :, None, None]


class ConcurrentSE(nn.Module):
    """Container matching the reference's SE key layout (``conc_se_layers.0.*``).

    mn20_as uses one channel branch, so the element-wise max over branches is
    the identity and is skipped.
    """

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.conc_se_layers = nn.ModuleList([ChannelSE(channels, squeeze)])

    def forward(self, x: Tensor) -> Tensor:
        return self.conc_se_layers[0](x)


class InvertedResidual(nn.Module):
    """Expand (1x1, skipped if no expansion) -> depthwise kxk -> [SE] -> project (1x1, linear)."""

    def __init__(
        self, in_ch: int, kernel: int, exp_ch: int, out_ch: int, use_se: bool, hardswish: bool, stride: int
    ) -> None:
        super().__init__()
        act: type[nn.Module] = nn.Hardswish if hardswish else nn.ReLU
        layers: list[nn.Module] = []
        if exp_ch != in_ch:
            layers.append(ConvBNAct(in_ch, exp_ch, 1, activation=act))
        layers.append(ConvBNAct(exp_ch, exp_ch, kernel, stride, groups=exp_ch, activation=act))
        if use_se:
            layers.append(ConcurrentSE(exp_ch, make_divisible(exp_ch // 4, 8)))
        layers.append(ConvBNAct(exp_ch, out_ch, 1))
        self.block = nn.Sequential(*layers)
        self.use_residual = stride == 1 and in_ch == out_ch

    def forward(self, x: Tensor) -> Tensor:
        out = self.block(x)
        return out + x if self.use_residual else out


class MN(nn.Module):
    """EfficientAT MobileNetV3 ("mn") audio encoder on ``(B, 1, n_mels, frames)`` log-mels.

    ``output="embedding"`` returns the classifier output ``(B, num_classes)``;
    ``output="features"`` returns the pooled last conv ``(B, 6 * last block width)``
    (the classifier is still built so checkpoints load strictly).  Works for any
    number of frames and mel bins (SE is over channels only).
    """

    def __init__(
        self,
        width_mult: float = 2.0,
        num_classes: int = 527,
        output: str = "embedding",
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        self.output = output

        def width(c: int) -> int:
            return make_divisible(c * width_mult, 8)

        layers: list[nn.Module] = [ConvBNAct(1, width(_MNV3_LARGE[0][0]), 3, stride=2, activation=nn.Hardswish)]
        for in_c, k, exp_c, out_c, se, hs, stride in _MNV3_LARGE:
            layers.append(InvertedResidual(width(in_c), k, width(exp_c), width(out_c), se, hs, stride))
        last_in = width(_MNV3_LARGE[-1][3])
        self.feature_dim = _LAST_CONV_FACTOR * last_in
        layers.append(ConvBNAct(last_in, self.feature_dim, 1, activation=nn.Hardswish))
        self.features = nn.Sequential(*layers)

        hidden = width(_HEAD_HIDDEN)
        self.classifier = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(1),
            nn.Linear(self.feature_dim, hidden),
            nn.Hardswish(),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )
        self.num_classes = num_classes
        self.out_dim = num_classes if output == "embedding" else self.feature_dim
        self._init_weights()

    def _init_weights(self) -> None:
        for mod in self.modules():
            if isinstance(mod, nn.Conv2d):
                nn.init.kaiming_normal_(mod.weight, mode="fan_out")
            elif isinstance(mod, nn.BatchNorm2d):
                nn.init.ones_(mod.weight)
                nn.init.zeros_(mod.bias)
            elif isinstance(mod, nn.Linear):
                nn.init.normal_(mod.weight, 0.0, 0.01)
                nn.init.zeros_(mod.bias)

    def feature_map(self, mel: Tensor) -> Tensor:
        """Last conv activations ``(B, feature_dim, F', T')``."""
        return self.features(mel)

    def forward(self, mel: Tensor) -> Tensor:
        fmap = self.feature_map(mel)
        if self.output == "features":
            return fmap.mean(dim=(2, 3))
        return self.classifier(fmap)


def mn20_as(output: str = "embedding") -> MN:
    """The width-2.0 AudioSet model, randomly initialised.

    ``"embedding"``: AIST-87M's encoder, 1280-d classifier output (19,886,566
    state elements).  ``"features"``: TEG-421M's encoder, 1920-d pooled features,
    with the stock 527-class head kept for strict loading (17,958,133 elements).
    """
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    return MN(width_mult=2.0, num_classes=1280 if output == "embedding" else 527, output=output)


class AudioTower(MN):
    """Waveform -> :class:`LogMel` -> :class:`MN` -> ``(B, D)``.

    Subclasses :class:`MN` (rather than wrapping it) so that its state-dict keys
    are exactly the encoder's (``features.*``, ``classifier.*``): the front end
    holds no persistent state.  ``forward`` takes ``(B, T)`` 32 kHz mono clips of
    equal length; :meth:`encode_mel` takes precomputed log-mels.
    """

    def __init__(self, output: str = "embedding") -> None:
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
        super().__init__(width_mult=2.0, num_classes=1280 if output == "embedding" else 527, output=output)
        self.mel = LogMel()

    def encode_mel(self, mel: Tensor) -> Tensor:
        """``(B, 1, 128, frames)`` log-mel -> ``(B, D)``."""
        return super().forward(mel)

    def forward(self, waveform: Tensor) -> Tensor:
        mel = self.mel(waveform)
        dtype = self.features[0][0].weight.dtype
        return self.encode_mel(mel.to(dtype))
