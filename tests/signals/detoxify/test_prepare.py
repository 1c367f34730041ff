"""`modq detoxify prepare` and `check`, run against the test-built checkpoint (no internet)."""

from pathlib import Path

from flask import Flask

from moderation.signals.detoxify.prepare import prepare, release_url
from tests.conftest import make_settings
from tests.support.detoxify_checkpoint import UNBIASED_LABELS, TinyDetoxify
from web import create_app


def test_release_urls_are_detoxifys() -> None:
    assert release_url("unbiased").endswith("/toxic_debiased-c7548aa0.ckpt")
    assert release_url("original-small").startswith("https://github.com/unitaryai/detoxify/")


def test_prepare_fetches_the_files_and_proves_they_load_offline(
    tiny_detoxify: TinyDetoxify, tmp_path: Path
) -> None:
    prepared = prepare(
        "unbiased",
        tmp_path / "models",
        checkpoint_url=tiny_detoxify.hub_layout.as_uri(),
        hf_source=str(tiny_detoxify.hf_config),
    )
    assert prepared.checkpoint == tmp_path / "models" / "hub_layout.ckpt"
    assert (prepared.hf_config / "config.json").is_file()
    assert (prepared.hf_config / "tokenizer.json").is_file()
    assert prepared.labels == tuple(UNBIASED_LABELS)
    assert f"MODQ_DETOXIFY_HF_CONFIG={prepared.hf_config}" in prepared.environment()


def test_the_cli_prepares_then_checks_the_configured_model(
    app: Flask, tiny_detoxify: TinyDetoxify, tmp_path: Path
) -> None:
    dest = tmp_path / "models"
    result = app.test_cli_runner().invoke(
        args=[
            "detoxify",
            "prepare",
            "--dest",
            str(dest),
            "--checkpoint-url",
            tiny_detoxify.hub_layout.as_uri(),
            "--hf-source",
            str(tiny_detoxify.hf_config),
        ]
    )
    assert result.exit_code == 0, result.output
    assert f"MODQ_DETOXIFY_CHECKPOINT={dest / 'hub_layout.ckpt'}" in result.output
    configured = create_app(
        make_settings(
            tmp_path, detoxify_checkpoint=dest / "hub_layout.ckpt", detoxify_hf_config=dest / "hf"
        )
    )
    check = configured.test_cli_runner().invoke(args=["detoxify", "check"])
    assert check.exit_code == 0, check.output
    assert "toxicity, severe_toxicity" in check.output and "on cpu" in check.output


def test_check_says_what_is_missing(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["detoxify", "check"])
    assert result.exit_code == 1
    assert "MODQ_DETOXIFY_CHECKPOINT" in result.output
