"""Every setting of the service, with its default, its documentation and its checks."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from moderation.signals.detoxify.model import BATCH_SIZE

PREFIX = "MODQ_"
DETOXIFY_VARIANTS = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")


def _meta(doc: str, **checks: Any) -> dict[str, Any]:
    """A field's documentation and checks; `secret=True` hides its value wherever it is shown."""
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
            "generates one into var/secret_key when unset.",
            secret=True,
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
        default=BATCH_SIZE,
        metadata=_meta("Text windows per Detoxify forward pass.", low=1, high=256),
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
    scorer_retry_seconds: int = field(
        default=300,
        metadata=_meta(
            "Longest wait between a worker's attempts to load a model that failed to load "
            "(the waits start at 2 s and double; changed model files are tried at once).",
            low=0,
        ),
    )
    secure_cookies: bool = field(
        default=False,
        metadata=_meta("Send session cookies over HTTPS only (turn on behind TLS)."),
    )
    session_idle_minutes: int = field(
        default=60,
        metadata=_meta(
            "A moderator's session ends after this many minutes without a request.", low=1
        ),
    )
    session_max_hours: int = field(
        default=12,
        metadata=_meta(
            "A moderator's session ends this many hours after login, active or not.", low=1
        ),
    )
    login_account_free_failures: int = field(
        default=5,
        metadata=_meta(
            "Failed logins for one username (in a day) before each further attempt must wait.",
            low=1,
        ),
    )
    login_address_free_failures: int = field(
        default=20,
        metadata=_meta(
            "Failed logins from one network address (in a day) before each further attempt "
            "must wait.",
            low=1,
        ),
    )
    login_first_delay_seconds: int = field(
        default=2,
        metadata=_meta("The first wait; it doubles with every further failure...", low=1),
    )
    login_max_delay_seconds: int = field(
        default=900,
        metadata=_meta("...up to this many seconds.", low=1),
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
            "Time one explain task may spend finding the words behind high Detoxify scores, "
            "after the decision (0: no explanations).",
            low=0,
        ),
    )
    rate_window_seconds: int = field(
        default=60,
        metadata=_meta("Length of the intake rate limits' window, in seconds.", low=1),
    )
    rate_limit_per_key: int = field(
        default=600,
        metadata=_meta(
            "Writes (articles and comments) one API key may make per window; a site with "
            "open intake has the same budget for keyless comments (0: no limit).",
            low=0,
        ),
    )
    rate_limit_per_author: int = field(
        default=10,
        metadata=_meta("Comments one author may post per window (0: no limit).", low=0),
    )
    rate_limit_per_address: int = field(
        default=30,
        metadata=_meta("Comments one reader address may post per window (0: no limit).", low=0),
    )
    fair_share_per_author: int = field(
        default=3,
        metadata=_meta(
            "An author's comments beyond this many per window are scored after every "
            "other author's (0: never).",
            low=0,
        ),
    )
    broker_retry_seconds: int = field(
        default=5,
        metadata=_meta(
            "After a publish to the broker fails, intake skips publishing for this long "
            "before trying again (the requeue sweep queues what it skipped).",
            low=1,
        ),
    )
    webhook_private_addresses: bool = field(
        default=False,
        metadata=_meta(
            "Let webhook endpoints be internal addresses (loopback, private, link-local); off, "
            "a site's URL cannot make modq call into its own network."
        ),
    )
    webhook_pause_after_failures: int = field(
        default=20,
        metadata=_meta(
            "A webhook endpoint is paused after this many failed attempts in a row.", low=1
        ),
    )
    webhook_pause_after_hours: float = field(
        default=24.0,
        metadata=_meta("...or after every attempt failed for this many hours.", low=0.01),
    )
    log_format: str = field(
        default="text",
        metadata=_meta(
            "`text` (one readable line per event, for development) or `json` (one JSON "
            "object per line with the comment, batch and task ids, for log search).",
            choices=("text", "json"),
        ),
    )
    demo_api_key: str = field(
        default="",
        metadata=_meta(
            "The API key `modq demo load` posts with; unset reads MODQ_VAR_DIR/dev-api-key, "
            "which `modq up` writes.",
            secret=True,
        ),
    )
    admin_username: str = field(
        default="", metadata=_meta("First moderator created by `make run` / `modq up`.")
    )
    admin_password: str = field(
        default="",
        metadata=_meta(
            "Password of that first moderator (else a one-time one is printed).", secret=True
        ),
    )
    log_level: str = field(
        default="INFO",
        metadata=_meta("Log level.", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
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
