"""Admin screens for the rules: the watched-word list with a "test this text" box, and the
policy (upload, validate with the error at its path, trial run, activate with a note)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest

from moderation.decisions import active_policy
from moderation.learning import trial
from moderation.policy.document import PolicyError
from moderation.policy.reader import builtin_text, load
from moderation.signals.words import lists
from moderation.signals.words.matcher import ACTIONS, PatternError
from web.admin import actor
from web.auth import admin_required
from web.presenters.queue import day_from
from web.runtime import db

bp = Blueprint("admin_rules", __name__, url_prefix="/admin")
MAX_TEST_CHARS = 5000
MAX_POLICY_CHARS = 100_000


@bp.route("/words", methods=["GET", "POST"])
@admin_required
def words() -> Any:
    """The list, a form to add an entry, and a box to test a text against the list."""
    text = request.form.get("text", "") if request.method == "POST" else ""
    if len(text) > MAX_TEST_CHARS:
        raise BadRequest(f"text: at most {MAX_TEST_CHARS} characters")
    matches = lists.current_matcher(db()).find(text) if text else None
    return render_template(
        "admin/words.html",
        entries=lists.list_words(db()),
        actions=ACTIONS,
        text=text,
        matches=matches,
    )


@bp.post("/words/add")
@admin_required
def add_word() -> Any:
    """Add a word or pattern."""
    pattern, action = request.form.get("pattern", ""), request.form.get("action", "")
    try:
        lists.add_word(db(), pattern, action, actor(), request.form.get("note", ""))
    except PatternError as exc:
        flash(f"Not added: {exc}.", "error")
    else:
        flash(f"Added {pattern.strip()!r} ({action}); workers use it within seconds.", "info")
    return redirect(url_for("admin_rules.words"))


@bp.post("/words/remove")
@admin_required
def remove_word() -> Any:
    """Remove a word or pattern."""
    pattern = request.form.get("pattern", "")
    lists.remove_word(db(), pattern, actor())
    flash(f"Removed {pattern!r}.", "info")
    return redirect(url_for("admin_rules.words"))


def _document() -> str:
    upload = request.files.get("file")
    text = upload.read().decode("utf-8", "replace") if upload and upload.filename else ""
    text = text or request.form.get("document", "")
    if len(text) > MAX_POLICY_CHARS:
        raise BadRequest(f"document: at most {MAX_POLICY_CHARS} characters")
    return text


@bp.route("/policy", methods=["GET", "POST"])
@admin_required
def policy() -> Any:
    """The active document; validate or try another (step = validate | trial)."""
    version = active_policy.active_version(db())
    document = _document() if request.method == "POST" else (version.document if version else "")
    error = report = None
    if request.method == "POST":
        try:
            candidate = load(document, "trial")
        except PolicyError as exc:
            error = str(exc)
        else:
            if request.form.get("step") == "trial":
                report = trial.run(db(), candidate, day_from(request.form, "since"))
            else:
                flash("The document is valid.", "info")
    return render_template(
        "admin/policy.html",
        version=version,
        document=document,
        builtin=builtin_text(),
        error=error,
        report=report,
    )


@bp.post("/policy/activate")
@admin_required
def activate() -> Any:
    """Make a document the policy decisions are made with (audited, with a note)."""
    document = _document()
    try:
        version = active_policy.activate(db(), document, actor(), request.form.get("note", ""))
    except PolicyError as exc:
        flash(f"Not activated: {exc}", "error")
        return render_template(
            "admin/policy.html",
            version=active_policy.active_version(db()),
            document=document,
            builtin=builtin_text(),
            error=str(exc),
            report=None,
        ), 422
    flash(f"Activated {version.label}; workers use it within seconds.", "info")
    return redirect(url_for("admin_rules.policy"))
