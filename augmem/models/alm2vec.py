"""ALM2Vec-FT: an instruction-aware audio + text embedding model built on MiDashengLM
(Dasheng audio encoder + LLM, ~8B parameters, ~31 GB of float32 weights). GPU only.

augmem does not reimplement it: the artifact is the model's own transformers
remote-code folder (config.json with `auto_map`, the modeling code, safetensors
shards, tokenizer), loaded with `AutoModel.from_pretrained(folder,
trust_remote_code=True, local_files_only=True)`, and embedded through the card's API:

    model.encode(text=[...], audio=[...], task="query" | "document",
                 instruction="...", normalize=True, device="cuda")

Texts and clips go through it as the card shows: texts as strings, audio as paths to
WAV files (the card passes file paths or URLs; WAV needs no torchaudio). augmem's clips
are float32 arrays, so they are written to temporary 16 kHz WAV files first.

Instructions: the card's document instruction ("Represent the user's input.") is used
for every stored memory. Queries use DEFAULT_QUERY_INSTRUCTION, augmem's own wording (the
card gives none for plain text-to-audio recall), unless the caller passes one:
`embed_texts(texts, query=True, instruction="...")`. `instruction_aware =
True` on the class is how callers (`augmem recall --instruct "..."`) know they may.

The vector size is the model's, measured with a one-word probe through encode(); the
model is not Matryoshka-trained, so only the full vector is stored.

No parity by count here: the architecture lives in the model folder's own remote code,
which is not available offline, so there is nothing to build on the meta device. The
card gives ~8B parameters (F32 and I64 tensors, ~31 GB); the check we can make is the
GPU memory one below, against the size of the folder's weight files.

Requirements are checked before anything heavy happens, each with a one-line reason
and the fix: the folder must exist and hold config.json and weights, CUDA must be
available, and the GPU must have room for the weights. `require_cuda=False` turns the
GPU checks off explicitly (tests use it with a small stand-in folder on the CPU).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from augmem.errors import ArtifactError, AugmemError
from augmem.models.base import Embedder

NAME = "alm2vec-ft"
HF_REPO = "cara-ai/ALM2Vec-FT"
DIM = 3584
"""The spec's nominal size: MiDashengLM-7B's LLM hidden size; the loaded model's own wins."""
AUDIO_SR = 16_000
WEIGHTS_BYTES = 31_000_000_000
DOC_INSTRUCTION = "Represent the user's input."
DEFAULT_QUERY_INSTRUCTION = "Given a description, retrieve the audio recording or text that matches it."
"""augmem's own wording, not the card's: the card's example query instruction ("Based on the
question asked in the text query and context in the audio query, retrieve the relevant text
document associated with that question.") is for audio question answering, not for finding
a memory from a description. The document instruction is the card's."""
HOW_TO_GET = (
    f"on a machine with internet: `hf download {HF_REPO} --local-dir ALM2Vec-FT`, copy the "
    "folder into augmem's models folder (or `augmem models use alm2vec-ft --artifact FOLDER`)"
)


def check_folder(folder: Path) -> Path:
    folder = Path(folder)
    if folder.is_file():
        folder = folder.parent
    if not folder.is_dir():
        raise ArtifactError(f"ALM2Vec-FT needs its model folder; {folder} does not exist", hint=HOW_TO_GET)
    if not (folder / "config.json").exists():
        raise ArtifactError(f"{folder} is not a transformers model folder (config.json is missing)", hint=HOW_TO_GET)
    if not any(folder.glob("*.safetensors")) and not any(folder.glob("*.bin")):
        raise ArtifactError(f"{folder} holds no weights (*.safetensors)", hint=HOW_TO_GET)
    return folder


def weights_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.safetensors")) or sum(
        p.stat().st_size for p in folder.glob("*.bin")
    )


def check_gpu(device: str, needed_bytes: int) -> None:
    """Raise a clear AugmemError unless `device` is a CUDA GPU with room for `needed_bytes`."""
    import torch

    if not torch.cuda.is_available():
        raise AugmemError(
            "ALM2Vec-FT runs on an NVIDIA GPU only (~31 GB of weights), and torch sees no CUDA GPU here "
            "(torch.cuda.is_available() is False)",
            hint="use it on a machine with a CUDA GPU, driver and a CUDA build of torch, or choose another model: "
            "`augmem models use aist-87m`",
        )
    if not str(device).startswith("cuda"):
        raise AugmemError(
            f"ALM2Vec-FT runs on an NVIDIA GPU only; the configured device is {device!r}",
            hint='set `device = "cuda"` (or "auto") in the config, or AUGMEM_DEVICE=cuda',
        )
    index = torch.device(device).index or 0
    free, total = torch.cuda.mem_get_info(index)
    if needed_bytes > free:
        raise AugmemError(
            f"ALM2Vec-FT needs about {needed_bytes / 1e9:.1f} GB of GPU memory; GPU {index} has "
            f"{free / 1e9:.1f} GB free of {total / 1e9:.1f} GB",
            hint="free the GPU (other processes), use a larger GPU, or choose another model",
        )


