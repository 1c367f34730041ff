"""Reading settings from `MODQ_*` environment variables: typed, validated, every problem
named by its variable."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from moderation.config import hours
from moderation.config.settings import PREFIX, Settings


class ConfigError(ValueError):
    """One or more settings are invalid; the message names each variable and what is wrong."""


def validated(settings: Settings) -> Settings:
    """`settings`, or ConfigError naming every bad value."""
    fields = dataclasses.fields(settings)
    problems = [p for f in fields if (p := _check(f, getattr(settings, f.name)))]
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    return settings


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
    if meta.get("pattern") == "duty_hours":
        try:
            hours.parse(value)
        except hours.HoursError as exc:
            return f"{var}: {exc}"
    if meta.get("pattern") == "timezone" and not _is_zone(value):
        return f"{var}: expected a time zone like Europe/Athens, got {value!r}"
    return None


def _is_zone(value: str) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


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
    return validated(Settings(**merged))


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
