"""Database URLs: which dialect, how to connect, and how to print them without secrets."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import attrs

from asm.errors import ValidationError

_SCHEMES = {
    "sqlite": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
    "postgresql+psycopg": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mysql+pymysql": "mysql",
}

# user:password@ in a URL (up to the last @ before the path, as urlsplit reads it: a raw @ in
# a password must not end the redaction early), and password=... in a query string or a libpq
# conninfo.
_URL_PASSWORD = re.compile(r"(//[^/?#@\s:]*:)[^/?#\s]*(@)")
_KEY_PASSWORD = re.compile(r"((?:^|[\s?&;])password\s*=\s*)('[^']*'|[^\s&;]*)", re.IGNORECASE)


def redact(text: str, secret: str | None = None) -> str:
    """Hide passwords in any text that may quote a connection string."""
    text = _URL_PASSWORD.sub(r"\1***\2", text)
    text = _KEY_PASSWORD.sub(r"\1***", text)
    if secret:
        text = text.replace(secret, "***")
    return text


@attrs.frozen(repr=False)
class DatabaseURL:
    """A parsed asm database URL. `str()` and `repr()` never show the password."""

    dialect: str
    raw: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = None
    database: str | None = None
    query: dict[str, str] = attrs.field(factory=dict)

    @property
    def is_memory(self) -> bool:
        return self.dialect == "sqlite" and self.database == ":memory:"

    def conninfo(self) -> str:
        """The URL as psycopg wants it."""
        rest = self.raw.split("://", 1)[1]
        userinfo, at, _host = urlsplit(self.raw).netloc.rpartition("@")
        if "@" in userinfo:
            # libpq would end the password at its first raw @ and take the rest as the host
            # (printing part of the password in its errors); urlsplit and PyMySQL take the last.
            user, colon, password = userinfo.partition(":")
            rest = quote(user, safe="%") + colon + quote(password, safe="%") + at + rest[len(userinfo) + 1:]
        return "postgresql://" + rest

    def yoyo_url(self) -> str:
        """The URL as yoyo wants it (psycopg 3 needs its own scheme there)."""
        rest = self.raw.split("://", 1)[1]
        if self.dialect == "postgres":
            return "postgresql+psycopg://" + rest
        if self.dialect == "mysql":
            return "mysql://" + rest
        # yoyo reads the path back as a URI, so #, ? and % must be escaped to name the same file.
        return "sqlite:///" + quote(self.database, safe="/")

    def __str__(self) -> str:
        return redact(self.raw, self.password)

    def __repr__(self) -> str:
        return f"DatabaseURL({str(self)!r})"


def parse_url(url: str) -> DatabaseURL:
    """Parse `sqlite:///rel.db`, `sqlite:////abs.db`, `sqlite://:memory:`, postgres and mysql URLs."""
    if isinstance(url, DatabaseURL):
        return url
    if not isinstance(url, str) or "://" not in url:
        raise ValidationError(
            "database URL must look like sqlite:///asm.db, postgresql://user@host/db or "
            "mysql://user@host/db",
            details={"field": "url"},
        )
    scheme, rest = url.split("://", 1)
    dialect = _SCHEMES.get(scheme.lower())
    if dialect is None:
        raise ValidationError(
            f"unsupported database URL scheme {scheme!r}; use sqlite, postgresql or mysql",
            details={"field": "url", "scheme": scheme},
        )
    if dialect == "sqlite":
        database = rest[1:] if rest.startswith("/") else rest
        if not database:
            raise ValidationError("sqlite URL needs a path: sqlite:///asm.db", details={"field": "url"})
        return DatabaseURL(dialect=dialect, raw=url, database=database)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad port, or a bad [IPv6] host
        raise ValidationError(f"bad host or port in database URL {redact(url)}", details={"field": "url"}) from None
    return DatabaseURL(
        dialect=dialect,
        raw=url,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        database=unquote(parts.path.lstrip("/")) or None,
        query=dict(parse_qsl(parts.query)),
    )
