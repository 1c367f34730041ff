"""The fixed vocabulary of reasons, each with a sentence a site can show the commenter.

A decision's reasons carry a code from this list, the sentence for the commenter, and a
detail for moderators (which score, which word, which threshold).
"""

from __future__ import annotations

PUBLIC = {
    "clean": "Your comment was published.",
    "trusted": "Your comment was published.",
    "offensive": "Your comment contains offensive language.",
    "abusive": "Your comment appears abusive.",
    "insult": "Your comment appears to insult someone.",
    "threat": "Your comment appears to contain a threat.",
    "hate_speech": "Your comment appears to attack people for who they are.",
    "sexual_content": "Your comment appears to contain sexual content.",
    "spam": "Your comment looks like spam or part of a coordinated campaign.",
    "banned_word": "Your comment uses a word that is not allowed here.",
    "suspect_word": "Your comment uses a word a moderator should look at.",
    "links": "Comments with links are checked by a moderator first.",
    "off_topic": "Your comment does not appear to be about the article or the discussion.",
    "repeat": "Your comment repeats one you posted before.",
    "rate_limit": "You are posting faster than we can accept; a moderator will look.",
    "pre_moderated": "Comments here are checked by a moderator before they are published.",
    "identity_bias": "A moderator will check this comment, as automatic checks can misjudge "
    "comments that mention religions, nationalities or other groups.",
    "language": "A moderator will read this comment, as our automatic checks do not read "
    "its language.",
    "check_failed": "A moderator will check this comment, as an automatic check did not run.",
    "moderator": "A moderator decided on your comment.",
    "banned": "You can no longer comment here.",
    "suspended": "You cannot comment here for now: your account is suspended.",
    "held": "Moderators are away: your comment is held and will be checked when they are back.",
}

# Which Detoxify label each reason code covers.
LABEL_CODES = {
    "toxicity": "abusive",
    "severe_toxicity": "abusive",
    "obscene": "offensive",
    "insult": "insult",
    "threat": "threat",
    "identity_attack": "hate_speech",
    "sexual_explicit": "sexual_content",
}
ABUSE_CODES = frozenset(LABEL_CODES.values())


def public_sentence(code: str) -> str:
    """The sentence for commenters (codes outside the vocabulary get a neutral one)."""
    return PUBLIC.get(code, "A moderator will look at your comment.")
