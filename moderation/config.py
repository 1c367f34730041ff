"""Settings: read once from `MODQ_*` environment variables, typed and validated."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import unquote, urlsplit

PREFIX = "MODQ_"
DETOXIFY_VARIANTS = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")


class ConfigError(ValueError):
    """One or more settings are invalid; the message names each variable and what is wrong."""


def _meta(doc: str, **checks: Any) -> dict[str, Any]:
    return {"doc": doc, **checks}


@dataclass(frozen=True)
class Settings:
    """Every setting of the service; field `x` is read from `MODQ_X`."""

    database_url: str = field(
        default="",
        metadata=_meta(
            "SQLAlchemy URL of the database; unset means the SQLite file modq.db in "
            "MODQ_VAR_DIR. Use PostgreSQL in production."
        ),
    )
    redis_url: str = field(
        default="redis://127.0.0.1:6379/0",
        metadata=_meta("Redis URL used as the Celery broker."),
    )
    secret_key: str = field(
        default="",
        metadata=_meta(
            "Signs sessions and CSRF tokens. Required outside development; `make run` "
            "generates one into var/secret_key when unset."
        ),
    )
    var_dir: Path = field(
        default=Path("var"),
        metadata=_meta("Folder for local state: SQLite file, beat schedule, generated secret."),
    )
    policy_file: Path | None = field(
        default=None,
        metadata=_meta(
            "A policy document (YAML) used until one is activated with "
            "`modq policy activate`; unset uses the built-in policy."
        ),
    )
    detoxify_model: str = field(
        default="unbiased",
        metadata=_meta("Detoxify variant.", choices=DETOXIFY_VARIANTS),
    )
    detoxify_checkpoint: Path | None = field(
        default=None,
        metadata=_meta(
            "Local Detoxify .ckpt file (offline use); unset downloads the variant's weights."
        ),
    )
    detoxify_hf_config: Path | None = field(
        default=None,
        metadata=_meta(
            "Local folder with the model's Hugging Face config.json and tokenizer files."
        ),
    )
    detoxify_device: str = field(
        default="cpu",
        metadata=_meta("Torch device for Detoxify: `cpu`, `cuda` or `cuda:N`.", pattern="device"),
    )
    detoxify_quantize: bool = field(
        default=False,
        metadata=_meta(
            "Quantise Detoxify's linear layers to int8 on the CPU (faster; see README)."
        ),
    )
    detoxify_batch_size: int = field(
        default=8, metadata=_meta("Text windows per Detoxify forward pass.", low=1, high=256)
    )
    torch_threads: int = field(
        default=0, metadata=_meta("Threads torch may use in a worker; 0 lets torch choose.", low=0)
    )
    batch_max_comments: int = field(
        default=128,
        metadata=_meta("A worker scores up to this many queued comments at once...", low=1),
    )
    batch_wait_ms: int = field(
        default=50,
        metadata=_meta("...or what has arrived after this many milliseconds.", low=1),
    )
    max_comment_chars: int = field(
        default=5000, metadata=_meta("Longest accepted comment body, in characters.", low=1)
    )
    max_request_bytes: int = field(
        default=1_048_576, metadata=_meta("Largest accepted request body, in bytes.", low=1024)
    )
    embedding_model: str = field(
        default="",
        metadata=_meta(
            "A local sentence-transformers folder for the on-topic check; unset "
            "uses the bundled all-MiniLM-L6-v2 (English)."
        ),
    )
    requeue_after_seconds: int = field(
        default=120,
        metadata=_meta(
            "A comment still pending this long after it was queued is queued again.", low=5
        ),
    )
    requeue_interval_seconds: int = field(
        default=60, metadata=_meta("How often the beat scheduler looks for such comments.", low=1)
    )
    broker_retry_seconds: int = field(
        default=5,
        metadata=_meta(
            "After a publish to the broker fails, intake skips publishing for this long "
            "before trying again (the requeue sweep queues what it skipped).",
            low=1,
        ),
    )
    scorer_retry_seconds: int = field(
        default=300,
        metadata=_meta(
            "After a model fails to load, how long a worker waits before trying again.", low=0
        ),
    )
    secure_cookies: bool = field(
        default=False,
        metadata=_meta("Send session cookies over HTTPS only (turn on behind TLS)."),
    )
    reader_address: str = field(
        default="field",
        metadata=_meta(
            "Where a comment's reader address comes from: `field` (the client_ip the site "
            "sends, for sites that relay comments from their server) or `connection` (for "
            "readers' browsers posting directly; see MODQ_TRUSTED_PROXIES).",
            choices=("field", "connection"),
        ),
    )
    trusted_proxies: int = field(
        default=0,
        metadata=_meta(
            "How many reverse proxies in front of the web app set X-Forwarded-For "
            "(0: use the connection's address).",
            low=0,
            high=5,
        ),
    )
    explain_budget_ms: int = field(
        default=2000,
        metadata=_meta(
            "Time a worker may spend per batch finding the words behind a high Detoxify score.",
            low=0,
        ),
    )
    api_key: str = field(
        default="",
        metadata=_meta("When set, writing articles needs `Authorization: Bearer <key>`."),
    )
    admin_username: str = field(
        default="", metadata=_meta("First moderator created by `make run` / `modq up`.")
    )
    admin_password: str = field(
        default="",
        metadata=_meta("Password of that first moderator (else a one-time one is printed)."),
    )
    log_level: str = field(
        default="INFO",
        metadata=_meta("Log level.", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    )
    log_format: str = field(
        default="text",
        metadata=_meta(
            "`text` (one readable line per event, for development) or `json` (one JSON "
            "object per line with the comment, batch and task ids, for log search).",
            choices=("text", "json"),
        ),
    )

    def secret_values(self) -> list[str]:
        """Values never to be shown or logged: keys, passwords, and the passwords in URLs."""
        raw = [_url_password(url) for url in (self.database_url, self.redis_url)]
        in_urls = raw + [unquote(password) for password in raw]
        candidates = (self.secret_key, self.api_key, self.admin_password, *in_urls)
        return [value for value in candidates if value]

    def validated(self) -> Settings:
        """Return self, or raise ConfigError naming every bad value."""
        problems = [p for f in dataclasses.fields(self) if (p := _check(f, getattr(self, f.name)))]
        if problems:
            raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
        return self


def _url_password(url: str) -> str:
    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""


def env_name(name: str) -> str:
    """The environment variable that sets field `name`."""
    return PREFIX + name.upper()


def _check(f: dataclasses.Field[Any], value: Any) -> str | None:
    meta, var = f.metadata, env_name(f.name)
    if "choices" in meta and value not in meta["choices"]:
        return f"{var}: expected one of {', '.join(meta['choices'])}, got {value!r}"
    if "low" in meta and value < meta["low"]:
        return f"{var}: must be at least {meta['low']}, got {value}"
    if "high" in meta and value > meta["high"]:
        return f"{var}: must be at most {meta['high']}, got {value}"
    if meta.get("pattern") == "device" and not _is_device(value):
        return f"{var}: expected cpu, cuda or cuda:N, got {value!r}"
    return None


def _is_device(value: str) -> bool:
    kind, _, index = value.partition(":")
    return kind in ("cpu", "cuda", "mps") and (not index or index.isdigit())


def _parse_bool(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(raw)


def _parse_optional_path(raw: str) -> Path | None:
    return Path(raw).expanduser() if raw.strip() else None


_PARSERS: dict[Any, Callable[[str], Any]] = {
    str: str,
    bool: _parse_bool,
    int: int,
    float: float,
    Path: lambda raw: Path(raw).expanduser(),
    Path | None: _parse_optional_path,
}
_TYPE_WORDS = {int: "a whole number", float: "a number", bool: "true or false"}


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build Settings from the environment (default os.environ) plus explicit overrides."""
    environ = os.environ if environ is None else environ
    hints = get_type_hints(Settings)
    values: dict[str, Any] = {}
    problems: list[str] = []
    for f in dataclasses.fields(Settings):
        raw = environ.get(env_name(f.name))
        if raw is None:
            continue
        try:
            values[f.name] = _PARSERS[hints[f.name]](raw.strip())
        except ValueError:
            word = _TYPE_WORDS.get(hints[f.name], "a valid value")
            problems.append(f"{env_name(f.name)}: expected {word}, got {raw!r}")
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    unknown = set(overrides) - {f.name for f in dataclasses.fields(Settings)}
    if unknown:
        raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}")
    merged = {**values, **overrides}
    if not merged.get("database_url"):
        var_dir = Path(merged.get("var_dir", Settings.var_dir))
        merged["database_url"] = f"sqlite:///{var_dir / 'modq.db'}"
    return Settings(**merged).validated()


def documented_variables() -> list[tuple[str, str, str]]:
    """(variable, default, description) for every setting, for the README and `modq config`."""
    return [
        (env_name(f.name), _show_default(f.default), f.metadata["doc"])
        for f in dataclasses.fields(Settings)
    ]


def _show_default(value: Any) -> str:
    return "(unset)" if value in (None, "") else str(value)


def dev_secret_key(var_dir: Path) -> str:
    """A secret kept in var/ for local development, generated on first use (never in the repo)."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def to_environment(settings: Settings) -> dict[str, str]:
    """The MODQ_ variables that make another process load exactly these settings."""
    found = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        found[env_name(f.name)] = str(value)
    return found
