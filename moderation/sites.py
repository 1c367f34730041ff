"""Sites and their API keys: who may write articles and comments, and from which browsers."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, selectinload

from moderation import audit
from moderation.db import utcnow
from moderation.errors import DomainError, Invalid
from moderation.models import ApiKey, Site

KEY_PREFIX = "modq_"  # recognisable in logs and by secret scanners
HINT_CHARS = 12
# last_used_at is written at most this often per key: a busy key must not cost a write per call.
LAST_USED_EVERY = timedelta(minutes=1)
SITE_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
DEFAULT_PORTS = {"http": 80, "https": 443}
DEV_SITE, DEV_KEY_FILE = "dev", "dev-api-key"
# Set in a session's info by a change that a remembered key must not outlive (a revocation, a
# site's settings); announced after the commit (see site_keys.SiteKeys.after_commit).
KEYS_CHANGED = "site_keys_changed"


class SiteError(Invalid):
    """A site or key cannot be created or changed as asked; the message says why."""


class KeyRefused(DomainError):
    """No key, or an unknown or revoked one (`presented`); the message says which."""

    def __init__(self, message: str, presented: bool = False) -> None:
        super().__init__(message)
        self.presented = presented


class WrongSite(DomainError):
    """A site tried to write something that belongs to another site."""


def create_site(
    session: Session,
    name: str,
    origins: Iterable[str] = (),
    open_intake: bool = False,
    actor: str = "cli",
) -> tuple[Site, str]:
    """Create a site with a first key (committed); returns the site and the key, shown once."""
    if not SITE_NAME.fullmatch(name):
        raise SiteError(
            f"{name!r} is not a site name: lower-case letters, digits, '.', '_' or '-', "
            "at most 100 characters"
        )
    if find_site(session, name) is not None:
        raise SiteError(f"a site named {name!r} already exists")
    site = Site(name=name, origins=[normalise_origin(o) for o in origins], open_intake=open_intake)
    session.add(site)
    session.flush()
    audit.record(session, actor, "site.created", "site", site.name, **_settings(site))
    _, token = add_key(session, site, "first key", actor)
    return site, token


def update_site(
    session: Session,
    site: Site,
    origins: Iterable[str] | None = None,
    open_intake: bool | None = None,
    actor: str = "cli",
    anonymous_comments: bool | None = None,
    show_reasons: bool | None = None,
) -> Site:
    """Change a site's browser origins, open intake, anonymous comments in its embed or
    whether the embed shows readers why (committed, audited); None leaves one as it is."""
    if origins is not None:
        site.origins = [normalise_origin(o) for o in origins]
    if open_intake is not None:
        site.open_intake = open_intake
    if anonymous_comments is not None:
        site.anonymous_comments = anonymous_comments
    if show_reasons is not None:
        site.show_reasons = show_reasons
    audit.record(session, actor, "site.updated", "site", site.name, **_settings(site))
    session.info[KEYS_CHANGED] = True
    session.commit()
    return site


def _settings(site: Site) -> dict[str, object]:
    return {
        "origins": list(site.origins),
        "open_intake": site.open_intake,
        "anonymous_comments": bool(site.anonymous_comments),
        "show_reasons": bool(site.show_reasons),
    }


def add_key(
    session: Session, site: Site, label: str = "", actor: str = "cli"
) -> tuple[ApiKey, str]:
    """A new key for `site` (committed); the key itself is returned once and never stored."""
    token = KEY_PREFIX + secrets.token_urlsafe(32)  # 256 random bits
    key = ApiKey(site=site, key_hash=hash_key(token), hint=token[:HINT_CHARS], label=label)
    session.add(key)
    session.flush()
    audit.record(session, actor, "api_key.created", "api_key", key.id, site=site.name, label=label)
    session.commit()
    return key, token


def rotate_key(
    session: Session, site: Site, keep_old: bool = False, actor: str = "cli"
) -> tuple[ApiKey, str]:
    """A new key for `site` that replaces its live ones (revoked at once unless `keep_old`,
    for a switch-over); committed, audited; the new key is returned once."""
    key, token = add_key(session, site, "rotated", actor)
    if not keep_old:
        for old in site.keys:
            if old.id != key.id and old.revoked_at is None:
                revoke_key(session, old.id, actor)
    return key, token


def change_origins(
    session: Session,
    site: Site,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    actor: str = "cli",
) -> Site:
    """Add and remove browser origins (CORS and the embed's frame-ancestors); committed."""
    removed = {normalise_origin(o) for o in remove}
    kept = [o for o in site.origins if o not in removed]
    added = [o for o in (normalise_origin(o) for o in add) if o not in kept]
    return update_site(session, site, kept + list(dict.fromkeys(added)), actor=actor)


def revoke_key(session: Session, key_id: int, actor: str = "cli") -> ApiKey:
    """Revoke a key (committed, audited); it is refused from the next request on."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise SiteError(f"no API key with id {key_id}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(session, actor, "api_key.revoked", "api_key", key.id, site=key.site.name)
        session.info[KEYS_CHANGED] = True
        session.commit()
    return key


def hash_key(token: str) -> str:
    """What is stored of a key: its SHA-256 (the key is random, so no salt or stretching is
    needed to make the hash useless to a thief)."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, token: str | None) -> ApiKey:
    """The live key `token` names (its last use recorded), or KeyRefused saying why not."""
    if not token:
        raise KeyRefused("this call needs a site's API key: Authorization: Bearer <key>")
    key = session.scalar(  # one query: the key and its site
        select(ApiKey)
        .join(ApiKey.site)
        .where(ApiKey.key_hash == hash_key(token))
        .options(contains_eager(ApiKey.site))
    )
    if key is None:
        raise KeyRefused("the API key is not valid", presented=True)
    if key.revoked_at is not None:
        raise KeyRefused("the API key was revoked", presented=True)
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        key.last_used_at = now
        session.commit()
    return key


def find_site(session: Session, name: str) -> Site | None:
    """The site called `name`, or None."""
    return session.scalar(select(Site).where(Site.name == name))


def all_sites(session: Session) -> list[Site]:
    """Every site with its keys, by name."""
    return list(session.scalars(select(Site).order_by(Site.name).options(selectinload(Site.keys))))


def open_sites(session: Session) -> list[Site]:
    """The sites that take comments without a key."""
    return list(session.scalars(select(Site).where(Site.open_intake).order_by(Site.name)))


def browser_origins(session: Session) -> set[str]:
    """Every origin some site lists: the only ones whose browsers may call the API."""
    return {origin for origins in session.scalars(select(Site.origins)) for origin in origins}


def embed_ancestors(site: Site) -> list[str]:
    """The origins whose pages may frame the site's embedded threads (CSP frame-ancestors)."""
    return list(site.origins)


def open_intake_warning(site: Site) -> str:
    """The sentence said wherever a site's open intake shows: at start-up, in logs, in the CLI."""
    origins = ", ".join(site.origins) or "no origin (so only non-browser clients)"
    return (
        f"site {site.name!r} takes comments WITHOUT an API key (open intake) from {origins}; "
        "rate limits are its only guard against floods"
    )


def ensure_dev_key(session: Session, var_dir: Path) -> str | None:
    """For development: make sure var_dir/dev-api-key holds a live key of the site `dev`,
    creating the site or a key when needed; returns the key when it was just made."""
    path = var_dir / DEV_KEY_FILE
    if path.exists():
        try:
            authenticate(session, path.read_text().strip())
            return None
        except KeyRefused:
            pass  # revoked or from another database: make a new one
    site = find_site(session, DEV_SITE)
    if site is None:
        site, token = create_site(session, DEV_SITE, actor="modq up")
    else:
        _, token = add_key(session, site, DEV_KEY_FILE, actor="modq up")
    write_private(path, token)
    return token


def read_dev_key(var_dir: Path) -> str | None:
    """The development key `modq up` wrote, if any."""
    path = var_dir / DEV_KEY_FILE
    return path.read_text().strip() if path.exists() else None


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read (0600 from the moment it exists)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(text + "\n")
    path.chmod(0o600)  # in case it existed with wider permissions


def check_owner(site_id: int, owner_id: int, what: str) -> None:
    """Refuse a site's write to something another site owns."""
    if site_id != owner_id:
        raise WrongSite(f"{what} belongs to another site; this key cannot change it")


def normalise_origin(value: str) -> str:
    """`scheme://host[:port]`, as browsers send it in the Origin header, or SiteError."""
    parts = urlsplit(value.strip())
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in DEFAULT_PORTS
        or not parts.hostname
        or port == -1
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username
    ):
        raise SiteError(f"{value!r} is not an origin like https://news.example.org")
    shown_port = f":{port}" if port and port != DEFAULT_PORTS[parts.scheme] else ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{shown_port}"
