"""Performance ratings for the nine-box as people write them, in English or Indonesian.

Dependency-free so that any import (the roster, the performance file) can read ratings.
"""

from __future__ import annotations

import re

from item_bank.values import cell_text

RATINGS = ("below", "meets", "above")

# Spaces, hyphens and underscores are ignored: "Di atas ekspektasi" reads as "diatasekspektasi".
RATING_WORDS = {
    "below": "below",
    "belowexpectations": "below",
    "dibawahekspektasi": "below",
    "meets": "meets",
    "meetsexpectations": "meets",
    "sesuaiekspektasi": "meets",
    "above": "above",
    "aboveexpectations": "above",
    "diatasekspektasi": "above",
}


def parse_rating(value: object) -> str | None:
    """``below | meets | above`` from English or Indonesian wording; None when not a rating."""
    text = cell_text(value)
    return None if text is None else RATING_WORDS.get(re.sub(r"[\s_\-]+", "", text.casefold()))
