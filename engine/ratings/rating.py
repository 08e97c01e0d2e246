"""好差评: the applicant's one rating of a finished case, read back on the case's pages and in the JSON API.

- Who: the case's owner (engine.access.check_may_rate: any agent of the unit, or the individual), never staff.
- When: once the case has ended, i.e. it is in a state its workflow marks `"final": true` (for the
  review workflow 审核通过 and 审核不通过; for a batch 审核通过, the batch stored, and 已撤销, a reviewer's
  decision on it too). A draft and a case still under way are refused with a message saying why.
- Once: the unique ratings.case_id refuses a second rating, even one sent at the same moment from another
  tab (the database decides; the loser is told 该办件已评价).
- What: a level of engine/ratings/scale.py for each dimension and overall, and a comment (at most
  COMMENT_MAX characters; required when the rating is bad). A bad rating opens its follow-up
  (engine/ratings/followups.py) in the same transaction.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine import access, clock, formats
from engine.deadlines import Countdown, countdown
from engine.masking import redact_text
from engine.models import Account, Case, Rating
from engine.ratings import followups, scale
from engine.ratings.followups import RatingError
from engine.validation import FieldError

ALREADY = "该办件已评价"


def state_problem(catalogue, case: Case) -> str | None:
    """Why the case cannot be rated in its present state; None once it has ended."""
    wf = catalogue.workflows[case.workflow_key]
    if access.is_draft(case):
        return "该申请尚未提交，办结后才能评价"
    if not wf.state(case.state).get("final"):
        return f"该申请尚未办结（当前状态：{wf.label(case.state)}），办结后才能评价"
    return None


def rating_of(session, case_id: int) -> Rating | None:
    return session.scalar(select(Rating).where(Rating.case_id == case_id))


def rateable_ids(session, catalogue, cases: Iterable[Case]) -> set[int]:
    """Of these cases (one owner's page of them), those that have ended and are not rated yet: one query."""
    ended = [c.id for c in cases if state_problem(catalogue, c) is None]
    if not ended:
        return set()
    rated = set(session.scalars(select(Rating.case_id).where(Rating.case_id.in_(ended))))
    return set(ended) - rated


def _score(value, text: bool) -> int | None:
    """A level as the API sends it (an integer) or, with `text`, as a page's radio sends it (its digits);
    None for anything else."""
    if isinstance(value, bool):
        return None
    if text and isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value in scale.BY_SCORE else None


def read_input(values: Mapping, text: bool = False) -> tuple[dict[str, int], str, list[FieldError]]:
    """The levels and the comment as given, and every problem with them, each by its field."""
    scores, errors = {}, []
    for d in scale.ALL:
        raw = values.get(d.key)
        score = _score(raw, text)
        if score is None:
            errors.append(FieldError(f"/{d.key}", f"请选择“{d.label}”的评价" if raw in (None, "") else
                                     f"“{d.label}”的评价只能是：{'、'.join(lv.label for lv in scale.LEVELS)}"))
        else:
            scores[d.key] = score
    raw = values.get(scale.COMMENT_FIELD)
    comment = ""
    if raw is not None and not isinstance(raw, str):
        errors.append(FieldError(f"/{scale.COMMENT_FIELD}", "评价说明须为文字"))
    elif raw is not None and len(raw) > scale.COMMENT_MAX:
        # Counted as sent, so a client is refused exactly what the API document says is too long.
        errors.append(FieldError(f"/{scale.COMMENT_FIELD}", f"评价说明最多{scale.COMMENT_MAX}字（现为{len(raw)}字）"))
    else:
        comment = formats.drop_control_chars(raw or "").strip()
        if not comment and scale.is_bad(scores):
            errors.append(FieldError(f"/{scale.COMMENT_FIELD}", "评价为“不满意”或“非常不满意”时，请说明原因"))
    return scores, comment, errors


def rate(session, catalogue, case: Case, account: Account, values: Mapping, text: bool = False) -> Rating:
    """The owner's rating of an ended case (levels as integers; `text`: as a page's form sends them); a bad
    one opens its follow-up. Raises RatingError (or engine.errors.AccessDenied for someone who may not rate
    the case at all)."""
    access.check_may_rate(account, case)
    if problem := state_problem(catalogue, case):
        # Not the caller's fault but the case's state, as with a second rating: a conflict, not a refusal.
        raise RatingError(problem, "conflict")
    if rating_of(session, case.id) is not None:
        raise RatingError(ALREADY, "conflict")
    scores, comment, errors = read_input(values, text)
    if errors:
        raise RatingError(f"评价未提交，请修改{len(errors)}处错误", errors=errors)
    now = clock.utcnow()
    rating = Rating(case_id=case.id, item_key=case.item_key, account_id=account.id, unit_id=case.unit_id,
                    city_code=case.city_code, county_code=case.county_code, **scores, comment=comment or None,
                    bad=scale.is_bad(scores), rated_at=now, rated_month=clock.month_of(clock.to_beijing(now).date()))
    try:
        # Two tabs at once: the unique case_id lets one through; the other's savepoint is rolled back.
        with session.begin_nested():
            session.add(rating)
    except IntegrityError:
        raise RatingError(ALREADY, "conflict") from None
    if rating.bad:
        followups.open_followup(session, catalogue, rating, case, account)
    return rating


# ---- reading it back -----------------------------------------------------------------

def rating_panel(session, catalogue, case: Case, account: Account | None,
                 board: Countdown | None = None) -> dict:
    """What a case's page shows of its rating: the rating (read-only) with its follow-up, or whether and
    why not it may be rated now. Staff read the comment with ID numbers masked."""
    rating = rating_of(session, case.id)
    problem = state_problem(catalogue, case)
    panel = {"rating": None, "rateable": rating is None and problem is None and access.owns(account, case),
             "reason": ALREADY if rating is not None else problem}
    if rating is None:
        return panel
    board = board or countdown(session)
    found = followups.of_rating(session, rating.id)
    owner = access.owns(account, case)
    panel["rating"] = {
        "levels": [{"key": d.key, "label": d.label, "score": getattr(rating, d.key),
                    "level": scale.label(getattr(rating, d.key)), "bad": scale.BY_SCORE[getattr(rating, d.key)].bad}
                   for d in scale.ALL],
        "comment": rating.comment if owner else redact_text(rating.comment) or None,
        "bad": rating.bad, "rated_at": rating.rated_at,
        "followup": followups.summary(found, followups.status_of(found, board) if found else None),
    }
    return panel


def rating_document(session, catalogue, case: Case, account: Account | None,
                    board: Countdown | None = None) -> dict:
    """The JSON API's body of a case's rating (GET and the answer to POST /api/cases/{id}/rating)."""
    panel = rating_panel(session, catalogue, case, account, board)
    shown = panel["rating"]
    rating = None
    if shown is not None:
        rating = {**{lv["key"]: lv["score"] for lv in shown["levels"]}, "comment": shown["comment"],
                  "bad": shown["bad"], "rated_at": clock.isoformat(shown["rated_at"]),
                  "followup": followups.summary_json(shown["followup"])}
    return {"case_id": case.id, "rateable": panel["rateable"], "reason": panel["reason"], "rating": rating,
            "scale": scale.as_dict()}
