"""A non-editable install carries everything it needs: `pip install .`, then `modq db
upgrade` finds the migrations and the built-in policy inside the installed package."""

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_a_built_wheel_installs_and_migrates_outside_the_checkout(tmp_path: Path) -> None:
    wheels, target, source = tmp_path / "wheels", tmp_path / "site", tmp_path / "source"
    # A copy of what the package is built from, so the build leaves nothing in the checkout.
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("moderation", "web", "workers"):
        shutil.copytree(
            REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)]
    subprocess.run(build, check=True, cwd=tmp_path)
    [wheel] = wheels.glob("modq-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True)
    # The installed copy comes first; the dependencies come from this environment.
    path = os.pathsep.join([str(target), sysconfig.get_paths()["purelib"]])
    env = {**os.environ, "PYTHONPATH": path, "MODQ_VAR_DIR": str(tmp_path / "var")}
    env.pop("MODQ_DATABASE_URL", None)
    script = (
        "import moderation, sys; from web.cli import main; "
        "print(moderation.__file__, file=sys.stderr); sys.argv = ['modq', 'db', 'upgrade']; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert str(target) in done.stderr, "the installed package was used, not the checkout"
    with sqlite3.connect(tmp_path / "var" / "modq.db") as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"comments", "articles", "alembic_version"} <= tables
