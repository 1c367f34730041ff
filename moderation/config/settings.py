"""Every setting of the service, with its default, its documentation and its checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from moderation.config.connections import Connections, meta
from moderation.signals.detoxify.model import BATCH_SIZE

PREFIX = "MODQ_"
DETOXIFY_VARIANTS = ("original", "unbiased", "multilingual", "original-small", "unbiased-small")


@dataclass(frozen=True)
class Settings(Connections):
    """Every setting of the service; field `x` is read from `MODQ_X`."""

    policy_file: Path | None = field(
        default=None,
        metadata=meta(
            "A policy document (YAML) used until one is activated with "
            "`modq policy activate`; unset uses the built-in policy."
        ),
    )
    detoxify_model: str = field(
        default="unbiased", metadata=meta("Detoxify variant.", choices=DETOXIFY_VARIANTS)
    )
    detoxify_checkpoint: Path | None = field(
        default=None,
        metadata=meta(
            "Local Detoxify .ckpt file (offline use); unset downloads the variant's weights."
        ),
    )
    detoxify_hf_config: Path | None = field(
        default=None,
        metadata=meta(
            "Local folder with the model's Hugging Face config.json and tokenizer files."
        ),
    )
    detoxify_device: str = field(
        default="cpu",
        metadata=meta("Torch device for Detoxify: `cpu`, `cuda` or `cuda:N`.", pattern="device"),
    )
    detoxify_quantize: bool = field(
        default=False,
        metadata=meta("Quantise Detoxify's linear layers to int8 on the CPU (faster; see README)."),
    )
    detoxify_batch_size: int = field(
        default=BATCH_SIZE,
        metadata=meta("Most windows per Detoxify pass (CPU: 512 tokens in all).", low=1, high=256),
    )
    torch_threads: int = field(
        default=0, metadata=meta("Threads torch may use in a worker; 0 lets torch choose.", low=0)
    )
    scorer_lanes: int = field(
        default=0,
        metadata=meta(
            "Scorers a worker runs side by side; 0: two where torch has one thread and the "
            "worker two CPUs, else one. Set 1 when several scoring workers share a machine.",
            low=0,
            high=8,
        ),
    )
    batch_max_comments: int = field(
        default=128,
        metadata=meta("A worker scores up to this many queued comments at once...", low=1),
    )
    batch_wait_ms: int = field(
        default=50, metadata=meta("...or what has arrived after this many milliseconds.", low=1)
    )
    max_comment_chars: int = field(
        default=5000, metadata=meta("Longest accepted comment body, in characters.", low=1)
    )
    max_request_bytes: int = field(
        default=1_048_576, metadata=meta("Largest accepted request body, in bytes.", low=1024)
    )
    embedding_model: str = field(
        default="",
        metadata=meta(
            "A local sentence-transformers folder for the on-topic check; unset "
            "uses the bundled all-MiniLM-L6-v2 (English)."
        ),
    )
    embedding_bf16: bool = field(  # AVX-512 BF16 or AMX; float32 elsewhere
        default=True, metadata=meta("Embeddings in bfloat16 where the CPU computes it natively.")
    )
    requeue_after_seconds: int = field(
        default=120,
        metadata=meta(
            "A comment still pending this long after it was queued is queued again.", low=5
        ),
    )
    requeue_interval_seconds: int = field(
        default=60, metadata=meta("How often the beat scheduler looks for such comments.", low=1)
    )
    scorer_retry_seconds: int = field(
        default=300,
        metadata=meta(
            "Longest wait between a worker's attempts to load a model that failed to load "
            "(the waits start at 2 s and double; changed model files are tried at once).",
            low=0,
        ),
    )
    secure_cookies: bool = field(
        default=False, metadata=meta("Send session cookies over HTTPS only (turn on behind TLS).")
    )
    session_idle_minutes: int = field(
        default=60, metadata=meta("A session ends after this many idle minutes.", low=1)
    )
    session_max_hours: int = field(
        default=12,
        metadata=meta("A session ends this many hours after login, active or not.", low=1),
    )
    login_account_free_failures: int = field(
        default=5,
        metadata=meta(
            "Failed logins for one username (in a day) before each further attempt must wait.",
            low=1,
        ),
    )
    login_address_free_failures: int = field(
        default=20,
        metadata=meta(
            "Failed logins from one network address (in a day) before each further attempt "
            "must wait.",
            low=1,
        ),
    )
    login_first_delay_seconds: int = field(
        default=2, metadata=meta("The first wait; it doubles with every further failure...", low=1)
    )
    login_max_delay_seconds: int = field(
        default=900, metadata=meta("...up to this many seconds.", low=1)
    )
    reader_address: str = field(
        default="field",
        metadata=meta(
            "Where a comment's reader address comes from: `field` (the client_ip the site "
            "sends, for sites that relay comments from their server) or `connection` (for "
            "readers' browsers posting directly; see MODQ_TRUSTED_PROXIES).",
            choices=("field", "connection"),
        ),
    )
    trusted_proxies: int = field(
        default=0,
        metadata=meta(
            "How many reverse proxies in front of the web app set X-Forwarded-For "
            "(0: use the connection's address).",
            low=0,
            high=5,
        ),
    )
    explain_budget_ms: int = field(
        default=2000,
        metadata=meta(
            "Time one explain task may spend finding the words behind high Detoxify scores, "
            "after the decision (0: no explanations).",
            low=0,
        ),
    )
    rate_window_seconds: int = field(
        default=60, metadata=meta("Length of the intake rate limits' window, in seconds.", low=1)
    )
    rate_limit_per_key: int = field(
        default=600,
        metadata=meta(
            "Writes (articles and comments) one API key may make per window; a site with "
            "open intake has the same budget for keyless comments (0: no limit).",
            low=0,
        ),
    )
    rate_limit_per_author: int = field(
        default=10, metadata=meta("Comments one author may post per window (0: no limit).", low=0)
    )
    rate_limit_per_address: int = field(
        default=30,
        metadata=meta("Comments one reader address may post per window (0: no limit).", low=0),
    )
    rate_limit_reports: int = field(
        default=5, metadata=meta("Reports one reader may make per window (0: no limit).", low=0)
    )
    fair_share_per_author: int = field(
        default=3,
        metadata=meta(
            "An author's comments beyond this many per window are scored after every "
            "other author's (0: never).",
            low=0,
        ),
    )
    broker_retry_seconds: int = field(
        default=5,
        metadata=meta(
            "After a publish to the broker fails, intake skips publishing for this long "
            "before trying again (the requeue sweep queues what it skipped).",
            low=1,
        ),
    )
    webhook_private_addresses: bool = field(
        default=False,
        metadata=meta(
            "Let webhook endpoints be internal addresses (loopback, private, link-local); off, "
            "a site's URL cannot make modq call into its own network."
        ),
    )
    webhook_pause_after_failures: int = field(
        default=20,
        metadata=meta(
            "A webhook endpoint is paused after this many failed attempts in a row.", low=1
        ),
    )
    webhook_pause_after_hours: float = field(
        default=24.0,
        metadata=meta("...or after every attempt failed for this many hours.", low=0.01),
    )
    log_format: str = field(
        default="text",
        metadata=meta(
            "`text` (one readable line per event, for development) or `json` (one JSON "
            "object per line with the comment, batch and task ids, for log search).",
            choices=("text", "json"),
        ),
    )
    claim_minutes: int = field(
        default=5,
        metadata=meta(
            "How long a moderator holds the card they opened without touching it (the page "
            "renews it every minute while open; a decision or a skip releases it).",
            low=1,
            high=120,
        ),
    )
    undo_seconds: int = field(
        default=60,
        metadata=meta(
            "How long a moderator can undo their decision; after it, it can be overridden.",
            low=0,
            high=3600,
        ),
    )
    review_rise_after_minutes: int = field(
        default=120,
        metadata=meta(
            "A comment waiting this long goes before every other in the review queue, "
            "whatever its priority.",
            low=1,
        ),
    )
    duty_hours: str = field(
        default="",
        metadata=meta(
            "When moderators are on duty, e.g. `mon-fri 08:00-20:00, sat-sun 10:00-16:00` "
            "(in MODQ_DUTY_TIMEZONE); outside them the stricter mode applies. Unset: always.",
            pattern="duty_hours",
        ),
    )
    duty_timezone: str = field(
        default="UTC",
        metadata=meta("The time zone of MODQ_DUTY_HOURS (an IANA name).", pattern="timezone"),
    )
    review_time_limit_minutes: int = field(
        default=240,
        metadata=meta(
            "When the oldest comment waiting for review has waited this long, the stricter "
            "mode applies until the queue catches up.",
            low=1,
        ),
    )
    strict_mode: str = field(
        default="hold",
        metadata=meta(
            "What the stricter mode does: `hold` (comments needing review are held, and the "
            "reader is told why; no automatic publication of borderline comments) or `close` "
            "(also no new comments on articles published while it lasts).",
            choices=("hold", "close"),
        ),
    )
    demo_api_key: str = field(
        default="",
        metadata=meta(
            "The API key `modq demo load` posts with; unset reads MODQ_VAR_DIR/dev-api-key, "
            "which `modq up` writes.",
            secret=True,
        ),
    )
    admin_username: str = field(
        default="", metadata=meta("First moderator created by `make run` / `modq up`.")
    )
    admin_password: str = field(
        default="",
        metadata=meta(
            "Password of that first moderator (else a one-time one is printed).", secret=True
        ),
    )
    log_level: str = field(
        default="INFO", metadata=meta("Log level.", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    )
