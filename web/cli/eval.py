"""`modq eval FILE.jsonl`: measure the scorers and the policy on a site's own labelled data."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

from moderation.decisions.active_policy import fallback_text
from moderation.learning import evaluation
from moderation.policy.document import Policy, PolicyError
from moderation.policy.reader import load
from moderation.signals.base import Scorer
from web.runtime import runtime


@click.command("eval")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Evaluate this policy document instead of the active policy.",
)
@click.option(
    "--history",
    "history_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The site's past comments (same format, labels ignored): learn the on-topic lines "
    "from them first, as the service does from its published comments.",
)
def evaluate(
    path: Path, as_json: bool, policy_file: Path | None, history_file: Path | None
) -> None:
    """Run the configured scorers and the policy over labelled examples (writes nothing)."""
    try:
        examples = evaluation.read_examples(path)
        history = evaluation.read_examples(history_file) if history_file else []
        policy = _policy(policy_file)
    except (evaluation.ExampleError, PolicyError) as exc:
        raise click.ClickException(str(exc)) from None
    # Libraries print notices (torch's "Downloading: ...") to stdout; with --json stdout
    # must hold exactly one JSON document, so everything else goes to stderr meanwhile.
    with stdout_to_stderr() if as_json else contextlib.nullcontext():
        scorers = _scorers()
        total = len(history) + len(examples)
        with click.progressbar(length=total, label="scoring", file=sys.stderr) as bar:
            figures = evaluation.evaluate(examples, history, scorers, policy, bar.update)
    figures["scorers"] = {s.name: s.health().state for s in scorers}
    click.echo(json.dumps(figures, indent=2) if as_json else _text(figures))


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send what is written to stdout, by Python code or by native libraries, to stderr."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test runner's buffer)
        fd = -1
    saved = os.dup(fd) if fd >= 0 else -1
    if saved >= 0:
        os.dup2(sys.stderr.fileno(), fd)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved >= 0:
            os.dup2(saved, fd)
            os.close(saved)


def _policy(path: Path | None) -> Policy:
    """The policy to evaluate: a file, or the active one."""
    if path is not None:
        return load(path.read_text(), f"file {path.name}")
    with runtime().session_factory() as session:
        try:
            return runtime().policy(session)
        except OperationalError:  # no schema yet: nothing was activated
            return load(fallback_text(runtime().settings.policy_file))


def _scorers() -> list[Scorer]:
    """The scorers that need no per-site history: abuse, relevance, lexical, words, links."""
    from moderation.wiring import offline_scorers

    return offline_scorers(runtime().settings, runtime().session_factory).every


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
    for section, line in figures["lines"].items():
        lines.append(
            f"on-topic line learned for {section}: {line['line']:.4f} ({line['comments']})"
        )
    lines.append(f"off-topic: {figures['off_topic']}")
    lines.append(f"scorers: {figures['scorers']}")
    lines.append(f"policy: {figures['policy']}")
    return "\n".join(lines)
