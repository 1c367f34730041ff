"""Settings: read once from `MODQ_*` environment variables, typed and validated."""

from moderation.config.loading import (
    ConfigError,
    dev_secret_key,
    documented_variables,
    env_name,
    load_settings,
    to_environment,
)
from moderation.config.settings import DETOXIFY_VARIANTS, PREFIX, Settings

__all__ = [
    "DETOXIFY_VARIANTS",
    "PREFIX",
    "ConfigError",
    "Settings",
    "dev_secret_key",
    "documented_variables",
    "env_name",
    "load_settings",
    "to_environment",
]
