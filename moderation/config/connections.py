"""Where the service keeps and finds things: its database, its broker, its signing key and
its local folder; and which settings are secrets. The first settings of `Settings`."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit


def meta(doc: str, **checks: Any) -> dict[str, Any]:
    """A field's documentation and checks; `secret=True` hides its value wherever it is shown."""
    return {"doc": doc, **checks}


@dataclass(frozen=True)
class Connections:
    """The settings every process needs first; field `x` is read from `MODQ_X`."""

    database_url: str = field(
        default="",
        metadata=meta(
            "SQLAlchemy URL of the database; unset means the SQLite file modq.db in "
            "MODQ_VAR_DIR. Use PostgreSQL in production."
        ),
    )
    redis_url: str = field(
        default="redis://127.0.0.1:6379/0",
        metadata=meta("Redis URL used as the Celery broker."),
    )
    secret_key: str = field(
        default="",
        metadata=meta(
            "Signs sessions and CSRF tokens. Required outside development; `make run` "
            "generates one into var/secret_key when unset.",
            secret=True,
        ),
    )
    var_dir: Path = field(
        default=Path("var"),
        metadata=meta("Folder for local state: SQLite file, beat schedule, generated secret."),
    )

    def secret_values(self) -> list[str]:
        """Values never to be shown or logged: keys, passwords, and the passwords in URLs."""
        raw = [_url_password(url) for url in (self.database_url, self.redis_url)]
        in_urls = raw + [unquote(password) for password in raw]
        marked = [getattr(self, f.name) for f in fields(self) if f.metadata.get("secret")]
        return [value for value in (*marked, *in_urls) if value]


def _url_password(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""
