"""What the engine refuses, by kind. The web layer maps each kind to an HTTP status in one place
(webapp/responses.py), so no engine module speaks HTTP.

kind: not_found (the object does not exist for this caller), forbidden (exists, but not for this caller
or not in this state), conflict (someone else changed or holds it), invalid (the data is wrong),
bad_request (the request itself is malformed), too_large, unsupported (a file of the wrong type),
throttled (too many attempts: try again later).
"""
from __future__ import annotations

KINDS = ("invalid", "bad_request", "not_found", "forbidden", "conflict", "too_large", "unsupported", "throttled")


class EngineError(Exception):
    """A refusal with a Chinese message for the person, and its kind."""
    kind = "invalid"

    def __init__(self, message: str, kind: str | None = None, **info):
        if kind is not None:
            if kind not in KINDS:
                raise ValueError(f"unknown error kind {kind!r}")
            self.kind = kind
        self.message = message
        self.info = info
        super().__init__(message)


class WorkflowError(EngineError):
    kind = "bad_request"


class TransitionNotAllowed(WorkflowError):
    kind = "forbidden"


class AccessDenied(TransitionNotAllowed):
    """Refused by engine.access. With hide=True the object must look as if it did not exist."""

    def __init__(self, message: str, hide: bool = False, **info):
        super().__init__(message, "not_found" if hide else "forbidden", **info)
        self.hide = hide


class CommentRequired(WorkflowError):
    kind = "invalid"


class CommentInvalid(WorkflowError):
    kind = "invalid"


class GuardFailed(WorkflowError):
    kind = "invalid"


class StaleCase(WorkflowError):
    kind = "conflict"


class ClaimConflict(WorkflowError):
    kind = "conflict"


class CaseExists(WorkflowError):
    """A second case of an item held once (`change`): one is in progress, or one is in force and this is not
    a change of it. info: case_id (the existing case), reference, state; change=True when 申请变更 is the way."""
    kind = "conflict"


class DefinitionGone(EngineError, LookupError):
    """The item a case belongs to is no longer defined (and no snapshot of it was kept: it was never submitted)."""
    kind = "not_found"
