"""Admin screens: the moderation team and their roles, and the sanctions in force (lifted
here). Word lists and the policy are in web/admin_rules.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import BadRequest

from moderation import accounts, audit, team
from moderation.db import utcnow
from moderation.decisions import sanctions
from moderation.decisions.models import Sanction
from moderation.kinds import Role
from web.auth import admin_required
from web.runtime import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


def actor() -> str:
    """The audit name of the admin acting."""
    return audit.moderator_actor(g.moderator.username)


def _role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        raise BadRequest(f"role: one of {', '.join(r.value for r in Role)}") from None


@bp.get("/")
@admin_required
def moderators() -> str:
    """The team: who has which role, who may log in."""
    return render_template("admin/moderators.html", members=team.members(db()), roles=Role)


@bp.post("/moderators")
@admin_required
def create() -> Any:
    """Add a moderator with a one-time password, shown once, to change at first login."""
    username, role = request.form.get("username", ""), _role(request.form.get("role", ""))
    one_time = accounts.new_one_time_password()
    accounts.create_moderator(
        db(), username, one_time, must_change_password=True, actor=actor(), role=role
    )
    flash(f"Created {role.value} {username}; one-time password (shown once): {one_time}", "info")
    return redirect(url_for("admin.moderators"))


@bp.post("/moderators/<int:moderator_id>/role")
@admin_required
def change_role(moderator_id: int) -> Any:
    """Make a moderator an admin, or not."""
    member = team.set_role(db(), moderator_id, _role(request.form.get("role", "")), actor())
    flash(f"{member.username} is now {member.role}.", "info")
    return redirect(url_for("admin.moderators"))


@bp.post("/moderators/<int:moderator_id>/active")
@admin_required
def change_active(moderator_id: int) -> Any:
    """Let a moderator log in, or stop them (which ends their sessions)."""
    active = request.form.get("active") == "1"
    member = team.set_active(db(), moderator_id, active, actor())
    flash(f"{member.username} {'may log in again' if active else 'can no longer log in'}.", "info")
    return redirect(url_for("admin.moderators"))


@bp.get("/sanctions")
@admin_required
def sanctions_page() -> str:
    """Sanctions in force, newest first."""
    return render_template("admin/sanctions.html", sanctions=sanctions.in_force(db(), utcnow()))


@bp.post("/sanctions/<int:sanction_id>/lift")
@admin_required
def lift(sanction_id: int) -> Any:
    """End a sanction."""
    lifted: Sanction = sanctions.lift(db(), sanction_id, actor(), utcnow())
    flash(f"Lifted the {lifted.kind} of {lifted.author_id}.", "info")
    return redirect(url_for("admin.sanctions_page"))
