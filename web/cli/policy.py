"""`modq policy`: show, validate, try and activate policy documents; calibration and drift."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from moderation.cache import RELOAD_SECONDS
from moderation.decisions import active_policy
from moderation.learning import trial
from moderation.policy.document import PolicyError
from moderation.policy.reader import builtin_text, load
from web.runtime import runtime

policy_cli = AppGroup("policy", help="The moderation policy.")
DOCUMENT = click.Path(exists=True, dir_okay=False, path_type=Path)


@policy_cli.command("show")
@click.option("--builtin", is_flag=True, help="Show the built-in document instead.")
def show(builtin: bool) -> None:
    """Print the active policy document and its version."""
    if builtin:
        click.echo(builtin_text())
        return
    with runtime().session_factory() as session:
        version = active_policy.active_version(session)
    if version is None:
        click.echo("# no policy activated: the built-in policy (modq policy show --builtin)")
        return
    click.echo(
        f"# {version.label}, activated {version.activated_at:%Y-%m-%d %H:%M} UTC by "
        f"{version.created_by}: {version.note}\n{version.document}"
    )


@policy_cli.command("validate")
@click.argument("path", type=DOCUMENT)
def validate(path: Path) -> None:
    """Check a policy document without activating it."""
    try:
        load(path.read_text())
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}: valid")


@policy_cli.command("trial")
@click.argument("path", type=DOCUMENT)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Only decisions made on or after this day (UTC).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def try_policy(path: Path, since: datetime | None, as_json: bool) -> None:
    """Replay a policy over stored signals and show which decisions it would change."""
    try:
        policy = load(path.read_text(), f"trial {path.name}")
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    start = since.replace(tzinfo=UTC) if since else None
    with runtime().session_factory() as session:
        total = trial.count(session, start)
        with click.progressbar(length=total, label="replaying", file=sys.stderr) as bar:
            report = trial.run(session, policy, start, bar.update)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    click.echo(f"{report.compared} decisions replayed, {report.changed} would change")
    for (before, after), n in report.transitions.most_common():
        click.echo(f"  {before} -> {after}: {n}")
        for example in report.examples[(before, after)]:
            click.echo(f"    {example['comment']}: {example['reason']} «{example['text']}»")


@policy_cli.command("activate")
@click.argument("path", type=DOCUMENT)
@click.option("--note", default="", help="Why (kept with the version and in the audit log).")
def activate(path: Path, note: str) -> None:
    """Make a policy document the one decisions are made with (audited)."""
    with runtime().session_factory() as session:
        try:
            version = active_policy.activate(session, path.read_text(), "cli", note)
        except PolicyError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"activated {version.label}; workers use it within {RELOAD_SECONDS} s")


@click.command("calibration")
@with_appcontext
@click.option("--days", default=30, show_default=True, help="Comments decided in this many days.")
@click.option(
    "--target-error",
    default=0.05,
    show_default=True,
    help="Largest share of moderator disagreement a suggested line may cause.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def calibration(days: int, target_error: float, as_json: bool) -> None:
    """How each Detoxify label's bands fare against moderators and spot-checks."""
    from moderation.learning import calibration as calibrate

    with runtime().session_factory() as session:
        policy = runtime().policy(session)
        report = calibrate.report(calibrate.cases(session, days), policy, target_error)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{report['comments']} comments decided in {days} days ({policy.version})")
    for label, figures in report["labels"].items():
        bands, suggested = figures["bands"], figures["suggested"]
        click.echo(
            f"{label}: publish < {figures['publish_below']}, reject >= {figures['reject_above']}"
        )
        for name, band in bands.items():
            click.echo(
                f"  {name:8} {band['comments']:6} comments, moderators published "
                f"{band['moderators_published']}, rejected {band['moderators_rejected']}"
            )
        for action, precision in figures["automatic_precision"].items():
            click.echo(
                f"  automatic {action}: precision {precision['precision']} on "
                f"{precision['spot_checked']} spot-checks"
            )
        click.echo(
            f"  suggested: reject >= {suggested['reject_above']} "
            f"(+{suggested['more_rejected']}), publish < {suggested['publish_below']} "
            f"(+{suggested['more_published']})"
        )
    topic = report["on_topic"]
    click.echo(
        f"off-topic flags decided by moderators: {topic['flagged_decided']}, published "
        f"{topic['moderators_published']}, rejected {topic['moderators_rejected']}"
    )
    if topic["too_strict"]:
        click.echo(
            f"  the on-topic line is too strict: try on_topic.max_flag_share: "
            f"{topic['suggested_share']} (now {topic['max_flag_share']})"
        )


@click.command("drift")
@with_appcontext
def drift() -> None:
    """Compare the last day's scores with the month before, now (beat does it hourly)."""
    from moderation.learning import drift as shifts

    with runtime().session_factory() as session:
        alerts = shifts.check(session)
    for alert in alerts:
        click.echo(
            f"{alert.label}: PSI {alert.psi} ({alert.recent} scores today, "
            f"{alert.baseline} in the month before)"
        )
    if not alerts:
        click.echo("no drift")
