"""The chaos run, short: 200 comments through gunicorn, two workers and beat on servers of the
test's own, while a pool process is killed, Redis restarts and its connections are cut; every
accepted comment is decided exactly once and the audit log agrees (benchmarks/chaos.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import chaos
from tests.support.detoxify_checkpoint import TinyDetoxify


# The run itself takes a minute or two; draining after the faults may take longer on a busy
# machine, and the plan gives it up to 900 s, so the suite's 300 s limit must not cut it short.
@pytest.mark.timeout(1200)
def test_a_short_chaos_run_loses_nothing_and_decides_each_comment_once(
    tmp_path: Path, tiny_detoxify: TinyDetoxify
) -> None:
    plan = chaos.Plan.short()
    report = chaos.run(plan, tmp_path / "chaos", tiny_detoxify)
    printed = "\n".join(report.lines())
    assert report.outcome.problems == [], printed
    assert report.outcome.counts["accepted"] == plan.comments, printed
    assert report.outcome.counts["automatic decisions"] == plan.comments, printed
    assert len(report.events) == len(plan.faults), printed
