"""Intake payloads checked field by field; every problem is reported with the field it concerns."""

from __future__ import annotations

import ipaddress
import unicodedata
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from moderation.errors import Invalid

MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200
MAX_TITLE_CHARS = 500
MAX_URL_CHARS = 2000
MAX_ARTICLE_CHARS = 500_000
MAX_IDEMPOTENCY_KEY_CHARS = 200
# JSON integers longer than this are kept as their digits (see `json_integer`).
MAX_INTEGER_DIGITS = 100
# Characters that draw nothing but are letters or symbols to Unicode: fillers and the blank
# Braille pattern, used to post "empty" text that passes a whitespace check.
_BLANK_LOOKING = frozenset("\u115f\u1160\u180e\u2800\u3164\uffa0")
# Separators, controls, format characters (zero-width spaces and joiners, the BOM, bidi marks)
# and combining marks with nothing to combine with draw nothing either.
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Mn", "Me"})


class ValidationError(Invalid):
    """The request is malformed; `fields` maps each bad field to what is wrong with it."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


@dataclass(frozen=True)
class CommentSubmission:
    """A comment or reply as a reader submitted it."""

    article_id: str
    parent_id: str | None
    author_id: str
    author_name: str
    body: str
    client_ip: str | None = None  # the reader's address, when a site relays the comment


@dataclass(frozen=True)
class ArticleData:
    """An article as the site describes it."""

    title: str
    url: str
    body: str
    section: str | None


@dataclass(frozen=True)
class LongInteger:
    """A JSON integer too long to be a number anyone means; kept as its digits.

    Python refuses to convert integers of more than 4,300 digits, and an identifier is
    limited to 200 characters anyway, so the parser never builds such numbers.
    """

    digits: str


def json_integer(digits: str) -> int | LongInteger:
    """`parse_int` for json.loads: an int, or a LongInteger past MAX_INTEGER_DIGITS."""
    return LongInteger(digits) if len(digits) > MAX_INTEGER_DIGITS else int(digits)


class _Fields:
    """Reads fields of one JSON object, collecting errors into a dict shared with nested objects."""

    def __init__(self, payload: dict[str, Any], errors: dict[str, str], prefix: str = "") -> None:
        self.payload, self.errors, self.prefix = payload, errors, prefix

    def text(self, name: str, limit: int, *, required: bool = True) -> Any:
        return self._checked(name, self.payload.get(name), limit, required)

    def identifier(self, name: str) -> Any:
        """Text, or a whole number (sites often number their users and articles) read as its
        decimal digits; either way at most MAX_ID_CHARS characters."""
        value = self.payload.get(name)
        if isinstance(value, LongInteger):
            value = value.digits
        elif isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return self._checked(name, value, MAX_ID_CHARS, True)

    def _checked(self, name: str, value: Any, limit: int, required: bool) -> Any:
        if value is None:
            if required:
                self.errors[self.prefix + name] = "is required"
            return None
        problem = text_problem(value, limit)
        if problem:
            self.errors[self.prefix + name] = problem
            return None
        return value

    def object(self, name: str) -> _Fields:
        value = self.payload.get(name)
        if not isinstance(value, dict):
            self.errors[self.prefix + name] = (
                "is required" if value is None else f"must be an object, not {_json_type(value)}"
            )
            return _Fields({}, {})  # its own fields' errors would only repeat the one above
        return _Fields(value, self.errors, f"{self.prefix}{name}.")


def _top_level(payload: Any) -> _Fields:
    if not isinstance(payload, dict):
        raise ValidationError({"body": f"must be a JSON object, not {_json_type(payload)}"})
    return _Fields(payload, {})


def text_problem(value: Any, limit: int) -> str | None:
    """Why `value` is not acceptable text of at most `limit` characters, or None."""
    if not isinstance(value, str):
        return f"must be a string, not {_json_type(value)}"
    if not value.strip():
        return "must not be empty or only whitespace"
    if not has_visible_character(value):
        return "must not be empty or only whitespace and invisible characters"
    if len(value) > limit:
        return f"must be at most {limit} characters (got {len(value)})"
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it contains an unpaired surrogate)"
    return None


def has_visible_character(value: str) -> bool:
    """True when some character of `value` draws something (not only zero-width spaces,
    joiners, fillers or lone combining marks)."""
    return any(
        unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANK_LOOKING
        for ch in value
    )


def _json_type(value: Any) -> str:
    names = {
        LongInteger: "a number",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "an array",
        dict: "an object",
    }
    return names.get(type(value), type(value).__name__)


def parse_comment(payload: Any, max_body_chars: int) -> CommentSubmission:
    """Read a comment submission, or raise ValidationError listing every bad field."""
    fields = _top_level(payload)
    article_id = fields.identifier("article_id")
    parent_id = fields.text("parent_id", MAX_ID_CHARS, required=False)
    body = fields.text("body", max_body_chars)
    author = fields.object("author")
    author_id = author.identifier("id")
    author_name = author.text("name", MAX_NAME_CHARS)
    client_ip = fields.text("client_ip", 64, required=False)
    if client_ip is not None and not is_ip_address(client_ip):
        fields.errors["client_ip"] = "must be an IPv4 or IPv6 address"
    if fields.errors:
        raise ValidationError(fields.errors)
    return CommentSubmission(article_id, parent_id, author_id, author_name, body, client_ip)


def is_ip_address(value: str) -> bool:
    """True for a valid IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(value.strip())
    except ValueError:
        return False
    return True


def parse_article(payload: Any) -> ArticleData:
    """Read an article, or raise ValidationError listing every bad field."""
    fields = _top_level(payload)
    title = fields.text("title", MAX_TITLE_CHARS)
    url = fields.text("url", MAX_URL_CHARS)
    body = fields.text("body", MAX_ARTICLE_CHARS)
    section = fields.text("section", MAX_NAME_CHARS, required=False)
    if url is not None and not is_web_url(url):
        fields.errors["url"] = "must be an absolute http or https URL"
    if fields.errors:
        raise ValidationError(fields.errors)
    return ArticleData(title, url, body, section)


def is_web_url(value: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def parse_identifier(value: str, what: str) -> str:
    """A path or header identifier: non-blank text of reasonable length."""
    problem = text_problem(value, MAX_ID_CHARS)
    if problem:
        raise ValidationError({what: problem})
    return value
