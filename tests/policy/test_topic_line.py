"""Lines learned from a site's published comments: the share asked for, per section."""

from moderation.policy.topic_line import LearnedLine, learn, line_for


def learned(value: float, section: str = "") -> LearnedLine:
    return LearnedLine(value, 0.03, 250, section, "v")


def test_a_section_uses_its_own_line_else_the_sites() -> None:
    lines = {"": learned(0.1), "Sport": learned(0.2, section="Sport")}
    assert line_for(lines, "Sport") == lines["Sport"]
    assert line_for(lines, "Politics") == line_for(lines, None) == lines[""]
    assert line_for({}, "Sport") is None


def test_the_line_flags_the_share_of_published_comments_asked_for() -> None:
    scored = [(n / 100, 1.0) for n in range(100)]
    assert learn(scored, 0.03, 0.5) == 0.03  # three scores lie below it
    unsure = [(s, 0.1) for s, _ in scored[:10]] + scored[10:]
    assert learn(unsure, 0.03, 0.5) == 0.13  # the unsure ones are never flagged: none below 0.1
