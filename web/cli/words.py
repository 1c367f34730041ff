"""`modq words`: the watched-word list (banned, suspect and flagged words) and a text tester."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from moderation.errors import NotFound
from moderation.signals.words import lists
from moderation.signals.words.matcher import ACTIONS, PatternError, WatchedWord, WordMatcher
from web.runtime import runtime

words_cli = AppGroup("words", help="The watched-word list.")


@words_cli.command("add")
@click.argument("pattern")
@click.option(
    "--action",
    type=click.Choice(ACTIONS),
    required=True,
    help="reject the comment, send it to review, or only flag the word.",
)
@click.option("--note", default="", help="Why it is on the list (kept in the audit log).")
def add(pattern: str, action: str, note: str) -> None:
    """Add a word or phrase: `idiot`, `moron*` (prefix), `*hole` (suffix), `*shit*` (inside)."""
    with runtime().session_factory() as session:
        try:
            lists.add_word(session, pattern, action, "cli", note)
        except PatternError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"added {pattern!r} ({action})")


@words_cli.command("remove")
@click.argument("pattern")
def remove(pattern: str) -> None:
    """Remove a word or phrase."""
    with runtime().session_factory() as session:
        try:
            lists.remove_word(session, pattern, "cli")
        except NotFound as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"removed {pattern!r}")


@words_cli.command("list")
def list_() -> None:
    """Show the list."""
    with runtime().session_factory() as session:
        entries = lists.list_words(session)
    for entry in entries:
        click.echo(
            f"{entry.action:7} {entry.pattern}" + (f"  # {entry.note}" if entry.note else "")
        )
    if not entries:
        click.echo("the list is empty")


@words_cli.command("test")
@click.argument("text")
@click.option(
    "--pattern",
    "patterns",
    multiple=True,
    help="Test these patterns (as action 'review') instead of the stored list.",
)
def test(text: str, patterns: tuple[str, ...]) -> None:
    """Show which watched words a text matches, and where."""
    if patterns:
        try:
            matcher = WordMatcher(WatchedWord(p, "review") for p in patterns)
        except PatternError as exc:
            raise click.ClickException(str(exc)) from None
    else:
        with runtime().session_factory() as session:
            matcher = lists.current_matcher(session)
    matches = matcher.find(text)
    for match in matches:
        click.echo(
            f"{match.action:7} {match.pattern!r} matched {match.text!r} "
            f"at {match.start}-{match.end}"
        )
    if not matches:
        click.echo("no match")
