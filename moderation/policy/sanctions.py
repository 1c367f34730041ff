"""What a moderator's sanction on the author does to a comment: a ban or a suspension in
force rejects it, with the reason. Pure; pre-moderation is in checks.premoderation_reasons."""

from __future__ import annotations

from moderation.kinds import Action
from moderation.policy.verdicts import Context, Reason

BANNED, SUSPENDED = "banned", "suspended"


def sanction_reasons(context: Context) -> list[Reason]:
    """Reject every comment of a banned or suspended author."""
    author, found = context.author, []
    if author.banned_for is not None:
        found.append(Reason(BANNED, f"The author is banned: {author.banned_for}", Action.REJECT))
    if author.suspended_until is not None:
        until = f"{author.suspended_until:%Y-%m-%d %H:%M} UTC"
        found.append(Reason(SUSPENDED, f"The author is suspended until {until}.", Action.REJECT))
    return found
