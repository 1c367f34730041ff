"""`modq eval FILE.jsonl`: measure the scorers and the policy on a site's own labelled data."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

from moderation.evaluation import ExampleError, read_examples, report, score_examples
from web.runtime import runtime


@click.command("eval")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
def evaluate(path: Path, as_json: bool) -> None:
    """Run the configured scorers and the policy over labelled examples (writes nothing)."""
    try:
        examples = read_examples(path)
    except ExampleError as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    scorers = _scorers(examples)
    with click.progressbar(length=len(examples), label="scoring", file=sys.stderr) as bar:
        signals = score_examples(examples, scorers, bar.update)
    from moderation.registry import thresholds_from

    figures = report(examples, signals, thresholds_from(runtime().settings))
    figures["scorers"] = {s.name: s.health().state for s in scorers}
    click.echo(json.dumps(figures, indent=2) if as_json else _text(figures))


def _scorers(examples: list[Any]) -> list[Any]:
    """The scorers that need no per-site history: abuse, relevance, lexical, words, links."""
    from moderation.registry import offline_scorers

    scorers = offline_scorers(runtime().settings, runtime().session_factory)
    relevance = next(s for s in scorers if s.name == "relevance")
    relevance.prepare(
        [(e.article_title, e.article_body) for e in examples],
        [e.parent or e.text for e in examples],
    )
    return scorers


def _text(figures: dict[str, Any]) -> str:
    lines = [
        f"examples: {figures['examples']}",
        f"decided automatically: {figures['decided_automatically']}",
        f"actions: {figures['actions']}",
    ]
    for label, by_signal in figures["auc"].items():
        lines += [f"ROC AUC {signal} vs {label}: {auc}" for signal, auc in by_signal.items()]
    for action, agreement in figures["agreement"].items():
        lines.append(f"automatic {action}: {agreement}")
    lines.append(f"off-topic: {figures['off_topic']}")
    lines.append(f"scorers: {figures['scorers']}")
    return "\n".join(lines)
