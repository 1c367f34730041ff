from pathlib import Path

import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from moderation import accounts
from moderation.config import Settings
from moderation.decisions.health import record_health
from moderation.signals.relevance.scorer import RelevanceScorer
from tests.conftest import MODERATOR_PASSWORD, log_in, make_settings, migrated_settings
from web import create_app


def moderators_client(settings: Settings) -> FlaskClient:
    """A client of a fresh app on `settings`, logged in as a moderator."""
    app = create_app(settings)
    with app.extensions["modq"].session_factory() as session:
        accounts.create_moderator(session, "alice", MODERATOR_PASSWORD)
    client = app.test_client()
    assert log_in(client).status_code == 302
    return client


def test_healthz_only_says_the_process_is_alive(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_is_ok_with_database_broker_and_scorers(
    logged_in: FlaskClient, session: Session, redis_client: redis.Redis
) -> None:
    record_health(session, [RelevanceScorer(None, None)])
    response = logged_in.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["checks"]["database"]["state"] == "ok"
    assert body["checks"]["broker"]["state"] == "ok"
    assert body["checks"]["scorer:relevance"]["state"] == "ok"
    assert body["status"] == "ok"


def test_readyz_says_what_is_wrong_with_the_broker(tmp_path: Path) -> None:
    settings = migrated_settings(tmp_path, redis_url="redis://:b4d-password@127.0.0.1:1/0")
    body = moderators_client(settings).get("/readyz").get_json()
    assert body["status"] == "degraded"
    assert "does not answer" in body["checks"]["broker"]["detail"]
    assert "b4d-password" not in body["checks"]["broker"]["detail"], "the password is masked"
    assert body["checks"]["scorers"]["detail"] == "no worker has reported yet; is a worker running?"


def test_readyz_tells_strangers_the_status_only_and_masks_passwords(tmp_path: Path) -> None:
    # Issue 10, finding 6: /readyz printed the broker URL with its password to anyone.
    settings = migrated_settings(tmp_path, redis_url="redis://:hunter2@127.0.0.1:1/0")
    stranger = create_app(settings).test_client().get("/readyz")
    assert (stranger.status_code, stranger.get_json()) == (200, {"status": "degraded"})
    detail = moderators_client(settings).get("/readyz").get_json()["checks"]["broker"]["detail"]
    assert "redis://:***@127.0.0.1:1/0" in detail and "hunter2" not in detail


def test_readyz_keeps_its_status_codes_for_orchestrators(tmp_path: Path, app: Flask) -> None:
    assert app.test_client().get("/readyz").status_code == 200
    unmigrated = create_app(make_settings(tmp_path / "empty")).test_client().get("/readyz")
    assert (unmigrated.status_code, unmigrated.get_json()) == (503, {"status": "unavailable"})


def test_readyz_is_503_when_the_schema_is_not_migrated(tmp_path: Path) -> None:
    settings = migrated_settings(tmp_path)
    client = moderators_client(settings)
    with create_app(settings).extensions["modq"].engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0003'")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "run `modq db upgrade`" in response.get_json()["checks"]["database"]["detail"]


def test_readyz_is_503_without_a_database(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, database_url="postgresql+psycopg://postgres@127.0.0.1:1/none"
    )
    response = create_app(settings).test_client().get("/readyz")
    assert (response.status_code, response.get_json()) == (503, {"status": "unavailable"})


def test_the_web_process_never_imports_the_models(tmp_path: Path) -> None:
    # Models load in workers only; the web app must start fast and small.
    import subprocess
    import sys

    code = (
        "import sys; from web import create_app; from tests.conftest import make_settings; "
        "from pathlib import Path; "
        f"app = create_app(make_settings(Path({str(tmp_path)!r}))); "
        "app.test_client().get('/healthz'); "
        "print(sorted(m for m in ('torch', 'transformers', 'detoxify') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        check=True,
    )
    assert result.stdout.strip() == "[]"
