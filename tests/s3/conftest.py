"""Fixtures for the object-storage tests: one real S3-protocol server (moto) per session,
a fresh bucket per test, and no AWS_* variables from the developer's shell."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.s3.server import S3Server


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    with S3Server() as server:
        yield server


@pytest.fixture(autouse=True)
def no_aws_env(monkeypatch):
    """A developer's real AWS settings must never reach (or be used by) a test."""
    for var in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(var)


@pytest.fixture
def bucket(s3) -> str:
    return s3.make_bucket()
