"""`modq eval`: reading examples, the figures, and the command."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from moderation.config import to_environment
from moderation.kinds import Action, SignalState
from moderation.learning.evaluation import Example, ExampleError, read_examples, report, roc_auc
from moderation.policy.reader import load
from moderation.signals.base import SignalResult
from tests.conftest import migrated_settings
from tests.support import factories

POLICY = load()


def test_roc_auc_counts_ties_as_half() -> None:
    assert roc_auc([1, 0], [0.9, 0.1]) == 1.0
    assert roc_auc([1, 0], [0.1, 0.9]) == 0.0
    assert roc_auc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]) == 0.5
    assert roc_auc([1, 1], [0.3, 0.4]) is None


def test_bad_lines_are_named(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"text": "fine"}\n\n{"text": ""}\n')
    with pytest.raises(ExampleError, match="line 3: 'text' must be a non-empty string"):
        read_examples(path)
    path.write_text('{"text": "fine"}\nnot json\n')
    with pytest.raises(ExampleError, match="line 2"):
        read_examples(path)


def signals(toxicity: float, on_topic: float) -> dict[str, SignalResult]:
    return {
        "detoxify": SignalResult("detoxify", "v", SignalState.OK, {"toxicity": toxicity}),
        "relevance": SignalResult(
            "relevance", "v", SignalState.OK, {"on_topic": on_topic}, {"confidence": 1.0}
        ),
    }


def test_the_report_compares_signals_with_labels() -> None:
    examples = [
        Example("a", labels={"abusive": 1, "on_topic": 1, "decision": "reject"}),
        Example("b", labels={"abusive": 0, "on_topic": 1, "decision": "publish"}),
        Example("c", labels={"abusive": 0, "on_topic": 0}),
        Example("d", labels={"abusive": 1, "on_topic": 1, "decision": "reject"}),
    ]
    figures = report(
        examples,
        [signals(0.95, 0.9), signals(0.01, 0.8), signals(0.02, -0.5), signals(0.5, 0.9)],
        POLICY,
    )
    assert figures["auc"] == {"abusive": {"detoxify": 1.0}, "on_topic": {"relevance": 1.0}}
    assert figures["actions"] == {Action.PUBLISH: 1, Action.REJECT: 1, Action.REVIEW: 2}
    assert figures["decided_automatically"] == 0.5
    assert figures["agreement"]["reject"] == {
        "count": 1,
        "matches_decision_label": 1.0,
        "matches_abusive_label": 1.0,
    }
    assert figures["off_topic"] == {
        "on_topic_flagged": 0.0,
        "on_topic_flagged_top_level": 0.0,
        "off_topic_caught": 1.0,
        "on_topic_examples": 3,
        "on_topic_top_level_examples": 3,
        "off_topic_examples": 1,
    }


def test_the_command_prints_json_and_writes_nothing(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "examples.jsonl"
    rows = [
        {
            "text": "Energy cooperation with Athens makes sense for both ministers.",
            "article": {
                "title": "Ministers talk energy in Athens",
                "body": factories.ARTICLE.body,
            },
            "labels": {"on_topic": 1},
        },
        {
            "text": "Does anyone have a good recipe for banana bread with walnuts?",
            "article": {
                "title": "Ministers talk energy in Athens",
                "body": factories.ARTICLE.body,
            },
            "labels": {"on_topic": 0},
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = app.test_cli_runner().invoke(args=["eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output[result.output.index("{") :])
    assert figures["examples"] == 2
    assert figures["auc"]["on_topic"]["relevance"] == 1.0
    assert figures["off_topic"]["off_topic_caught"] == 1.0
    assert figures["scorers"]["relevance"] == "ok"
    assert figures["scorers"]["detoxify"] == "unavailable"


def test_json_output_is_exactly_one_json_document(tmp_path: Path) -> None:
    # Issue 10, finding 8: torch printed its download notice on stdout, before the JSON. A real
    # process, so that notices written by libraries (to sys.stdout or to file descriptor 1)
    # land where a shell pipe would see them.
    settings = migrated_settings(tmp_path)
    path = tmp_path / "examples.jsonl"
    path.write_text(json.dumps({"text": "Energy talks.", "labels": {"abusive": 0}}) + "\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MODQ_")}
    result = subprocess.run(
        [sys.executable, "-c", "from web.cli import main; main()", "eval", str(path), "--json"],
        capture_output=True,
        text=True,
        env=environment | to_environment(settings),
        cwd=Path(__file__).parents[2],
        timeout=240,
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["examples"] == 1


def test_examples_carry_a_section_and_a_discussion(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    row = {"text": "fine", "section": "Sport", "discussion": ["first", " ", "second"]}
    path.write_text(json.dumps(row) + "\n")
    [example] = read_examples(path)
    assert (example.section, example.discussion) == ("Sport", ("first", "second"))
    assert example.as_input(0).discussion == ("first", "second")
    path.write_text(json.dumps({"text": "fine", "discussion": "not a list"}) + "\n")
    with pytest.raises(ExampleError, match="line 1: 'discussion' must be a list of texts"):
        read_examples(path)
    path.write_text(json.dumps({"text": "fine", "section": 3}) + "\n")
    with pytest.raises(ExampleError, match="'section' must be a string or null"):
        read_examples(path)


ON_TOPIC = [
    "Energy cooperation and gas exploration deserve a real agreement this time.",
    "The tariffs on olive oil and steel hurt exporters, the talks must fix them.",
    "Shipping companies need the port investment the minister is promising.",
    "New ferry routes between the islands would help tourism a great deal.",
    "Publishing the whole agreement in parliament is the least they can do.",
    "Drilling licences near protected coasts are a bad idea for tourism.",
]
ELSEWHERE = [
    "My football club lost again on Saturday, the manager has to go.",
    "Does anyone have a good recipe for banana bread with walnuts?",
    "The new phone's battery lasts two days but the camera is worse.",
    "The museum's medieval maps exhibition was worth the long queue.",
    "Train fares went up again and the trains are still late every day.",
    "The cinema near me closed, streaming has killed the big screen.",
]


def test_the_line_learned_from_history_moves_with_the_history(app: Flask, tmp_path: Path) -> None:
    article = {"title": factories.ARTICLE.title, "body": factories.ARTICLE.body}
    policy = tmp_path / "site.yaml"
    policy.write_text("on_topic: {learn_after: 6, max_flag_share: 0.2}\n")
    examples = tmp_path / "examples.jsonl"
    examples.write_text(
        json.dumps({"text": ELSEWHERE[0], "article": article, "labels": {"on_topic": 0}}) + "\n"
    )
    lines = {}
    for name, texts in (("focused", ON_TOPIC), ("wandering", ON_TOPIC[:3] + ELSEWHERE[1:4])):
        history = tmp_path / f"{name}.jsonl"
        history.write_text(
            "".join(json.dumps({"text": t, "article": article}) + "\n" for t in texts)
        )
        args = ["eval", str(examples), "--json", "--policy", str(policy), "--history", str(history)]
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        figures = json.loads(result.output[result.output.index("{") :])
        lines[name] = figures["lines"]["site"]["line"]
        assert figures["lines"]["site"]["comments"] == 6
    assert lines["wandering"] < lines["focused"] - 0.3
