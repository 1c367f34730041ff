"""The benchmark scripts keep working as the code they measure changes."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import benchmarks
from benchmarks import bench_relevance
from moderation.learning.evaluation import Example
from moderation.policy.reader import load

ARTICLES = [
    ("Port strike", "Dock workers walked out over pay; ships queue outside the harbour."),
    ("Bread prices", "Bakers say flour and energy costs push the price of a loaf up."),
]
COMMENTS = [
    "The dock workers deserve a raise, ships can wait.",
    "A loaf costs twice what it did, flour is to blame.",
]


@pytest.mark.parametrize("name", [m.name for m in pkgutil.iter_modules(benchmarks.__path__)])
def test_every_benchmark_module_imports(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    assert module.__doc__, f"benchmarks/{name}.py says what it measures"


def test_the_relevance_benchmark_tells_swapped_articles_apart(embedder: object) -> None:
    examples = [
        Example(text, title, body, labels={"on_topic": 1})
        for text, (title, body) in zip(COMMENTS, ARTICLES, strict=True)
    ] + [
        Example(text, title, body, labels={"on_topic": 0})
        for text, (title, body) in zip(COMMENTS, reversed(ARTICLES), strict=True)
    ]
    figures = bench_relevance.measure("toy", examples, load(), embedder)
    assert figures["auc"] == 1.0
    assert figures["method"] == "semantic"
    cost = bench_relevance.cost_per_comment(examples, embedder)
    assert 0 < cost["p50_ms"] <= cost["p99_ms"]


def test_a_benchmark_writes_the_figures_it_prints(tmp_path: Path, capsys: Any) -> None:
    from benchmarks.results import show

    show({"p50_ms": 1.5}, tmp_path / "figures.json")
    assert json.loads(capsys.readouterr().out) == {"p50_ms": 1.5}
    assert json.loads((tmp_path / "figures.json").read_text()) == {"p50_ms": 1.5}
