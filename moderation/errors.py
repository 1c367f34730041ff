"""The domain's errors: one small hierarchy that the web layer maps to HTTP in one place.

`Invalid` is the caller's mistake (422), `NotFound` names something that does not exist (404),
`Conflict` is a request that lost a race or contradicts an earlier one (409). Each carries a
machine-readable `code` for API clients and a sentence for people.
"""

from __future__ import annotations


class DomainError(Exception):
    """Something asked of the domain cannot be done; the message says why."""

    code = "error"


class Invalid(DomainError):
    """The input is malformed or not allowed."""

    code = "invalid_request"


class NotFound(DomainError):
    """The thing named does not exist."""

    code = "not_found"


class Conflict(DomainError):
    """The request contradicts the current state: someone got there first."""

    code = "conflict"
