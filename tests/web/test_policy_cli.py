"""`modq policy`, `modq author`, `modq calibration` and `modq drift`."""

import json
from pathlib import Path

from flask import Flask

from moderation.audit import history
from moderation.decisions.active_policy import active_policy
from moderation.decisions.authors import standings
from moderation.kinds import Action
from tests.learning.test_learning import decided
from tests.support import factories


def test_validate_show_activate(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text("labels: {insult: {publish_below: 0.2, reject_above: 0.8}}\n")
    bad.write_text("labls: {}\n")
    assert "valid" in runner.invoke(args=["policy", "validate", str(good)]).output
    refused = runner.invoke(args=["policy", "validate", str(bad)])
    assert refused.exit_code != 0 and "did you mean 'labels'" in refused.output
    assert "no policy activated" in runner.invoke(args=["policy", "show"]).output
    activated = runner.invoke(args=["policy", "activate", str(good), "--note", "stricter"])
    assert activated.exit_code == 0 and "activated v1-" in activated.output
    assert "stricter" in runner.invoke(args=["policy", "show"]).output
    assert "labels:" in runner.invoke(args=["policy", "show", "--builtin"]).output
    with app.extensions["modq"].session_factory() as session:
        assert active_policy(session).band("insult").reject_above == 0.8
        assert history(session, "policy", 1)[0].data["note"] == "stricter"
    assert runner.invoke(args=["policy", "activate", str(bad)]).exit_code != 0


def test_a_trial_reports_what_would_change(app: Flask, tmp_path: Path) -> None:
    with app.extensions["modq"].session_factory() as session:
        factories.article(session)
        decided(session, 0.5, Action.REVIEW)
    strict = tmp_path / "strict.yaml"
    strict.write_text("labels: {default: {publish_below: 0.1, reject_above: 0.4}}\n")
    result = app.test_cli_runner().invoke(args=["policy", "trial", str(strict), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output[result.output.index("{") :])
    assert report["transitions"] == {"review->reject": 1}
    text = app.test_cli_runner().invoke(args=["policy", "trial", str(strict)]).output
    assert "1 decisions replayed, 1 would change" in text and "review -> reject: 1" in text


def test_premoderate_an_author(app: Flask) -> None:
    runner = app.test_cli_runner()
    assert "pre-moderated" in runner.invoke(args=["author", "premoderate", "r-1"]).output
    with app.extensions["modq"].session_factory() as session:
        assert standings(session, ["r-1"])["r-1"].premoderated
    runner.invoke(args=["author", "premoderate", "r-1", "--off"])
    with app.extensions["modq"].session_factory() as session:
        assert not standings(session, ["r-1"])["r-1"].premoderated


def test_calibration_and_drift_commands(app: Flask) -> None:
    with app.extensions["modq"].session_factory() as session:
        factories.article(session)
        decided(session, 0.05, Action.PUBLISH)
    runner = app.test_cli_runner()
    report = json.loads(runner.invoke(args=["calibration", "--json"]).output)
    assert report["labels"]["toxicity"]["bands"]["publish"]["comments"] == 1
    assert "toxicity: publish < 0.3" in runner.invoke(args=["calibration"]).output
    assert "no drift" in runner.invoke(args=["drift"]).output
