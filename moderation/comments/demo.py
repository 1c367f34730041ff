"""A demo article and comments, written for this project on the pattern of real news threads.

The article is a diplomatic story; the comments are the cases a moderator meets every day: a
comment that generalises about a country and a religion, a reply that argues back with insults,
a plainly fine comment, a plainly off-topic one and a spam link.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_ARTICLE_ID = "demo-diplomacy-2026"

DEMO_ARTICLE = {
    "title": "After cancelled summit, Ankara sends foreign minister to Athens to mend ties",
    "url": "https://news.example.org/world/ankara-athens-foreign-minister-visit",
    "section": "World",
    "body": (
        "ATHENS: Turkey's foreign minister will travel to Athens on Thursday for two days of "
        "talks, officials said, in what diplomats describe as an effort to limit the damage "
        "after the Turkish president postponed a planned summit with the Greek prime minister "
        "last month.\n\n"
        "A spokesperson for the Greek foreign ministry said the visit would focus on energy "
        "cooperation in the eastern Mediterranean, maritime boundaries, migration and trade, and "
        "that both sides wanted to keep the dialogue open despite the postponed summit.\n\n"
        "At the same time, Greece's chief of defence staff is expected in Ankara for meetings with "
        "his Turkish counterpart, part of a confidence-building programme the two NATO allies "
        "agreed in the spring.\n\n"
        "Analysts said the dispute over gas exploration near the islands remains the main "
        "obstacle. 'Both governments need a deal on energy and neither can afford a crisis at "
        "sea,' said a professor of international relations at the University of Athens.\n\n"
        "A joint economic commission met in Thessaloniki last week and discussed proposals on "
        "tourism, shipping, agriculture and investment, according to a ministry statement."
    ),
}


@dataclass(frozen=True)
class DemoComment:
    """A demo comment; `reply_to` names the demo comment it answers."""

    key: str
    author_id: str
    author_name: str
    body: str
    reply_to: str | None = None


DEMO_COMMENTS = (
    DemoComment(
        "generaliser",
        "reader-1041",
        "Plain Speaker",
        "Talks will change nothing. Turkey has always been a breeding ground for Islamist "
        "extremism and Muslims there will never accept a Christian neighbour as an equal. Greece "
        "should stop pretending this is diplomacy and close the border to all of them.",
    ),
    DemoComment(
        "insulting-reply",
        "reader-2210",
        "Aegean Voice",
        "@Plain Speaker stick to the article, which is about energy and maritime talks. Your "
        "hatred of Muslims is pathetic and you clearly know nothing about either country, you "
        "ignorant bigot. Millions of Turks and Greeks trade and holiday together every year.",
        reply_to="generaliser",
    ),
    DemoComment(
        "fine",
        "reader-3307",
        "M. Katsaros",
        "Good that the foreign ministers are talking again after the postponed summit. An energy "
        "deal on gas exploration in the eastern Mediterranean would matter more for both "
        "economies than any number of speeches.",
    ),
    DemoComment(
        "off-topic",
        "reader-4480",
        "Bread Baker",
        "Does anyone have a reliable recipe for banana bread? Mine always comes out dry in the "
        "middle and burnt on top, whatever oven temperature I try.",
    ),
    DemoComment(
        "spam",
        "reader-5512",
        "Best Deals",
        "Earn 500 euros a day working from home!!! Visit http://cheap-deals.example.com now "
        "and click the link to start.",
    ),
)


@dataclass(frozen=True)
class DemoReader:
    """A reader of the demo site that the /demo page signs a token for."""

    key: str
    id: str
    name: str


# Only these readers: /demo signs their tokens for anyone who opens it, so its readers are
# demo accounts, never a site's real readers.
DEMO_READERS = (
    DemoReader("ana", "demo-reader-ana", "Ana (demo reader)"),
    DemoReader("ben", "demo-reader-ben", "Ben (demo reader)"),
    DemoReader("chloe", "demo-reader-chloe", "Chloé (demo reader)"),
    DemoReader("dev", "demo-reader-dev", "Dev (demo reader)"),
)
