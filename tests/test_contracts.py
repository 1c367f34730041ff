"""The house rules that keep the code navigable: the pure policy imports no database code,
contracts are named by the enums in moderation/kinds.py, and no module grows past 300 lines."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from moderation.kinds import (
    CheckState,
    FailureMode,
    Readiness,
    ScorerName,
    ScorerState,
    SpotCheckVerdict,
)

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("moderation", "web", "workers")
NAMED = {
    str(v)
    for kind in (ScorerName, ScorerState, SpotCheckVerdict, FailureMode, Readiness, CheckState)
    for v in kind
}
MAX_MODULE_LINES = 300


def python_files() -> list[Path]:
    """Every module of the service, but the enums' own and the migrations."""
    found = [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")]
    return [p for p in found if p.name != "kinds.py" and "migrations" not in p.parts]


def test_the_policy_imports_no_database_or_framework_code() -> None:
    modules = sorted(
        f"moderation.policy.{p.stem}"
        for p in (REPO / "moderation" / "policy").glob("*.py")
        if p.stem != "__init__"
    )
    script = (
        f"import sys; import {', '.join(modules)}; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not {"sqlalchemy", "flask", "celery", "torch"} & set(loaded)


def named_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String literals compared with something, or used to look a signal up, that spell a
    scorer name, a state, a verdict or a failure mode."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            candidates = [node.left, *node.comparators]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get":
            candidates = node.args[:1]
        else:
            continue
        found += [
            (c.lineno, c.value)
            for c in candidates
            if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value in NAMED
        ]
    return found


@pytest.mark.parametrize("path", python_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_contracts_are_named_by_their_enums(path: Path) -> None:
    literals = named_literals(ast.parse(path.read_text()))
    assert not literals, f"use moderation.kinds instead of these literals: {literals}"


def test_templates_name_no_scorer_or_verdict() -> None:
    for template in (REPO / "web" / "templates").rglob("*.html"):
        text = template.read_text()
        for value in ScorerName:
            assert f"== '{value}'" not in text and f'== "{value}"' not in text, template
        for verdict in SpotCheckVerdict:
            assert f'value="{verdict}"' not in text, f"{template}: pass the enum in"
        for state in {*ScorerState, *CheckState}:
            assert f"state != '{state}'" not in text and f"state == '{state}'" not in text


def test_no_module_is_over_300_lines() -> None:
    sources = [
        *python_files(),
        *(REPO / "tests").rglob("*.py"),
        *(REPO / "benchmarks").glob("*.py"),
    ]
    long = {
        str(p.relative_to(REPO)): n
        for p in sources
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these: {long}"


def test_only_end_to_end_tests_start_workers_on_the_shared_redis_database() -> None:
    # They run one after another in one xdist process (tests/support/markers.py); a test
    # elsewhere that started workers on database 13 would run beside them and steal their tasks.
    outside = {
        str(p.relative_to(REPO))
        for p in (REPO / "tests").rglob("test_*.py")
        if "end_to_end" not in p.parts
        and p != Path(__file__).resolve()
        and ("celery_process(" in (text := p.read_text()) or "E2E_REDIS" in text)
    }
    assert not outside, f"move these to tests/end_to_end/: {outside}"
