from pathlib import Path

import pytest

from moderation.config import ConfigError, Settings, documented_variables, load_settings


def test_defaults_are_the_embedded_ones() -> None:
    settings = load_settings({})
    assert settings.database_url == "sqlite:///var/modq.db"
    assert (
        load_settings({"MODQ_VAR_DIR": "/srv/modq"}).database_url == "sqlite:////srv/modq/modq.db"
    )
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.detoxify_model == "unbiased"
    assert settings.max_comment_chars == 5000


def test_values_are_read_from_prefixed_variables_and_typed() -> None:
    settings = load_settings(
        {
            "MODQ_MAX_COMMENT_CHARS": "800",
            "MODQ_EXPLAIN_BUDGET_MS": "500",
            "MODQ_DETOXIFY_CHECKPOINT": "/models/toxic.ckpt",
            "MODQ_SECURE_COOKIES": "yes",
            "MAX_COMMENT_CHARS": "1",  # no prefix: not ours
        }
    )
    assert settings.max_comment_chars == 800
    assert settings.explain_budget_ms == 500
    assert settings.detoxify_checkpoint == Path("/models/toxic.ckpt")
    assert settings.secure_cookies is True


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"MODQ_MAX_COMMENT_CHARS": "lots"},
            "MODQ_MAX_COMMENT_CHARS: expected a whole number, got 'lots'",
        ),
        ({"MODQ_BATCH_WAIT_MS": "soon"}, "MODQ_BATCH_WAIT_MS: expected a whole number"),
        ({"MODQ_DETOXIFY_BATCH_SIZE": "1000"}, "MODQ_DETOXIFY_BATCH_SIZE: must be at most 256"),
        ({"MODQ_MAX_COMMENT_CHARS": "0"}, "MODQ_MAX_COMMENT_CHARS: must be at least 1"),
        (
            {"MODQ_DETOXIFY_MODEL": "huge"},
            "MODQ_DETOXIFY_MODEL: expected one of original, unbiased",
        ),
        ({"MODQ_DETOXIFY_DEVICE": "gpu"}, "MODQ_DETOXIFY_DEVICE: expected cpu, cuda or cuda:N"),
        ({"MODQ_SECURE_COOKIES": "maybe"}, "MODQ_SECURE_COOKIES: expected true or false"),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(environ)
    assert message in str(raised.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({"MODQ_MAX_COMMENT_CHARS": "x", "MODQ_REQUEUE_AFTER_SECONDS": "y"})
    assert "MODQ_MAX_COMMENT_CHARS" in str(raised.value)
    assert "MODQ_REQUEUE_AFTER_SECONDS" in str(raised.value)


def test_unknown_override_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unknown settings: colour"):
        load_settings({}, colour="blue")


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    variables = documented_variables()
    assert len(variables) == len(Settings.__dataclass_fields__)
    missing = [name for name, _, _ in variables if f"`{name}`" not in readme]
    assert missing == []


def test_settings_survive_the_trip_through_the_environment(tmp_path: Path) -> None:
    from moderation.config import to_environment

    settings = load_settings(
        {},
        policy_file=tmp_path / "policy.yaml",
        secure_cookies=True,
        detoxify_checkpoint=tmp_path / "m.ckpt",
        var_dir=tmp_path,
    )
    assert load_settings(to_environment(settings)) == settings
