"""Object storage for the store (`store_uri = "s3://bucket/prefix"`): the options LanceDB's
object store is opened with, and the one-line reasons people see when it cannot be reached.

Options come from the config's `[store_options]` table (passed to lance as they are, so any
key lance's object store knows works), falling back to the usual AWS environment variables
for what the table leaves out. The config wins: AWS_* variables in a person's shell are often
set for some other account (work), while the config names the bucket augmem was pointed at,
and an installed daemon does not see the shell anyway.

Stdlib only; lancedb is imported by `connect`, when the store is first opened.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from augmem.errors import StoreError

# Each setting under its spellings in lance's object store (object_store's AmazonS3ConfigKey
# aliases); the first is the one augmem documents. Knowing them lets us tell what the config
# already set before falling back to the environment, and name the endpoint in messages.
ENDPOINT = ("endpoint", "aws_endpoint", "endpoint_url", "aws_endpoint_url")
REGION = ("region", "aws_region")
ACCESS_KEY = ("access_key_id", "aws_access_key_id")
SECRET_KEY = ("secret_access_key", "aws_secret_access_key")
SESSION_TOKEN = ("session_token", "aws_session_token", "token", "aws_token", "aws_security_token")
ALLOW_HTTP = ("allow_http", "aws_allow_http")
SECRETS = frozenset(SECRET_KEY + SESSION_TOKEN)
"""Option names whose values are never shown."""

ENV_FALLBACK: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    # AWS_ENDPOINT_URL_S3 is the service-specific form the AWS SDKs prefer over AWS_ENDPOINT_URL
    (ENDPOINT, ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")),
    (REGION, ("AWS_REGION", "AWS_DEFAULT_REGION")),
)
CREDENTIAL_ENV = (
    ("access_key_id", "AWS_ACCESS_KEY_ID"),
    ("secret_access_key", "AWS_SECRET_ACCESS_KEY"),
    ("session_token", "AWS_SESSION_TOKEN"),
)

DEFAULTS = {
    # object_store retries a failed request for up to 3 minutes by default: a bucket that cannot
    # be reached would hang every recall. Two retries within 15 s still ride out a blip.
    "client_max_retries": "2",
    "client_retry_timeout": "15",
    "connect_timeout": "5s",
}
"""Applied unless the config sets them (lance's own names; seconds for the retry timeout)."""


def is_object_store(uri: str) -> bool:
    """True for object-storage URIs (s3://, gs://, az://, …), False for folders and file://."""
    return "://" in uri and not uri.startswith("file://")


def _first(options: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if options.get(name):
            return options[name]
    return None


def _bool_text(value: Any) -> str:
    """TOML's true/false (or "True" after the config's str()) as lance wants it: "true"/"false"."""
    text = str(value).strip()
    return text.lower() if text.lower() in ("true", "false") else text


def _loopback(endpoint: str) -> bool:
    host = urlsplit(endpoint).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_options(
    uri: str, configured: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The storage options to open `uri` with: the config's, then AWS_* variables for the
    endpoint, region and credentials it leaves out, then augmem's bounded retries.

    Credentials are taken as a group: when the config names an access key, the secret and
    session token come from the config too, never a mix of two identities. A plain-http
    endpoint is allowed on loopback (a local test server); elsewhere it must be allowed
    explicitly with `allow_http = true`, because the request signatures and the memories
    would cross the network unencrypted."""
    return {k: v for k, (v, _) in resolve_with_origins(uri, configured, environ).items()}


def resolve_with_origins(
    uri: str, configured: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, tuple[str, str]]:
    """`resolve_options`, each value with where it came from ("[store_options]", "$AWS_REGION",
    "augmem default", "loopback endpoint") for `augmem config`."""
    if not is_object_store(uri):
        return {}
    env = os.environ if environ is None else environ
    opts = {str(k): (_bool_text(v), "[store_options]") for k, v in (configured or {}).items()}
    values = {k: v for k, (v, _) in opts.items()}
    for names, variables in ENV_FALLBACK:
        if _first(values, names) is None:
            var = next((v for v in variables if env.get(v)), None)
            if var:
                opts[names[0]] = (env[var], f"${var}")
    if _first(values, ACCESS_KEY) is None and env.get("AWS_ACCESS_KEY_ID"):
        for key, var in CREDENTIAL_ENV:
            if env.get(var):
                opts[key] = (env[var], f"${var}")
    endpoint = _first({k: v for k, (v, _) in opts.items()}, ENDPOINT)
    if endpoint and endpoint.startswith("http://") and _first(values, ALLOW_HTTP) is None:
        if not _loopback(endpoint):
            raise StoreError(
                f"store: the object-storage endpoint {endpoint} is plain HTTP",
                "use https://, or set allow_http = true under [store_options] if this network is trusted",
            )
        opts["allow_http"] = ("true", "loopback endpoint")
    for key, value in DEFAULTS.items():
        opts.setdefault(key, (value, "augmem default"))
    return opts


def where(uri: str, options: Mapping[str, str]) -> str:
    """ "bucket B at endpoint E" for messages."""
    parts = urlsplit(uri)
    endpoint = _first(options, ENDPOINT) or "the provider's default endpoint"
    return f"bucket {parts.netloc!r} at {endpoint}"


_CODE = re.compile(r"<Code>([^<]+)</Code>")
_STATUS = re.compile(r"status: (\d{3})")
_REASONS = (
    ("Connection refused", "connection refused (is the server running?)"),
    ("dns error", "the endpoint's host name does not resolve"),
    ("failed to lookup address", "the endpoint's host name does not resolve"),
    ("timed out", "the connection timed out"),
    ("TimedOut", "the connection timed out"),
    ("certificate", "the endpoint's TLS certificate was refused"),
    ("Connection reset", "the connection was reset"),
)
_CODES = {
    "NoSuchBucket": "the bucket does not exist",
    "AccessDenied": "access denied (check the credentials and the bucket policy)",
    "InvalidAccessKeyId": "the access key id is not known to the server",
    "SignatureDoesNotMatch": "the secret access key is wrong",
    "ExpiredToken": "the session token has expired",
    "InvalidToken": "the session token is not valid",
    "PermanentRedirect": "the bucket is in another region (set region under [store_options])",
    "AuthorizationHeaderMalformed": "the region does not match the bucket's (set region under [store_options])",
}


def brief(error: object) -> str | None:
    """A one-line reason for an object-store failure buried in lance's error text, or None
    when the text is not one (then callers keep their own message)."""
    text = str(error)
    code = _CODE.search(text)
    if code:
        return _CODES.get(code.group(1), f"the server answered {code.group(1)}")
    for needle, reason in _REASONS:
        if needle in text:
            return reason
    status = _STATUS.search(text)
    if status and ("RetryError" in text or 'store: "S3"' in text):
        return f"the server answered HTTP {status.group(1)}"
    return None


def one_line(error: object, limit: int = 300) -> str:
    """The failure as one line: the recognised reason, else the first line of the text, cut."""
    reason = brief(error)
    if reason:
        return reason
    first = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return first if len(first) <= limit else first[: limit - 1] + "…"


# lance adds every AWS_* variable to the storage options under the setting's canonical name
# unless that name is already there, and applies the options in no fixed order: `endpoint` from
# the config and `aws_endpoint` from a stale AWS_ENDPOINT_URL would each win some of the time.
# So the options go to lance under these names, and the environment never gets a say in them.
CANONICAL = {
    ENDPOINT: "aws_endpoint",
    REGION: "aws_region",
    ACCESS_KEY: "aws_access_key_id",
    SECRET_KEY: "aws_secret_access_key",
    SESSION_TOKEN: "aws_session_token",
}


def for_lance(options: Mapping[str, str]) -> dict[str, str]:
    """`options` with each S3 setting under the one name lance checks before reading the environment."""
    out = dict(options)
    for names, canonical in CANONICAL.items():
        value = _first(out, names)
        for name in names:
            out.pop(name, None)
        if value is not None:
            out[canonical] = value
    return out


def connect(uri: str, options: Mapping[str, str], read_consistency: timedelta | None) -> Any:
    """lancedb.connect to an object-storage URI; a failure is one StoreError line naming the
    bucket and the endpoint (lance checks the bucket on connect: a wrong endpoint fails here,
    within the bounded retries, instead of on some later read)."""
    import lancedb

    opts = for_lance(options) if uri.startswith(("s3://", "s3a://")) else dict(options)
    if "aws_access_key_id" in opts and "aws_session_token" not in opts:
        # the config's own key and no token: a token in the environment is another identity's,
        # and lance would add it to these credentials (see CANONICAL), so this process drops it
        for var in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            os.environ.pop(var, None)
    try:
        return lancedb.connect(uri, read_consistency_interval=read_consistency, storage_options=opts)
    except Exception as exc:  # lance raises ValueError / OSError / RuntimeError alike
        raise StoreError(
            f"store: cannot reach {uri} ({where(uri, options)}): {one_line(exc)}",
            "check store_uri and [store_options] (endpoint, region, credentials) or the AWS_* variables; "
            "`augmem config` shows what is used",
        ) from exc
