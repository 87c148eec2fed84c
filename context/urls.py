"""URLs as they may be shown: `redact_url`, and credentials kept apart from the URL.

A `model.url` such as `http://user:password@host/v1?api_key=...` carries secrets that must
never reach a message, a log line or `fillin doctor`. `redact_url` removes the userinfo and
masks the values of query parameters that look like credentials. Backends keep only
`without_credentials(url)` as their URL, so every message built from it is clean, and pass
the userinfo to the HTTP client as basic auth (`basic_auth`), which is what httpx would have
done with it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

MASK = "***"
_SECRET_PARAM = re.compile(r"key|token|secret|pass|auth|sig|credential|session", re.IGNORECASE)


def redact_url(url: str) -> str:
    """`url` without userinfo, with secret-looking query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an invalid URL)"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_PARAM.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, _host_port(url), parts.path, query, ""))


def without_credentials(url: str) -> str:
    """`url` without its userinfo (`user:password@`), everything else kept."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit((parts.scheme, _host_port(url), parts.path, parts.query, parts.fragment))


def basic_auth(url: str) -> tuple[str, str] | None:
    """The (user, password) of `url`'s userinfo, or None when it has none."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.username is None:
        return None
    return unquote(parts.username), unquote(parts.password or "")


def _host_port(url: str) -> str:
    netloc = urlsplit(url).netloc
    return netloc.rsplit("@", 1)[-1]
