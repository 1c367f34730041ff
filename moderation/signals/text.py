"""Word-level text helpers shared by the lexical scorers."""

from __future__ import annotations

import functools
import re
import unicodedata

_APOSTROPHES = "'\u2019"
_WORD = re.compile(rf"[^\W_]+(?:[{_APOSTROPHES}][^\W_]+)*", re.UNICODE)

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each even ever every few for from further get gets got had
    hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him
    himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's
    like many may me might more most much must mustn't my myself no nor not now of off on once one
    only or other ought our ours ourselves out over own really said same say says shall shan't she
    she'd she'll she's should shouldn't so some such than that that's the their theirs them
    themselves then there there's these they they'd they'll they're they've thing things think
    this those though through to too under until up upon us very was wasn't way we we'd we'll
    we're we've well were weren't what what's when when's where where's which while who who's whom
    why why's will with won't would wouldn't yes yet you you'd you'll you're you've your yours
    yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())

_SUFFIX_TEXT = (
    "ational ization fulness ousness iveness ations ation ments ment ness ings ing ies ied ers est "
    "ed es ly er s"
)
_SUFFIXES = tuple(_SUFFIX_TEXT.split())


def fold_accents(text: str) -> str:
    """Lower-case and strip accents, so 'Zürich' and 'zurich' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """The words of `text`, folded, in order."""
    return [w.replace("\u2019", "'") for w in _WORD.findall(fold_accents(text))]


def stem(word: str) -> str:
    """A light suffix-stripping stem: enough to match 'Russian'/'Russians', 'talks'/'talking'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Words that carry meaning: no stopwords, numbers or single letters; possessives cut."""
    found = (w.removesuffix("'s") for w in words(text))
    return [w for w in found if w not in STOPWORDS and len(w) > 1 and not w.isdigit()]


def content_terms(text: str) -> set[str]:
    """The stems of the content words."""
    return {stem(w) for w in content_words(text)}


@functools.lru_cache(maxsize=65536)
def rarity(word: str) -> float:
    """How informative a word is: 7 minus its Zipf frequency in English (0.5 at least).

    'the' scores 0.5, 'talk' 1.6, 'pakistan' 2.5, 'mullah' 4.3: a shared rare word is
    better evidence of a shared topic than a shared common one.
    """
    from wordfreq import zipf_frequency

    return max(0.5, 7.0 - zipf_frequency(word, "en"))


def weighted_terms(text: str) -> dict[str, float]:
    """Each stem of the text with the rarity of its rarest surface form."""
    weights: dict[str, float] = {}
    for word in content_words(text):
        term = stem(word)
        weights[term] = max(weights.get(term, 0.0), rarity(word))
    return weights


LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "nl")


def language(text: str, candidates: tuple[str, ...] = LANGUAGES) -> tuple[str, float]:
    """The most likely language of `text` among `candidates` and how sure (0 to 1).

    Each word votes for the language in which it is most frequent; 'other' when most letters
    are not Latin (Cyrillic, Arabic, CJK...), 'unknown' for texts of fewer than four words.
    """
    from wordfreq import zipf_frequency

    letters = [c for c in text if c.isalpha()]
    if (
        letters
        and sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters) < len(letters) / 2
    ):
        return "other", 1.0
    found = [w for w in words(text) if w.isalpha()][:50]
    if len(found) < 4:
        return "unknown", 0.0
    votes = {lang: 0 for lang in candidates}
    for word in found:
        # The small lists (the ~30k commonest words of each language) decide as well as the
        # full ones for a vote of common words, in 24 MB instead of 250 MB per worker.
        frequencies = {lang: zipf_frequency(word, lang, wordlist="small") for lang in candidates}
        best = max(frequencies, key=frequencies.__getitem__)
        if frequencies[best] > 0:
            votes[best] += 1
    winner = max(votes, key=votes.__getitem__)
    return winner, round(votes[winner] / len(found), 3)
