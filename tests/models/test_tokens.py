"""The lean one-text tokenizer path gives exactly the ids and mask of the tokenizer's own batch call."""

from __future__ import annotations

import pytest
import torch

from augmem.models.minilm import load_tokenizer
from augmem.models.tokens import encode

TEXTS = [
    "dog barking at the park",
    "",
    "Représente: « café » naïve 東京 🐕",
    " ".join(["word"] * 700),
    "Represent this sentence for searching relevant passages: when did the budget meeting move",
]


@pytest.mark.parametrize("max_length", [8, 256, 512])
@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_one_text_matches_the_batch_call(text, max_length):
    tok = load_tokenizer()
    ids, mask = encode(tok, [text], max_length)
    ref = tok([text], padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    assert torch.equal(ids, ref["input_ids"]) and torch.equal(mask, ref["attention_mask"])


def test_batches_go_through_the_tokenizer():
    tok = load_tokenizer()
    ids, mask = encode(tok, TEXTS[:3], 64)
    ref = tok(TEXTS[:3], padding=True, truncation=True, max_length=64, return_tensors="pt")
    assert torch.equal(ids, ref["input_ids"]) and torch.equal(mask, ref["attention_mask"])
