"""The store in object storage (`store_uri = "s3://bucket/augmem"`), against a real
S3-protocol server on loopback (moto): ingest, recall and forget through the core, with the
endpoint and credentials from the config or from the AWS environment variables; the bytes
of a forgotten note gone from every object in the bucket; a bucket that cannot be reached
refused in one line."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from augmem.cli import cli
from augmem.config import load_settings
from augmem.core import Augmem
from augmem.errors import StoreError
from augmem.store.objectstore import for_lance, resolve_options
from tests.conftest import write_config
from tests.daemon.proc import ROOT, env_for
from tests.test_ingest_recall import make_notes

SECRET = "my bank PIN is tucked inside the zebra-striped teapot"
NEEDLE = b"zebra-striped teapot"


def s3_config(home: Path, s3, bucket: str, **extra) -> None:
    write_config(home, model="minilm", store_uri=f"s3://{bucket}/augmem", store_options=s3.options(), **extra)


def with_secret(folder: Path) -> Path:
    make_notes(folder)
    (folder / "secret.md").write_text(SECRET, encoding="utf-8")
    return folder


def occurrences(s3, bucket: str, needle: bytes = NEEDLE) -> list[str]:
    """The objects in the bucket whose bytes contain `needle`."""
    return sorted(key for key, data in s3.objects(bucket).items() if needle in data)


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_ingest_recall_forget_on_s3_leaves_no_forgotten_bytes_in_any_object(augmem_home, s3, bucket, tmp_path):
    s3_config(augmem_home, s3, bucket)
    notes = with_secret(tmp_path / "notes")
    aug = Augmem(load_settings())
    report = aug.ingest([notes])
    assert (report.added, report.rejected) == (6, [])
    # the store really lives in the bucket: its tables are objects under the prefix, nothing on disk
    assert any(key.startswith("augmem/") and ".lance/" in key for key in s3.objects(bucket))
    assert not (augmem_home / "data" / "store").exists()
    assert occurrences(s3, bucket), "the note's text should be stored in some object"

    hit = aug.recall("where is the bank PIN", limit=1).hits[0]
    assert hit.path == str(notes / "secret.md")
    assert Path(aug.recall("lentil soup recipe", limit=1).hits[0].path).name == "soup.md"
    assert aug.status().memories == 6

    assert aug.forget(ids=[hit.id]) == 1
    assert occurrences(s3, bucket) == []
    assert not any(h.path.endswith("secret.md") for h in aug.recall("bank PIN teapot", limit=10).hits)
    assert aug.ingest([notes]).added == 0  # still forgotten, and still no trace
    assert occurrences(s3, bucket) == []
    aug.close()


def test_the_aws_environment_variables_are_used_where_the_config_is_silent(
    augmem_home, s3, bucket, tmp_path, monkeypatch
):
    write_config(augmem_home, model="minilm", store_uri=f"s3://{bucket}/augmem")
    for var, value in s3.env().items():
        monkeypatch.setenv(var, value)
    notes = make_notes(tmp_path / "notes")
    aug = Augmem(load_settings())
    assert aug.ingest([notes]).added == 5
    assert Path(aug.recall("call the dentist", limit=1).hits[0].path).name == "dentist.txt"
    aug.close()


def test_the_config_wins_over_the_environment(augmem_home, s3, bucket, tmp_path):
    # a stale AWS_ENDPOINT_URL (and another account's keys) in the shell do not redirect the store.
    # A process of its own, as people run augmem: lance keeps per-process state about the AWS
    # environment, so changing the variables inside one process is not what this is about.
    s3_config(augmem_home, s3, bucket)
    notes = make_notes(tmp_path / "notes")
    stale = {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}",
        "AWS_ACCESS_KEY_ID": "someone-else",
        "AWS_SECRET_ACCESS_KEY": "not-the-right-secret",
        "AWS_REGION": "ap-south-1",
    }
    out = subprocess.run(
        [sys.executable, "-m", "augmem", "ingest", str(notes), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env_for(augmem_home, **stale),
        cwd=str(ROOT),
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == 5
    assert s3.objects(bucket)  # it went to the configured server


def test_credentials_are_taken_as_a_group_and_plain_http_only_on_loopback():
    env = {
        "AWS_ACCESS_KEY_ID": "env-key",
        "AWS_SECRET_ACCESS_KEY": "env-secret",
        "AWS_REGION": "eu-west-1",
        "AWS_ENDPOINT_URL": "https://s3.example.org",
    }
    opts = resolve_options("s3://b/p", {"access_key_id": "cfg-key", "secret_access_key": "cfg-secret"}, env)
    assert (opts["access_key_id"], opts["secret_access_key"]) == ("cfg-key", "cfg-secret")
    assert (opts["region"], opts["endpoint"]) == ("eu-west-1", "https://s3.example.org")
    assert "allow_http" not in opts  # https needs no opt-in
    opts = resolve_options("s3://b/p", {}, env)
    assert (opts["access_key_id"], opts["secret_access_key"]) == ("env-key", "env-secret")
    assert resolve_options("s3://b/p", {"endpoint": "http://localhost:9000"}, {})["allow_http"] == "true"
    assert (
        resolve_options("s3://b/p", {"allow_http": True, "endpoint": "http://nas.lan:9000"}, {})["allow_http"] == "true"
    )
    with pytest.raises(StoreError, match="plain HTTP"):
        resolve_options("s3://b/p", {"endpoint": "http://nas.lan:9000"}, {})
    assert resolve_options("/some/folder", {"endpoint": "x"}, env) == {}  # a folder store takes no options


def test_lance_gets_each_setting_under_the_one_name_it_checks_before_the_environment():
    # lance adds AWS_* variables under these names unless present, in no fixed order with the
    # rest: an alias (`endpoint`) next to an env-added `aws_endpoint` won only some of the time
    opts = for_lance(
        {
            "endpoint_url": "http://127.0.0.1:9",
            "region": "r",
            "aws_access_key_id": "k",
            "secret_access_key": "s",
            "token": "t",
            "allow_http": "true",
        }
    )
    assert opts == {
        "aws_endpoint": "http://127.0.0.1:9",
        "aws_region": "r",
        "aws_access_key_id": "k",
        "aws_secret_access_key": "s",
        "aws_session_token": "t",
        "allow_http": "true",
    }


def test_an_unreachable_endpoint_is_one_line_naming_the_bucket_and_the_endpoint(augmem_home, monkeypatch):
    port = closed_port()
    write_config(
        augmem_home,
        model="minilm",
        store_uri="s3://photos-bucket/augmem",
        store_options={
            "endpoint": f"http://127.0.0.1:{port}",
            "region": "us-east-1",
            "access_key_id": "k",
            "secret_access_key": "s",
        },
    )
    with pytest.raises(StoreError) as info:
        Augmem(load_settings()).status()
    message = info.value.message
    assert "\n" not in message and len(message) < 300, message
    assert "photos-bucket" in message and f"http://127.0.0.1:{port}" in message
    assert "connection refused" in message
    # the CLI says the same, as one error line plus a hint, and exits 2 (no traceback)
    result = CliRunner().invoke(cli, ["status"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("error: store: cannot reach s3://photos-bucket/augmem") and len(lines) == 2
    assert lines[1].startswith("  hint:") and "Traceback" not in result.output


def test_a_missing_bucket_says_so(augmem_home, s3):
    write_config(augmem_home, model="minilm", store_uri="s3://no-such-bucket/augmem", store_options=s3.options())
    with pytest.raises(StoreError) as info:
        Augmem(load_settings()).status()
    assert info.value.message.endswith(f"(bucket 'no-such-bucket' at {s3.endpoint}): the bucket does not exist")


def test_config_shows_store_options_without_their_secrets(augmem_home, s3, bucket, monkeypatch):
    options = s3.options()
    del options["region"]
    write_config(augmem_home, model="minilm", store_uri=f"s3://{bucket}/augmem", store_options=options)
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    result = CliRunner().invoke(cli, ["config", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)["store_options"]["value"]
    assert shown["access_key_id"] == options["access_key_id"]
    assert shown["secret_access_key"] == "***"
    assert options["secret_access_key"] not in result.output
    # the text view also says what the store is opened with, and where each value comes from
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 0, result.output
    rows = {
        line.split()[0]: line.split()[1:]
        for line in result.stdout.split(f"object storage (s3://{bucket}")[1].splitlines()[3:]
        if line.strip()
    }
    assert rows["endpoint"] == [s3.endpoint, "[store_options]"]
    assert rows["region"] == ["eu-west-2", "$AWS_REGION"]
    assert rows["secret_access_key"] == ["***", "[store_options]"]
    assert rows["allow_http"] == ["true", "loopback", "endpoint"]
    assert options["secret_access_key"] not in result.output
