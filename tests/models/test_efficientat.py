"""EfficientAT mn20_as audio tower: state-dict accounting, shapes, and the log-mel front end."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

from augmem.models import efficientat as eat

SR = eat.SAMPLE_RATE
SAMPLES = Path(__file__).resolve().parents[2] / "assets" / "samples" / "audio"


def _state_counts(module: torch.nn.Module) -> tuple[int, int]:
    sd = module.state_dict()
    return len(sd), sum(t.numel() for t in sd.values())


@pytest.fixture(scope="module")
def tower_embedding() -> eat.AudioTower:
    torch.manual_seed(0)
    return eat.AudioTower("embedding").eval()


@pytest.fixture(scope="module")
def tower_features() -> eat.AudioTower:
    torch.manual_seed(1)
    return eat.AudioTower("features").eval()


def _clips(n: int, seconds: float, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, int(seconds * SR), generator=g) * 2 - 1) * 0.3


# ---------------------------------------------------------------- counting


def test_embedding_variant_count_is_exact_aist(tower_embedding: eat.AudioTower) -> None:
    assert _state_counts(eat.mn20_as("embedding")) == (312, 19_886_566)
    assert _state_counts(tower_embedding) == (312, 19_886_566)


def test_features_variant_count_teg(tower_features: eat.AudioTower) -> None:
    tensors, elements = _state_counts(tower_features)
    assert tensors == 312  # TEG card: audio_encoder.* has 312 tensors
    assert elements == 17_958_133  # card: "18.0M", 68.5 MB
    assert round(elements / 1e6, 1) == 18.0


def test_decomposition_blocks() -> None:
    model = eat.mn20_as("embedding")
    sd = model.state_dict()
    feats = sum(v.numel() for k, v in sd.items() if k.startswith("features."))
    assert feats == 11_690_726
    assert sum(1 for k in sd if k.startswith("features.")) == 308
    assert sd["features.0.0.weight"].shape == (32, 1, 3, 3)
    assert sd["features.16.0.weight"].shape == (1920, 320, 1, 1)
    assert sd["classifier.2.weight"].shape == (2560, 1920)
    assert sd["classifier.5.weight"].shape == (1280, 2560)
    assert sd["features.15.block.2.conc_se_layers.0.fc1.weight"].shape == (480, 1920)
    assert "features.1.block.0.1.num_batches_tracked" in sd
    assert not any(k.startswith("mel.") for k in eat.AudioTower().state_dict())


def test_front_end_has_no_state() -> None:
    assert len(eat.LogMel().state_dict()) == 0


def test_unknown_output_rejected() -> None:
    with pytest.raises(ValueError):
        eat.mn20_as("logits")


# ---------------------------------------------------------------- forward


@pytest.mark.parametrize("variant,dim", [("embedding", 1280), ("features", 1920)])
def test_output_shape_and_finite(
    variant: str, dim: int, tower_embedding: eat.AudioTower, tower_features: eat.AudioTower
) -> None:
    tower = tower_embedding if variant == "embedding" else tower_features
    with torch.inference_mode():
        out = tower(_clips(2, 3.0))
    assert out.shape == (2, dim)
    assert out.dtype == torch.float32
    assert torch.isfinite(out).all()
    assert tower.out_dim == dim


def test_batch_equals_single(tower_embedding: eat.AudioTower, tower_features: eat.AudioTower) -> None:
    clips = _clips(3, 1.0, seed=3)
    with torch.inference_mode():
        for tower in (tower_embedding, tower_features):
            batch = tower(clips)
            single = tower(clips[1:2])
            torch.testing.assert_close(single[0], batch[1], atol=1e-5, rtol=1e-4)


def test_safetensors_round_trip(tower_embedding: eat.AudioTower, tmp_path) -> None:
    safetensors_torch = pytest.importorskip("safetensors.torch")
    path = tmp_path / "mn20.safetensors"
    safetensors_torch.save_file(tower_embedding.state_dict(), str(path))
    loaded = safetensors_torch.load_file(str(path))
    fresh = eat.AudioTower("embedding").eval()
    fresh.load_state_dict(loaded, strict=True)
    for key, value in tower_embedding.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value), key
    clip = _clips(1, 1.0, seed=5)
    with torch.inference_mode():
        torch.testing.assert_close(fresh(clip), tower_embedding(clip), atol=0, rtol=0)


# ---------------------------------------------------------------- front end


def test_logmel_shape_ten_seconds() -> None:
    n = 10 * SR
    # pre-emphasis (valid conv, kernel 2) leaves n - 1 samples; a centred STFT
    # with hop 320 then yields 1 + (n - 1) // 320 frames
    assert eat.num_frames(n) == 1 + (n - 1) // 320 == 1000
    mel = eat.LogMel()(torch.zeros(1, n))
    assert mel.shape == (1, 1, 128, 1000)
    for samples in (32_000, 32_001, 32_320, 32_321):
        assert eat.LogMel()(torch.zeros(1, samples)).shape[-1] == eat.num_frames(samples)


def test_logmel_runs_in_float32_under_bf16_autocast() -> None:
    """The front end ignores the caller's autocast, as the reference's autocast(enabled=False)
    around its mel matmul does: bf16 covers the towers, never pre-emphasis, STFT or mel."""
    import soundfile as sf

    wav, sr = sf.read(str(SAMPLES / "dog_barking_at_the_park.wav"), dtype="float32")
    assert sr == SR
    x = torch.from_numpy(wav[: 2 * SR])[None]
    front = eat.LogMel()
    ref = front(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = front(x)
        unguarded = front._log_mel(x)  # the same arithmetic without the guard
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, ref, atol=0, rtol=0)
    assert float((unguarded.float() - ref).abs().max()) > 0.1  # what the guard prevents (measured: 1.3)


def test_logmel_normalisation_constants() -> None:
    # silence: mel power 0 -> (log(1e-5) + 4.5) / 5 everywhere
    mel = eat.LogMel()(torch.zeros(1, SR))
    expected = (math.log(1e-5) + 4.5) / 5
    torch.testing.assert_close(mel, torch.full_like(mel, expected))


def _np_kaldi_banks(n_mels: int, n_fft: int, sr: float, f_lo: float, f_hi: float) -> np.ndarray:
    def to_mel(f):
        return 1127.0 * np.log(1.0 + np.asarray(f, dtype=np.float64) / 700.0)

    edges = np.linspace(to_mel(f_lo), to_mel(f_hi), n_mels + 2)
    fft_mel = to_mel(np.arange(n_fft // 2) * sr / n_fft)
    out = np.zeros((n_mels, n_fft // 2))
    for m in range(n_mels):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        up = (fft_mel - lo) / (mid - lo)
        down = (hi - fft_mel) / (hi - mid)
        out[m] = np.maximum(0.0, np.minimum(up, down))
    return out


def test_mel_banks_match_numpy_kaldi_formula() -> None:
    basis = eat.LogMel().mel_basis
    assert basis.shape == (128, 513)
    assert torch.all(basis[:, 512] == 0)  # the padded Nyquist column
    ref = _np_kaldi_banks(128, 1024, SR, 0.0, 15_000.0)
    ours = basis[:, :512].double().numpy()
    for m, k in [(0, 0), (0, 1), (5, 6), (36, 32), (64, 100), (100, 250), (127, 470), (127, 480)]:
        assert ours[m, k] == pytest.approx(ref[m, k], abs=5e-5), (m, k)
    np.testing.assert_allclose(ours, ref, atol=5e-5)
    # nothing above fmax = 15 kHz (FFT bin 480)
    assert np.all(ours[:, 481:] == 0)


def test_sine_1khz_peaks_in_right_mel_bin() -> None:
    t = torch.arange(2 * SR, dtype=torch.float64) / SR
    wave = (0.5 * torch.sin(2 * math.pi * 1000.0 * t)).float().unsqueeze(0)
    mel = eat.LogMel()(wave)[0, 0]  # (128, frames)
    peak = int(mel[:, 5:-5].mean(dim=1).argmax())
    # independent: the filter whose mel-domain centre is nearest mel(1 kHz)
    mel_hi = 1127.0 * math.log(1 + 15_000 / 700)
    centres = np.arange(1, 129) * mel_hi / 129
    expected = int(np.argmin(np.abs(centres - 1127.0 * math.log(1 + 1000 / 700))))
    assert expected == 36
    assert peak == expected
