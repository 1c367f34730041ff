"""Detoxify scoring speed and memory, on realistic news-comment lengths.

    python -m benchmarks.bench_detoxify DATA_DIR [--variant original] [--comments 256] [--threads]
        [--torch-threads N]

Measures, with a randomly initialised model of Detoxify's exact architecture (speed does not
depend on the weights):
1. the raw batched model throughput (the ceiling: length-sorted batches, no queue, no
   database) against the worker's end-to-end throughput through Redis and a real Celery worker
   process (target: at least 0.9 of the ceiling), and against Detoxify alone on two lanes;
2. against a loop calling Detoxify.predict on one comment at a time (target: 2x or more);
3. int8 against fp32 (target: 2x or more);
4. the peak RSS of the scoring worker process (target: 1.2 GB or less).
Comments are gm-threads' published news comments: a random sample under one short article,
or with --threads the earliest ones as posted, under their own articles and parents (three in
five are replies). --torch-threads: torch's threads here and in the worker (default: torch's
choice). Results print as a table and, with --json, as one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks import datasets
from benchmarks.random_detoxify import RandomModel, build
from benchmarks.workloads import Workload, sample_workload, threaded_workload
from moderation.signals.base import ScoringInput, run_scorers
from moderation.signals.lanes import set_torch_threads
from tests.support.processes import scoring_processes, status_mb, wait_for
from workers.roles import SCORING, celery_argv

REPO = Path(__file__).resolve().parent.parent


def timed(work: Callable[[], object]) -> float:
    """Seconds one call of `work` takes."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def rate(count: int, seconds: float) -> float:
    """Comments per second."""
    return round(count / seconds, 2)


def in_process(model: RandomModel, variant: str, texts: Sequence[str]) -> dict[str, float]:
    """Throughputs measured inside this process, comments per second."""
    from detoxify import Detoxify

    from moderation.signals.detoxify.inference import predict
    from moderation.signals.detoxify.model import BATCH_SIZE, DetoxifyOptions, load_detoxify

    options = DetoxifyOptions(variant, model.checkpoint, model.hf_config)
    fp32 = load_detoxify(options)
    predict(fp32, texts[:16])  # warm up
    results = {"ceiling_sorted_batches_of_8": rate(len(texts), timed(lambda: predict(fp32, texts)))}
    results["arrival_order_batches_of_8"] = rate(
        len(texts),
        timed(
            lambda: [
                predict(fp32, texts[i : i + BATCH_SIZE], batch_size=BATCH_SIZE)
                for i in range(0, len(texts), BATCH_SIZE)
            ]
        ),
    )
    results["ours_one_at_a_time"] = rate(
        len(texts), timed(lambda: [predict(fp32, [t]) for t in texts])
    )
    detoxify = Detoxify(
        checkpoint=str(model.local_checkpoint), huggingface_config_path=str(model.hf_config)
    )
    results["detoxify_predict_loop"] = rate(
        len(texts), timed(lambda: [detoxify.predict(t) for t in texts])
    )
    int8 = load_detoxify(DetoxifyOptions(variant, model.checkpoint, model.hf_config, quantize=True))
    predict(int8, texts[:16])
    results["int8_sorted_batches_of_8"] = rate(len(texts), timed(lambda: predict(int8, texts)))
    for name, quantize in (("ceiling_two_lanes", False), ("int8_ceiling_two_lanes", True)):
        results[name] = two_lanes(dataclasses.replace(options, quantize=quantize), texts)
    return results


def two_lanes(options: Any, texts: Sequence[str]) -> float:
    """Comments per second of Detoxify alone on two lanes, its batch shared as in a worker."""
    from moderation.signals.detoxify.scorer import DetoxifyScorer

    scorer = DetoxifyScorer(options, explain_budget_ms=0)
    scorer.warm_up()
    inputs = [ScoringInput(str(i), text, "", "") for i, text in enumerate(texts)]
    return rate(len(texts), timed(lambda: run_scorers([scorer], inputs, lanes=2)))


