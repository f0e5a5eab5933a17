"""Which tier two-stage recall gathers candidates from: declared per model, configurable,
and always one that is stored."""

from __future__ import annotations

import pytest

from augmem.default_plugins.models import AIST_87M, MINILM
from augmem.default_plugins.models_extra import AEGIS_EMBED, TEG_421M
from augmem.models.registry import choose_candidate_tier, one_of_tiers, prompt_text


def test_aist_gathers_from_256_by_default_and_stores_it():
    assert AIST_87M.candidate_tier == 256 and 256 in AIST_87M.storage_tiers
    assert choose_candidate_tier(AIST_87M, {}, (1280, 256, 64)) == 256
    assert choose_candidate_tier(AIST_87M, {"candidate_tier": 64}, (1280, 256, 64)) == 64


def test_models_without_a_declared_tier_keep_the_smallest_stored_one():
    assert TEG_421M.candidate_tier is None and AEGIS_EMBED.candidate_tier is None
    assert choose_candidate_tier(TEG_421M, {}, (768, 256, 128)) == 128
    assert choose_candidate_tier(AEGIS_EMBED, {}, [64, 768, 256]) == 64  # order does not matter


def test_a_full_vector_search_has_no_first_stage():
    assert choose_candidate_tier(MINILM, {}, (384,)) is None
    assert choose_candidate_tier(AIST_87M, {"candidate_tier": 1280}, (1280, 256, 64)) is None
    assert choose_candidate_tier(AIST_87M, {}, ()) is None


def test_a_tier_that_is_not_stored_becomes_the_next_stored_one_up():
    # the user stores only 1280 and 64 (settings.tiers): 256 is not there, so the full vector
    assert choose_candidate_tier(AIST_87M, {}, (1280, 64)) is None
    assert choose_candidate_tier(AIST_87M, {}, (1280, 512, 64)) == 512  # never coarser than asked
    assert choose_candidate_tier(AIST_87M, {"candidate_tier": 128}, (1280, 256, 64)) == 256
    assert choose_candidate_tier(AIST_87M, {"candidate_tier": 32}, (1280, 256, 64)) == 64


def test_option_parsers():
    parse = one_of_tiers(*AIST_87M.tiers)
    assert parse("256") == 256 and parse(64) == 64
    for bad in ("100", "0", "wide"):
        with pytest.raises(ValueError):
            parse(bad)
    assert prompt_text("query: ") == "query: "  # verbatim, trailing space kept
    assert prompt_text("none") == prompt_text(" OFF ") == prompt_text("") == ""
    assert set(AIST_87M.options) == {"precision", "query_prompt", "candidate_tier"}


def test_the_registry_reads_the_option_from_the_config(augmem_home):
    from augmem.config import load_settings
    from augmem.models.registry import ModelRegistry
    from augmem.plugins import load_plugins
    from tests.conftest import write_config

    write_config(augmem_home, model="aist-87m", model_options={"aist-87m": {"candidate_tier": 64}})
    settings = load_settings()
    registry = ModelRegistry.from_plugins(load_plugins(settings.paths.config_dir))
    spec = registry.get("aist-87m")
    assert registry.candidate_tier(spec, settings, (1280, 256, 64)) == 64
    write_config(augmem_home, model="aist-87m")
    assert registry.candidate_tier(spec, load_settings(), (1280, 256, 64)) == 256
