"""docker-compose.yml cannot run here (no Docker engine), so it is checked by reading it."""

import json
import re
from pathlib import Path
from typing import Any

import yaml

from moderation.config import documented_variables
from web import gunicorn_conf
from workers.celery_app import EXPLAIN_QUEUE, MAINTENANCE_QUEUE, QUEUES, WEBHOOK_QUEUE
from workers.roles import SCORING

REPO = Path(__file__).resolve().parent.parent
APP_SERVICES = ("migrate", "web", "worker", "explainer", "webhooks", "beat")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


def test_every_service_the_readme_names_exists() -> None:
    readme = (REPO / "README.md").read_text()
    sentence = re.search(r"`docker compose up[^`]*` starts ([^.]+)\.", readme)
    assert sentence, "the README says which services docker compose starts"
    named = re.findall(r"`([a-z]+)`", sentence.group(1))
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(named)
    assert set(named) <= set(compose()["services"])


def test_web_worker_and_beat_share_database_and_broker() -> None:
    services = compose()["services"]
    environments = [services[name]["environment"] for name in APP_SERVICES]
    for key in ("MODQ_DATABASE_URL", "MODQ_REDIS_URL", "MODQ_SECRET_KEY"):
        assert len({env[key] for env in environments}) == 1, key
    assert "@postgres:5432/" in environments[0]["MODQ_DATABASE_URL"]
    assert environments[0]["MODQ_REDIS_URL"].startswith("redis://redis:6379/")


def test_services_have_healthchecks_and_postgres_a_named_volume() -> None:
    document = compose()
    services = document["services"]
    for name in ("postgres", "redis", "web", "worker", "explainer", "beat"):
        assert services[name]["healthcheck"]["test"], name
    volume = services["postgres"]["volumes"][0].split(":")[0]
    assert volume in document["volumes"]


def test_app_services_wait_for_healthy_dependencies_and_migrations() -> None:
    services = compose()["services"]
    for name in ("web", "worker", "explainer", "webhooks", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["modq", "db", "upgrade"]
    assert services["web"]["command"][0] == "gunicorn"


def test_the_secret_comes_from_the_environment() -> None:
    secret = compose()["services"]["web"]["environment"]["MODQ_SECRET_KEY"]
    assert secret.startswith("${MODQ_SECRET_KEY:?")


def test_every_variable_the_app_services_get_is_a_setting() -> None:
    known = {name for name, _, _ in documented_variables()}
    for name in APP_SERVICES:
        given = {k for k in compose()["services"][name]["environment"] if k.startswith("MODQ_")}
        assert given <= known, f"{name}: {sorted(given - known)} are not settings"


def test_every_queue_has_a_worker_and_webhooks_and_explanations_have_their_own() -> None:
    services = compose()["services"]

    def queues(name: str) -> list[str]:
        command = services[name]["command"]
        return str(command[command.index("-Q") + 1]).split(",")

    # Scoring as the scoring role runs it: two batches at once, in threads.
    worker = services["worker"]["command"]
    start = worker.index(SCORING.pool[0])
    assert tuple(worker[start : start + len(SCORING.pool)]) == SCORING.pool
    # Beat's maintenance (the requeue sweep among it) never waits behind a batch.
    assert queues("webhooks") == [WEBHOOK_QUEUE, MAINTENANCE_QUEUE]
    assert queues("explainer") == [EXPLAIN_QUEUE]
    assert sorted(queues("worker") + queues("webhooks") + queues("explainer")) == sorted(QUEUES)
    # Explanations yield the CPU to scoring where both share a machine.
    assert services["explainer"]["cpu_shares"] < 1024
    assert services["explainer"]["environment"]["MODQ_TORCH_THREADS"] == "1"


def test_each_worker_service_is_pinged_by_its_own_name() -> None:
    services = compose()["services"]
    for name in ("worker", "explainer"):
        command, ping = services[name]["command"], services[name]["healthcheck"]["test"][1]
        node = command[command.index("--hostname") + 1].replace("%h", "$$HOSTNAME")
        assert f"-d {node} " in ping, name


def test_the_web_server_takes_its_threads_from_the_gunicorn_settings() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    image = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))  # type: ignore[union-attr]
    for command in (compose()["services"]["web"]["command"], image):
        assert command[:3] == ["gunicorn", "--config", "python:web.gunicorn_conf"], command
        assert not {"--threads", "--worker-class", "-k"} & set(command), command
    assert (gunicorn_conf.worker_class, gunicorn_conf.threads) == ("gthread", 4)