def through_worker(
    model: RandomModel,
    variant: str,
    workload: Workload,
    redis_url: str,
    workdir: Path,
    quantize: bool = False,
    torch_threads: int = 0,
) -> dict[str, Any]:
    """End-to-end throughput through Redis and a Celery worker process, and its peak RSS."""
    from moderation.comments.intake import submit_comment, upsert_article
    from moderation.comments.validation import ArticleData, CommentSubmission
    from moderation.config import load_settings
    from moderation.db import make_engine, make_session_factory, upgrade
    from moderation.sites import create_site
    from workers.celery_app import SCORE_TASK, create_celery

    settings = load_settings(
        {},
        database_url=f"sqlite:///{workdir / f'bench-{quantize}.db'}",
        redis_url=redis_url,
        var_dir=workdir,
        detoxify_model=variant,
        detoxify_checkpoint=model.checkpoint,
        detoxify_hf_config=model.hf_config,
        explain_budget_ms=0,
        detoxify_quantize=quantize,
        torch_threads=torch_threads,
        secret_key="bench",
    )
    upgrade(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    with sessions() as session:
        site, _ = create_site(session, "bench")
        for key, (title, body) in workload.articles.items():
            upsert_article(
                session, site.id, key, ArticleData(title, f"https://example.org/{key}", body, None)
            )
        stored: dict[str, str] = {}
        for i, (key, article, parent, text) in enumerate(workload.comments):
            posted = CommentSubmission(article, stored.get(parent or ""), f"u{i}", "U", text)
            stored[key] = submit_comment(session, site.id, posted, lambda _: None)[0].id
        ids = list(stored.values())
    env = _worker_env(settings)
    log = (workdir / "worker.log").open("wb")
    worker = subprocess.Popen(
        celery_argv("worker", *SCORING.pool),
        env=env,
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _loaded(sessions), timeout=300)
        celery = create_celery(settings)
        started = time.perf_counter()
        for comment_id in ids:
            celery.send_task(SCORE_TASK, args=[comment_id])
        # Poll gently: on 2 cores a busy poll takes CPU from the worker it is timing.
        wait_for(lambda: _decided(sessions) >= len(ids), timeout=3600, every=0.25)
        elapsed = time.perf_counter() - started
        peak = max(status_mb(pid, "VmHWM") for pid in scoring_processes(worker.pid))
    finally:
        worker.terminate()
        worker.wait(60)
        log.close()
        if os.environ.get("BENCH_SHOW_WORKER_LOG"):
            print((workdir / "worker.log").read_text()[-6000:])
    return {
        "worker_end_to_end": rate(len(ids), elapsed),
        "worker_peak_rss_mb": peak,
        "worker_seconds_by_scorer": _seconds_by_scorer(sessions) | {"wall": round(elapsed, 1)},
    }


def _seconds_by_scorer(sessions: Any) -> dict[str, float]:
    """Where the worker's time went: each scorer's recorded time summed over the run."""
    from sqlalchemy import func, select

    from moderation.models import Signal

    query = select(Signal.scorer, func.sum(Signal.duration_ms)).group_by(Signal.scorer)
    with sessions() as session:
        rows = session.execute(query).all()
    return {scorer: round(float(total) / 1000, 1) for scorer, total in rows}


def _worker_env(settings: Any) -> dict[str, str]:
    from moderation.config import to_environment

    env = {k: v for k, v in os.environ.items() if not k.startswith("MODQ_")}
    return env | to_environment(settings) | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def _loaded(sessions: Any) -> bool:
    from moderation.decisions.health import scorer_health

    with sessions() as session:
        health = scorer_health(session).get("detoxify")
    return health is not None and health.state == "ok"


def _decided(sessions: Any) -> int:
    from sqlalchemy import func, select

    from moderation.models import Comment

    with sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Comment).where(Comment.status != "pending")
            )
            or 0
        )


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="folder holding gm-threads/, davidson/, olid/")
    parser.add_argument("--variant", choices=("original", "unbiased"), default="original")
    parser.add_argument("--comments", type=int, default=256)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--skip-worker", action="store_true")
    parser.add_argument("--threads", action="store_true", help="comments in their threads")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--torch-threads", type=int, default=0, help="0: torch's choice")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    set_torch_threads(args.torch_threads)  # imports torch only when asked: it loads late here
    comments = [c.text for c in datasets.news_comments(args.data)]
    texts = random.Random(0).sample(comments, min(args.comments, len(comments)))
    workload = sample_workload(texts)
    if args.threads:  # the ceiling is measured on the same comments the worker gets
        workload = threaded_workload(args.data, args.comments)
        texts = [text for *_, text in workload.comments]
    corpus = comments + [t for t, _ in datasets.davidson(args.data)]
    with tempfile.TemporaryDirectory() as tmp:
        model = build(Path(tmp), args.variant, corpus)
        results: dict[str, Any] = {
            "variant": args.variant,
            "comments": len(texts),
            "cpu_threads": _threads(),
        }
        results |= in_process(model, args.variant, texts)
        if not args.skip_worker:
            results["workload"] = "threads" if args.threads else "sample"
            worker = (model, args.variant, workload, args.redis_url, Path(tmp))
            results |= through_worker(*worker, torch_threads=args.torch_threads)
            int8 = through_worker(*worker, quantize=True, torch_threads=args.torch_threads)
            results |= {f"{key}_int8": value for key, value in int8.items()}
    _report(results, args.json)


def _threads() -> int:
    import torch

    return int(torch.get_num_threads())


def _report(results: dict[str, Any], path: Path | None) -> None:
    ceiling = results["ceiling_sorted_batches_of_8"]
    ratios = {
        "worker_vs_ceiling (target >= 0.9)": results.get("worker_end_to_end", 0) / ceiling,
        "ceiling_vs_detoxify_loop (target >= 2)": ceiling / results["detoxify_predict_loop"],
        "worker_vs_detoxify_loop (target >= 2)": results.get("worker_end_to_end", 0)
        / results["detoxify_predict_loop"],
        "int8_vs_fp32 (target >= 2)": results["int8_sorted_batches_of_8"] / ceiling,
        "worker_vs_two_lane_ceiling": results.get("worker_end_to_end", 0)
        / results["ceiling_two_lanes"],
        "worker_int8_vs_two_lane_int8_ceiling": results.get("worker_end_to_end_int8", 0)
        / results["int8_ceiling_two_lanes"],
        "worker_int8_vs_int8_ceiling (target >= 0.8)": results.get("worker_end_to_end_int8", 0)
        / results["int8_sorted_batches_of_8"],
        "worker_int8_vs_detoxify_loop (target >= 2)": results.get("worker_end_to_end_int8", 0)
        / results["detoxify_predict_loop"],
    }
    for suffix in ("", "_int8"):  # the share of the worker's time each scorer took
        spent = results.get(f"worker_seconds_by_scorer{suffix}", {})
        if spent.get("wall"):
            ratios |= {
                f"{scorer}_share_of_worker{suffix}": seconds / spent["wall"]
                for scorer, seconds in spent.items()
                if scorer in ("detoxify", "relevance")
            }
    results["ratios"] = {k: round(v, 2) for k, v in ratios.items()}
    for key, value in results.items():
        if key != "ratios":
            print(f"{key:34} {value}")
    for key, value in results["ratios"].items():
        print(f"{key:44} {value}")
    if path:
        path.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
