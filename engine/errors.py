"""What the engine refuses, by kind. The web layer maps each kind to an HTTP status in one place.

kind: not_found (the object does not exist for this caller), forbidden (exists, but not for this
caller or not in this state), conflict (someone else changed or holds it), invalid (the request itself
is wrong). `status` is kept for the JSON API, which has always answered with it.
"""
from __future__ import annotations


class WorkflowError(Exception):
    status = 400
    kind = "invalid"

    def __init__(self, message: str, **info):
        self.message = message
        self.info = info
        super().__init__(message)


class TransitionNotAllowed(WorkflowError):
    status = 403
    kind = "forbidden"


class AccessDenied(TransitionNotAllowed):
    """Refused by engine.access. With hide=True the object must look as if it did not exist."""

    def __init__(self, message: str, hide: bool = False, **info):
        super().__init__(message, **info)
        self.hide = hide
        if hide:
            self.status, self.kind = 404, "not_found"


class CommentRequired(WorkflowError):
    status = 422


class CommentInvalid(WorkflowError):
    status = 422


class GuardFailed(WorkflowError):
    status = 422


class StaleCase(WorkflowError):
    status = 409
    kind = "conflict"


class ClaimConflict(WorkflowError):
    status = 409
    kind = "conflict"
