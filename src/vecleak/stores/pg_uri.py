"""PostgreSQL connection URIs as users type them, parsed without echoing their secrets.

A URI may carry a password in two places: ``postgresql://USER:PASSWORD@HOST/DB`` and
``?password=...`` (libpq also reads ``sslpassword``). Users type passwords with an unencoded
``@`` or ``%`` in them, which a URL parser splits at the wrong place (libpq then reports the
password's tail as the host name). :func:`parse_pg_uri` takes the user part up to the *last*
``@`` of the authority, decodes it leniently, hands everything else to libpq's own parser
(``psycopg.conninfo``) and returns:

* ``params``: keyword arguments for ``psycopg.connect`` (the password among them);
* ``display``: the URI with every secret replaced by ``***`` (what errors, ``audit.json`` and
  reports show);
* :meth:`PgTarget.scrub`: any text (a libpq error message) with the secrets removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from vecleak.errors import StoreError

#: libpq connection parameters that are secrets.
SECRET_KEYS = ("password", "sslpassword")
SCHEMES = ("postgresql://", "postgres://")
MASK = "***"


@dataclass(frozen=True)
class PgTarget:
    """A parsed connection URI: ``params`` for ``psycopg.connect`` and a ``display`` without secrets."""

    params: dict[str, str]
    display: str
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def scrub(self, text: str) -> str:
        """``text`` with every secret (as typed and as decoded) replaced by ``***``."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) >= 3:
                text = text.replace(secret, MASK)
            elif secret:          # short secrets only where they stand alone, not inside words
                text = re.sub(rf"(?<![\w%]){re.escape(secret)}(?![\w%])", MASK, text)
        return text

    def __repr__(self) -> str:
        return f"PgTarget({self.display!r})"


def _decode(text: str) -> str:
    """Percent-decode where the text is valid percent-encoding; otherwise the text as typed
    (a password ``50%zz`` means those five characters)."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", text):
        return text
    return unquote(text, errors="strict")


def parse_pg_uri(uri: str) -> PgTarget:
    """``postgresql://[USER[:PASSWORD]@][HOST][:PORT][/DB][?KEY=VALUE&...]`` -> :class:`PgTarget`.

    Raises:
        StoreError: not a PostgreSQL URI, or one libpq cannot parse (the message shows no secret).
    """
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    uri = uri.strip()
    scheme = next((s for s in SCHEMES if uri.startswith(s)), None)
    if scheme is None:
        raise StoreError("a PostgreSQL store is a URI postgresql://USER@HOST:PORT/DB")
    rest = uri[len(scheme):]
    query_at = rest.find("?", rest.rfind("@") + 1) if "@" in rest else rest.find("?")
    head = rest if query_at < 0 else rest[:query_at]
    at = head.rfind("@")
    user = password = None
    raw_secrets: list[str] = []
    if at >= 0:
        userinfo, rest = head[:at], rest[at + 1:]
        raw_user, colon, raw_password = userinfo.partition(":")
        user = _decode(raw_user) or None
        if colon:
            password = _decode(raw_password)
            raw_secrets += [raw_password, password]
    masked_query = re.sub(r"(?i)(^|[?&])(" + "|".join(SECRET_KEYS) + r")=[^&]*", rf"\1\2={MASK}", rest)
    masked = scheme + ((user or "") + (f":{MASK}" if password else "") + "@" if at >= 0 else "") + masked_query
    for key in SECRET_KEYS:                 # secrets in the query, as typed, for scrubbing
        raw_secrets += re.findall(rf"(?i)(?:^|[?&]){key}=([^&]*)", rest)
    raw_secrets += [_decode(s) for s in list(raw_secrets)]
    try:
        params = conninfo_to_dict(scheme + rest)
    except ProgrammingError as err:
        reason = PgTarget({}, masked, tuple(raw_secrets)).scrub(str(err).strip().splitlines()[0])
        raise StoreError(f"cannot parse the PostgreSQL URI {masked}: {reason}; percent-encode special "
                         "characters (e.g. %40 for @)") from None
    params = {k: str(v) for k, v in params.items()}
    if user is not None:
        params["user"] = user
    if password is not None and "password" not in params:    # ?password= wins, as in libpq
        params["password"] = password
    secrets = tuple(s for s in {*raw_secrets, *(params.get(k, "") for k in SECRET_KEYS)} if s)
    return PgTarget(params, masked, secrets)

