"""The rating scale of 好差评 (GB/T 39735 政务服务评价): the one home of its dimensions, levels and rules.

Pages, the JSON API, the statistics and the tests read these; no template repeats a label.

- Four dimensions, each rated on five levels, plus 整体评价 (the overall level the national scheme asks for
  besides the dimensions: it is what 满意率 and the statistics by item, place and month count).
- A level is stored and sent as its score, 5 (非常满意) to 1 (非常不满意), as the national scheme scores them.
- A rating is bad (差评) when any of its levels, a dimension's or the overall one, is 不满意 or worse: then a
  comment is required (差评须说明原因) and a follow-up (差评整改) is opened.
- 满意率 counts 非常满意, 满意 and 基本满意 over all ratings.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    score: int
    label: str

    @property
    def satisfied(self) -> bool:
        return self.score >= SATISFIED_FROM

    @property
    def bad(self) -> bool:
        return self.score <= BAD_UP_TO


@dataclass(frozen=True)
class Dimension:
    key: str        # the ratings column and the API's field
    label: str


LEVELS = (Level(5, "非常满意"), Level(4, "满意"), Level(3, "基本满意"), Level(2, "不满意"), Level(1, "非常不满意"))
SATISFIED_FROM = 3      # 基本满意 and better count as satisfied (满意率)
BAD_UP_TO = 2           # 不满意 and worse are 差评
DIMENSIONS = (
    Dimension("efficiency", "办事效率"),
    Dimension("guide", "办事指南准确度"),
    Dimension("convenience", "办事便捷度"),
    Dimension("usability", "平台操作性"),
)
OVERALL = Dimension("overall", "整体评价")
ALL = (*DIMENSIONS, OVERALL)     # every level a rating holds, in the order pages show them
COMMENT_FIELD = "comment"
COMMENT_MAX = 500

BY_SCORE = {lv.score: lv for lv in LEVELS}
SCORES = tuple(lv.score for lv in LEVELS)


def label(score: int | None) -> str:
    level = BY_SCORE.get(score)
    return level.label if level else ""


def is_bad(scores: dict[str, int]) -> bool:
    """Whether a rating with these levels (dimension key -> score) is a 差评."""
    return any(BY_SCORE[s].bad for s in scores.values() if s in BY_SCORE)


def satisfaction(satisfied: int, total: int) -> float | None:
    """满意率 as a fraction, None when nothing was rated."""
    return satisfied / total if total else None


def as_dict() -> dict:
    """The scale as the JSON API states it."""
    return {"dimensions": [{"key": d.key, "label": d.label} for d in DIMENSIONS],
            "overall": {"key": OVERALL.key, "label": OVERALL.label},
            "levels": [{"score": lv.score, "label": lv.label, "satisfied": lv.satisfied, "bad": lv.bad}
                       for lv in LEVELS],
            "comment_max": COMMENT_MAX}
