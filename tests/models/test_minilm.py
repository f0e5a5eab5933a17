"""The offline MiniLM text model: real weights, real semantics."""

from __future__ import annotations

import numpy as np


def test_paraphrase_ranks_above_distractors(minilm_embedder):
    notes = [
        "The dog kept barking at the squirrels while we walked through the park.",
        "Red lentil soup: onion, garlic, cumin, lentils, simmer for twenty minutes.",
        "Q3 budget review: marketing cut by ten percent, hiring freeze until October.",
        "Call the dentist on Monday to move the cleaning appointment.",
        "Practised G, C and D chords on the guitar for half an hour.",
    ]
    z = minilm_embedder.embed_texts(notes)
    for q, want in [
        ("a puppy making noise in the garden", 0),
        ("how do I cook that bean stew", 1),
        ("money plans for the next quarter", 2),
        ("book a teeth check-up", 3),
    ]:
        scores = z @ minilm_embedder.embed_texts([q], query=True)[0]
        assert int(np.argmax(scores)) == want, (q, scores)


def test_contract_unit_norm_batch_equals_single(minilm_embedder):
    texts = ["one", "two words", "a somewhat longer sentence with more tokens in it"]
    batch = minilm_embedder.embed_texts(texts)
    assert batch.shape == (3, 384) and batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    single = np.concatenate([minilm_embedder.embed_texts([t]) for t in texts])
    np.testing.assert_allclose(batch, single, atol=1e-5)


def test_long_notes_are_chunked_to_the_context(minilm_embedder):
    text = "\n\n".join(f"Paragraph {i}: " + "the quick brown fox jumps over the lazy dog. " * 12 for i in range(10))
    spans = minilm_embedder.text_chunks(text)
    assert len(spans) > 1
    assert all(minilm_embedder.count_tokens(text[a:b]) <= minilm_embedder.max_text_tokens for a, b in spans)
    covered = "".join(text[a:b] for a, b in spans)
    assert covered.replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_equals_sentence_transformers_on_the_same_folder(minilm_embedder):
    """The oracle: sentence-transformers itself on the package's model folder (Transformer
    with max_seq_length 256, mean Pooling, Normalize)."""
    from sentence_transformers import SentenceTransformer

    from augmem.models.minilm import package_dir

    st = SentenceTransformer(str(package_dir()), device="cpu", local_files_only=True)
    texts = [
        "a puppy making noise in the garden",
        "Call the dentist on Monday.",
        "x",
        "",
        "Grüße aus München — 盆栽 and emoji 🌵",
        "the quick brown fox jumps over the lazy dog. " * 60,
    ]
    assert len(minilm_embedder.tokenizer(texts[-1])["input_ids"]) > 256  # exercises the truncation
    ref = st.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    np.testing.assert_allclose(minilm_embedder.embed_texts(texts), ref, atol=1e-5)
    np.testing.assert_allclose(minilm_embedder.embed_texts(texts, query=True), ref, atol=1e-5)  # no prompts
