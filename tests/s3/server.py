"""A real S3-protocol server on loopback for tests and benchmarks: moto's standalone server
(`moto[server]`), in a child process of its own so that its request handling never competes
with the code under test for the GIL (the bench times recall against it).

    with S3Server() as s3:
        s3.make_bucket("mem")
        settings: store_uri = "s3://mem/augmem", [store_options] = s3.options()
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any

ACCESS_KEY = "augmem-test-key"
SECRET_KEY = "augmem-test-secret"
REGION = "us-east-1"

# The child prints the port the OS gave it (port 0: no race for a free port) and serves until
# its stdin closes, so it also ends when the test process dies without cleaning up.
_CHILD = """
import logging, sys
logging.disable(logging.WARNING)  # werkzeug's line per request would flood the test output
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
server.stop()
"""


class S3Server:
    """moto's S3 on 127.0.0.1 at a free port, for as long as the context lasts."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> S3Server:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()  # blocks until the server listens (or the child died)
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError("moto's S3 server did not start (is moto[server] installed?)")
        self.port = int(line)
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=15)
        self.proc = None

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests need -------------------------------------------------------------------------
    def options(self) -> dict[str, str]:
        """[store_options] for augmem's config pointing at this server."""
        return {
            "endpoint": self.endpoint,
            "region": REGION,
            "access_key_id": ACCESS_KEY,
            "secret_access_key": SECRET_KEY,
        }

    def env(self) -> dict[str, str]:
        """The same, as the usual AWS environment variables."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def make_bucket(self, name: str | None = None) -> str:
        """A new, empty bucket (a fresh name per test keeps tests apart on one server)."""
        name = name or f"mem-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def objects(self, bucket: str, prefix: str = "") -> dict[str, bytes]:
        """Every object under `prefix`, read whole: what an attacker with the bucket would see."""
        s3 = self.client()
        out: dict[str, bytes] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                out[obj["Key"]] = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        return out
