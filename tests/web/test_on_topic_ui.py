"""What moderators see of the on-topic check: the learned lines and their history on the Stats
page, and the discussion evidence on a review card."""

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import utcnow
from moderation.decisions.review import decide_as_moderator
from moderation.kinds import Action
from moderation.learning.models import TopicLine
from moderation.models import Moderator
from tests.conftest import log_in
from tests.learning.test_topic_lines import scored
from tests.support import factories
from tests.support.workspace import script_post
from tests.web.test_review_ui import add_signal, queued_comment


def add_lines(app: Flask, *lines: tuple[str, float | None, int, int], site: str = "test") -> None:
    """Learned lines (section, line, comments, hours ago) of the site `site`, as beat would
    store them."""
    now = utcnow()
    with app.extensions["modq"].session_factory() as session:
        site_id = factories.site(session, site).id
        session.add_all(
            TopicLine(
                site_id=site_id,
                section=section,
                line=line,
                share=0.03,
                comments=comments,
                scorer_version="semantic-3/m",
                computed_at=now - timedelta(hours=hours),
            )
            for section, line, comments, hours in lines
        )
        session.commit()


def test_stats_say_the_built_in_line_holds_until_enough_comments(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    log_in(client)
    assert "No line learned yet: the built-in line 0.1 holds" in client.get(
        "/review/stats"
    ).get_data(as_text=True)
    add_lines(app, ("", None, 57, 0))
    html = client.get("/review/stats").get_data(as_text=True)
    assert "57 comments were\n        published in the last 30 days, 200 are needed" in html
    assert "<h2" not in html.split("On-topic lines")[1], "one site: no heading of its own"


def test_stats_show_the_learned_lines_with_their_history(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    add_lines(
        app, ("", 0.12, 300, 48), ("", 0.2, 320, 24), ("", -0.05, 350, 0), ("Sport", 0.3, 210, 0)
    )
    log_in(client)
    html = client.get("/review/stats").get_data(as_text=True)
    assert "<td>whole site</td><td>-0.050</td>" in html
    assert "<td>Sport</td><td>0.300</td>" in html
    assert html.count("<polyline") == 2
    # The site's history: its lowest point (-0.05, now) at the bottom right, highest at the top.
    assert 'points="4.0,16.8 120.0,4.0 236.0,44.0"' in html
    assert "-0.050 \N{EN DASH} 0.200" in html


def test_stats_show_each_sites_lines_and_history(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    add_lines(app, ("", -0.3, 900, 24), ("", -0.34, 950, 0), site="longform")
    add_lines(app, ("", -0.7, 400, 24), ("", -0.61, 420, 0), ("Sport", -0.8, 230, 0), site="wire")
    add_lines(app, ("", None, 57, 0), site="test")
    log_in(client)
    html = client.get("/review/stats").get_data(as_text=True)
    longform, test, wire = (
        html.index(f'<h2 id="lines-{name}">Site {name}</h2>')
        for name in ("longform", "test", "wire")
    )
    assert longform < test < wire, "one heading per site, by name"
    assert "<td>whole site</td><td>-0.340</td>" in html[longform:test]
    assert "57 comments were\n        published in the last 30 days" in html[test:wire]
    assert "<td>whole site</td><td>-0.610</td>" in html[wire:]
    assert "<td>Sport</td><td>-0.800</td>" in html[wire:]
    assert html.count("<polyline") == 3  # a chart per learned line, none for `test`
    assert "Line for the whole site of wire from -0.700 to -0.610" in html
    assert "-0.340 \N{EN DASH} -0.300" in html[longform:test]


def test_stats_say_when_moderators_publish_the_off_topic_flags(
    app: Flask, client: FlaskClient, moderator: Moderator
) -> None:
    with app.extensions["modq"].session_factory() as session:
        factories.article(session)
        for n in range(6):
            comment_id = scored(session, -0.5 - n / 100, Action.REVIEW, flagged=True)
            decide_as_moderator(
                session, comment_id, session.get(Moderator, moderator.id), Action.PUBLISH
            )
    log_in(client)
    html = client.get("/review/stats").get_data(as_text=True)
    assert "published 6, rejected 0" in html
    assert "the line is\n      too strict for this site" in html
    assert "on_topic.max_flag_share: 0.0</code>" in html


@pytest.mark.parametrize(
    ("siblings", "close_to", "shown"),
    [
        (40, 12, "Close to 12 published comments on this article (of the 40 newest)."),
        (7, 1, "Close to 1 published comment on this article (of the 7 newest)."),
        (0, 0, None),  # no published comment yet: nothing to say
    ],
)
def test_the_card_says_how_close_the_comment_is_to_the_discussion(
    app: Flask,
    client: FlaskClient,
    moderator: Moderator,
    siblings: int,
    close_to: int,
    shown: str | None,
) -> None:
    comment_id = queued_comment(app, client, "A comment.")
    discussion = {"siblings": siblings, "close_to": close_to, "centroid_margin": 0.1}
    add_signal(app, comment_id, "relevance", {"on_topic": 0.9}, {"discussion": discussion})
    log_in(client)
    card = script_post(client, f"/review/comments/{comment_id}/open").get_json()["card"]
    html = " ".join(card.split())
    if shown is None:
        assert 'class="discussion"' not in html
    else:
        assert f'<p class="discussion">{shown}</p>' in html
