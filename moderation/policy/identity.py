"""The identity-term guard: the same comment with the groups it names swapped for others.

Models trained on toxic comments learn that some group names co-occur with abuse, so a calm
sentence naming a religion or a nationality can score as abusive. Before a comment is
rejected, it is scored again with each group name it uses replaced by the other names of the
same kind (religion, nationality, ...). If the score then falls below the reject line, the
group names, not the comment, drove it, and a person decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

MAX_VARIANTS = 6  # texts scored per comment, at most


def swapped_variants(text: str, terms: Mapping[str, Sequence[str]]) -> tuple[list[str], list[str]]:
    """Variants of `text` with its group names swapped, and the names found."""
    found: list[tuple[str, str]] = []  # (kind, name)
    for kind, names in terms.items():
        for name in names:
            if re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE):
                found.append((kind, name))
    variants: list[str] = []
    for shift in range(1, MAX_VARIANTS + 1):
        variant = text
        for kind, name in found:
            others = [n for n in terms[kind] if n != name]
            if others:
                replacement = others[(shift * 7 + len(name)) % len(others)]
                variant = re.sub(
                    rf"\b{re.escape(name)}\b", replacement, variant, flags=re.IGNORECASE
                )
        if variant != text and variant not in variants:
            variants.append(variant)
    return variants, [name for _, name in found]