def _to_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().float().cpu().numpy()
    return np.asarray(x, dtype=np.float32)


class ALM2VecEmbedder(Embedder):
    """ALM2Vec-FT through its remote-code `encode` API; text and audio, instruction-aware."""

    name = NAME
    modalities = frozenset({"text", "audio"})
    dim = DIM
    tiers = (DIM,)
    storage_tiers = (DIM,)
    max_text_tokens = 512
    audio_sample_rate = AUDIO_SR
    instruction_aware = True

    def __init__(
        self,
        folder: Path,
        sha256: str,
        device: str = "cuda",
        *,
        require_cuda: bool = True,
        dtype: str = "float32",
        batch_size: int = 8,
    ):
        super().__init__(sha256)
        folder = check_folder(folder)
        if require_cuda:
            per_element = {"float32": 1.0, "bfloat16": 0.5, "float16": 0.5}.get(dtype, 1.0)
            check_gpu(device, int(weights_bytes(folder) * per_element * 1.05))
        import torch
        from transformers import AutoModel

        try:
            model = AutoModel.from_pretrained(
                str(folder), trust_remote_code=True, local_files_only=True, dtype=getattr(torch, dtype)
            )
        except Exception as exc:
            raise ArtifactError(
                f"{folder}: the model does not load ({type(exc).__name__}: {exc})", hint=HOW_TO_GET
            ) from exc
        if not callable(getattr(model, "encode", None)):
            raise ArtifactError(
                f"{folder}: the loaded model ({type(model).__name__}) has no encode(...) method; "
                "is this the ALM2Vec-FT folder?",
                hint=HOW_TO_GET,
            )
        self.model = model.to(device).eval()
        self.device = device
        self.batch_size = batch_size
        self.folder = folder
        self._torch = torch
        # the vector size: measured with one probe through encode() (exact, whatever head it has)
        try:
            dim = self._encode(text=["probe"], task="document", instruction=DOC_INSTRUCTION).shape[-1]
        except ArtifactError:
            raise
        except Exception as exc:
            raise ArtifactError(
                f"{folder}: encode() fails on a one-word probe ({type(exc).__name__}: {exc})", hint=HOW_TO_GET
            ) from exc
        self.dim = int(dim)
        self.tiers = (self.dim,)
        self.storage_tiers = (self.dim,)

    def _encode(self, **kwargs) -> np.ndarray:
        with self._torch.inference_mode():
            out = self.model.encode(normalize=True, device=self.device, **kwargs)
        arr = _to_numpy(out)
        if arr.ndim != 2:
            raise ArtifactError(f"ALM2Vec encode() returned shape {arr.shape}; expected (n, dim)")
        from augmem.models.base import l2norm

        return l2norm(arr)

    def embed_texts(self, texts: Sequence[str], *, query: bool = False, instruction: str | None = None) -> np.ndarray:
        """Texts as queries (task "query") or documents; `instruction` steers a query's embedding."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        task = "query" if query else "document"
        instr = instruction or (DEFAULT_QUERY_INSTRUCTION if query else DOC_INSTRUCTION)
        out = [
            self._encode(text=texts[i : i + self.batch_size], task=task, instruction=instr)
            for i in range(0, len(texts), self.batch_size)
        ]
        return np.concatenate(out)

    def embed_audio(
        self, clips: Sequence[np.ndarray], *, query: bool = False, instruction: str | None = None
    ) -> np.ndarray:
        """16 kHz mono clips, passed to encode(audio=...) as temporary WAV files."""
        import soundfile as sf

        clips = [np.asarray(c, np.float32).reshape(-1) for c in clips]
        if not clips:
            return np.zeros((0, self.dim), np.float32)
        task = "query" if query else "document"
        instr = instruction or (DEFAULT_QUERY_INSTRUCTION if query else DOC_INSTRUCTION)
        out = []
        with tempfile.TemporaryDirectory(prefix="augmem-alm2vec-") as tmp:
            for i in range(0, len(clips), self.batch_size):
                paths = []
                for j, clip in enumerate(clips[i : i + self.batch_size]):
                    p = Path(tmp) / f"clip{i + j}.wav"
                    sf.write(str(p), np.clip(clip, -1.0, 1.0), AUDIO_SR, subtype="FLOAT")
                    paths.append(str(p))
                out.append(self._encode(audio=paths, task=task, instruction=instr))
        return np.concatenate(out)

    def close(self) -> None:
        self.model = None
        if self._torch.cuda.is_available():
            self._torch.cuda.empty_cache()


def load(folder: Path, sha256: str, device: str = "cuda") -> ALM2VecEmbedder:
    return ALM2VecEmbedder(folder, sha256, device)
