import pytest

from moderation.signals.links import LinkScorer, domains, listed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://www.Example.com/a?b=c.", ["example.com"]),
        ("visit http://cheap-deals.example.com now", ["cheap-deals.example.com"]),
        ("go to www.spam.ru!", ["spam.ru"]),
        ("bare domain cheap-pills.xyz works", ["cheap-pills.xyz"]),
        ("(http://a.org) and [b.net/x]", ["a.org", "b.net"]),
        ("e.g. the U.S. said so, i.e. nothing", []),
        ("a.b.c.d.e.f.g.h" * 50, []),
        ("", []),
    ],
)
def test_domains_are_found(text: str, expected: list[str]) -> None:
    assert domains(text) == expected


def test_subdomains_count_as_listed() -> None:
    assert listed("news.example.org", ["example.org"])
    assert not listed("badexample.org", ["example.org"])


def test_the_signal_counts_links_and_names_their_domains() -> None:
    signal = LinkScorer().score_one("https://example.org/a www.spam.ru and http://example.org/b")
    assert signal.scores == {"links": 3.0}
    assert signal.details["domains"] == ["example.org", "spam.ru"]
