"""Database URLs: which dialect, how to connect, and how to print them without secrets.

The user name and password (the userinfo) are read by asm itself, not by urlsplit: the userinfo
runs from `://` to the last `@` before the first `/`, `?` or `#` that follows it, and the first
`:` in it ends the user name. A URL with an `@` after a `/`, `?` or `#` *and* a `:` before that
`@` reads two ways (a raw `/`, `?` or `#` in the password, or an `@` in the path or query), so
it is refused, printed with everything up to its last `@` hidden. Drivers and yoyo get URLs asm
rebuilt from the parsed parts, fully percent-encoded, so they read the same values.
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, parse_qsl, quote, unquote, unquote_plus, urlencode, urlsplit

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

# The URL query parameter that says a PostgreSQL URL points at a connection pooler, and its
# values (asm/drivers/poolers.py has what each one changes). asm reads it; no driver sees it.
POOLER_PARAMETER = "pooler"
POOLER_MODES = ("transaction", "statement")

# A secret shorter than this is not searched for in free text: replacing every "a" of a message
# would ruin it and hide nothing. Such passwords are hidden where a URL or password=... shows them.
MIN_SCRUBBED_SECRET = 4

# In free text (a driver's message): an @ followed by something host-shaped (then a path, a
# query, a quote, a space or the end); and password=... in a query string or a libpq conninfo.
_HOST_AT = re.compile(r"@(?:[\w.\-\[\]:%]+(?=[/?#\s'\"),;>\]]|\Z)|(?=[/?#]|\Z))")
_KEY_PASSWORD = re.compile(r"((?:^|[\s?&;])password\s*=\s*)('[^']*'|[^\s&;]*)", re.IGNORECASE)


def redact(text: str, secret: str | None = None) -> str:
    """Hide passwords in any text that may quote a connection string: in each URL everything
    from `://` to its last host-shaped `@` (when a `:` comes before it), and password=...; and
    `secret` itself, if it is long enough to be told apart from ordinary words."""
    text = _KEY_PASSWORD.sub(r"\1***", _hide_userinfo(text))
    if secret and len(secret) >= MIN_SCRUBBED_SECRET:
        text = text.replace(secret, "***")
    return text


def _hide_userinfo(text: str) -> str:
    # Linear in the text (str.find, no regex backtracking over runs of letters): driver
    # messages can quote long values.
    ats = [m.start() for m in _HOST_AT.finditer(text)]
    shown, pos = [], 0
    while ats and (separator := text.find("://", pos)) >= 0:
        start = separator + 3
        colon = text.find(":", start)
        if text.startswith("/", start) or not 0 <= colon < ats[-1]:  # sqlite:///path, or no password
            shown.append(text[pos:start])
            pos = start
            continue
        shown.append(text[pos:start] + _masked_userinfo(text[start:ats[-1]]))
        pos = ats[-1]
        break  # after the last @ there is no userinfo left to hide
    return "".join(shown) + text[pos:]


def _masked_userinfo(userinfo: str) -> str:
    """`user:***` (the user name is no secret), or `user` when there is no password."""
    user, colon, _ = userinfo.partition(":")
    return user + ":***" if colon else user


def _split_userinfo(rest: str) -> tuple[str | None, str] | None:
    """(userinfo or None, everything after it) of the text after `://`; None when ambiguous."""
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    last_at = rest.rfind("@")
    if last_at > end and end > 0 and ":" in rest[:last_at]:
        return None
    at = rest.rfind("@", 0, end)
    return (rest[:at], rest[at + 1:]) if at >= 0 else (None, rest)


def _shown(scheme: str, rest: str) -> str:
    """The URL as asm prints it."""
    split = _split_userinfo(rest)
    if split is None:  # refused as ambiguous: hide everything up to the last @
        at = rest.rfind("@")
        split = rest[:at], rest[at + 1:]
    userinfo, after = split
    masked = "" if userinfo is None else _masked_userinfo(userinfo) + "@"
    return _KEY_PASSWORD.sub(r"\1***", f"{scheme}://{masked}{after}")


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
    # "transaction" or "statement": the URL is a pooler in that mode (PgBouncer's pool_mode);
    # None: a direct connection (or a session-mode pooler, which behaves as one).
    pooler: str | None = None

    @property
    def is_memory(self) -> bool:
        return self.dialect == "sqlite" and self.database == ":memory:"

    def _after_userinfo(self) -> str:
        split = _split_userinfo(self.raw.split("://", 1)[1])
        if split is None:  # parse_url refuses such a URL; one built by hand may still be one
            raise ValidationError(f"ambiguous database URL {self}", details={"field": "url"})
        return _without_pooler(split[1])

    def _userinfo(self, password: str | None) -> str:
        """user:password@ percent-encoded in full, so a driver decodes exactly what asm read."""
        if self.user is None and password is None:
            return ""
        secret = "" if password is None else ":" + quote(password, safe="")
        return quote(self.user or "", safe="") + secret + "@"

    def conninfo(self) -> str:
        """The URL as psycopg wants it."""
        return "postgresql://" + self._userinfo(self.password) + self._after_userinfo()

    def mysql_password(self) -> str:
        """The password for PyMySQL and aiomysql: they send a str's latin-1 bytes, so this is
        the UTF-8 bytes of the password read as latin-1 (the server hashed the UTF-8 text a
        client with a UTF-8 connection gave `IDENTIFIED BY`). The URL's userinfo wins over a
        password=... in its query string."""
        password = self.password or self.query.get("password", "")
        return password.encode("utf-8").decode("latin-1")

    def yoyo_url(self) -> str:
        """The URL as yoyo wants it (psycopg 3 needs its own scheme there)."""
        if self.dialect == "postgres":
            return "postgresql+psycopg://" + self._userinfo(self.password) + self._after_userinfo()
        if self.dialect == "mysql":
            # yoyo hands query arguments to PyMySQL as keywords: password= there reaches it as
            # is (the userinfo's password would arrive as the deprecated passwd=).
            parts = urlsplit("mysql://" + self._after_userinfo())
            query = [(k, v) for k, v in parse_qsl(parts.query) if k != "password"]
            if password := self.mysql_password():
                query.append(("password", password))
            tail = "?" + urlencode(query) if query else ""
            return f"mysql://{self._userinfo(None)}{parts.netloc}{parts.path}{tail}"
        # yoyo reads the path back as a URI, so #, ? and % must be escaped to name the same file.
        return "sqlite:///" + quote(self.database or "", safe="/")

    def __str__(self) -> str:
        scheme, rest = self.raw.split("://", 1)
        return _shown(scheme, rest)

    def __repr__(self) -> str:
        return f"DatabaseURL({str(self)!r})"


def parse_url(url: str | DatabaseURL) -> DatabaseURL:
    """Parse `sqlite:///rel.db`, `sqlite:////abs.db`, `sqlite://:memory:`, postgres and mysql URLs."""
    if isinstance(url, DatabaseURL):
        return url
    if not isinstance(url, str) or "://" not in url:
        raise ValidationError(
            "database URL must look like sqlite:///asm.db, postgresql://user@host/db or "
            "mysql://user@host/db",
            details={"field": "url"},
        )
    if not _encodable(url):
        # No driver could send it; and the text must not be quoted (it may be the password).
        raise ValidationError("database URL is not valid text (it holds a lone surrogate)",
                              details={"field": "url"})
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
        if not rest.startswith("/") and database != ":memory:":
            # sqlite://x.db reads as host x.db in every other URL: refused, not guessed at.
            # The right form is spelled out, unless the text may hold a password (then only the
            # URL with it hidden, and no other URL beside it for a reader to mistake it for).
            shown = _shown(scheme, rest)
            hint = (f"write {scheme}:///{rest} for a path relative to the working directory, {scheme}:////abs/path.db "
                    f"for an absolute one, {scheme}://:memory: for memory" if "@" not in rest
                    else "a SQLite URL has three slashes before a relative path, four before an absolute one")
            raise ValidationError(f"{shown} has two slashes: {hint}", details={"field": "url"})
        return _checked(DatabaseURL(dialect=dialect, raw=url, database=database))
    split = _split_userinfo(rest)
    if split is None:
        raise ValidationError(
            f"ambiguous database URL {_shown(scheme, rest)}: percent-encode / ? # @ in the user "
            "name and password (%2F %3F %23 %40), and @ in the path or query (%40)",
            details={"field": "url"},
        )
    userinfo, after = split
    # urlsplit reads the rest (host, port, path, query) without the userinfo: its errors quote
    # what they read, and no part of the password must be in them, nor in their chain.
    parts = _split(f"{scheme}://{after}")
    if parts is None:
        raise ValidationError(f"bad host or port in database URL {_shown(scheme, rest)}",
                              details={"field": "url"})
    user, colon, password = (userinfo or "").partition(":")
    query = dict(parse_qsl(parts.query))
    pooler = _pooler(dialect, query.pop(POOLER_PARAMETER, None), _shown(scheme, rest))
    if dialect == "mysql" and not unquote(parts.path.lstrip("/")):
        # The tables live in one database; without it every statement fails with "No database selected".
        raise ValidationError(f"database URL {_shown(scheme, rest)} names no database: add one, as in "
                              "mysql://user@host/asm", details={"field": "url"})
    return _checked(DatabaseURL(
        dialect=dialect,
        raw=url,
        host=parts.hostname,
        port=parts.port,
        user=unquote(user) or None,
        password=unquote(password) if colon and password else None,
        database=unquote(parts.path.lstrip("/")) or None,
        query=query,
        pooler=pooler,
    ))


def with_pooler(url: DatabaseURL, pooler: str | None) -> DatabaseURL:
    """`url` with the `pooler=` argument of a connect call applied: it may say what the URL
    says, or say it when the URL does not; the two may not disagree."""
    if pooler is None:
        return url
    checked = _pooler(url.dialect, pooler, str(url))
    if url.pooler not in (None, checked):
        raise ValidationError(f"pooler={pooler!r} disagrees with {POOLER_PARAMETER}={url.pooler} in {url}",
                              details={"field": POOLER_PARAMETER})
    return attrs.evolve(url, pooler=checked)


def _without_pooler(after: str) -> str:
    """The URL's text after the userinfo without its `pooler=` parameter, which libpq and
    the MySQL drivers would refuse as unknown."""
    base, mark, rest = after.partition("?")
    if not mark:
        return after
    query, hash_mark, fragment = rest.partition("#")
    kept = [p for p in query.split("&") if unquote_plus(p.partition("=")[0]) != POOLER_PARAMETER]
    return base + ("?" + "&".join(kept) if kept else "") + hash_mark + fragment


def _pooler(dialect: str, value: str | None, shown: str) -> str | None:
    if value is None:
        return None
    if dialect != "postgres":
        raise ValidationError(f"{POOLER_PARAMETER}= is for PostgreSQL poolers such as PgBouncer; {shown} is {dialect}",
                              details={"field": POOLER_PARAMETER})
    if value not in POOLER_MODES:
        raise ValidationError(
            f"{POOLER_PARAMETER}={value!r} in {shown}: say `transaction` or `statement` (PgBouncer's pool_mode); "
            "a session-mode pooler behaves as a direct connection and needs no setting",
            details={"field": POOLER_PARAMETER, "value": value})
    return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _split(url: str) -> SplitResult | None:
    """urlsplit with its port read, or None when the host or port is bad."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        return None
    return parts


def _checked(url: DatabaseURL) -> DatabaseURL:
    values = [url.host, url.user, url.password, url.database, *url.query.values()]
    if any("\x00" in v for v in values if v):
        # libpq quotes the percent-encoded value it refuses, and no server takes a NUL there.
        raise ValidationError(f"database URL {url} holds a NUL character", details={"field": "url"})
    return url
