"""How a benchmark hands over its figures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def show(figures: dict[str, Any], path: Path | None) -> None:
    """Print the figures as JSON and, given a path (--json), write them there too."""
    text = json.dumps(figures, indent=2)
    print(text)
    if path:
        path.write_text(text + "\n")
