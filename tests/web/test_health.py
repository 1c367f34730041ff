from pathlib import Path

import redis
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from moderation.db import upgrade
from moderation.decisions.pipeline import record_health
from moderation.signals.relevance.scorer import RelevanceScorer
from tests.conftest import make_settings
from web import create_app


def test_healthz_only_says_the_process_is_alive(client: FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_is_ok_with_database_broker_and_scorers(
    client: FlaskClient, session: Session, redis_client: redis.Redis
) -> None:
    record_health(session, [RelevanceScorer(None, None)])
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["checks"]["database"]["state"] == "ok"
    assert body["checks"]["broker"]["state"] == "ok"
    assert body["checks"]["scorer:relevance"]["state"] == "ok"
    assert body["status"] == "ok"


def test_readyz_says_what_is_wrong_with_the_broker(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, redis_url="redis://:b4d-password@127.0.0.1:1/0")
    upgrade(settings.database_url)
    body = create_app(settings).test_client().get("/readyz").get_json()
    assert body["status"] == "degraded"
    assert "does not answer" in body["checks"]["broker"]["detail"]
    assert "b4d-password" not in body["checks"]["broker"]["detail"], "the password is masked"
    assert body["checks"]["scorers"]["detail"] == "no worker has reported yet; is a worker running?"


def test_readyz_is_503_when_the_schema_is_not_migrated(tmp_path: Path) -> None:
    response = create_app(make_settings(tmp_path)).test_client().get("/readyz")
    assert response.status_code == 503
    assert "run `modq db upgrade`" in response.get_json()["checks"]["database"]["detail"]


def test_readyz_is_503_without_a_database(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path, database_url="postgresql+psycopg://postgres@127.0.0.1:1/none"
    )
    response = create_app(settings).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"]["state"] == "failed"


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
