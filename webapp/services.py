"""Per-request access to the file store and today's deadline countdown, configured from the ini."""
from __future__ import annotations

from engine.deadlines import Countdown, countdown
from engine.storage import FileStorage


def deadline_board(request) -> Countdown:
    """Today's countdown of every clock (one small calendar query), once per request; the warning window is
    the ini's jianxi.deadline_warning_days (read by webapp.make_app)."""
    board = getattr(request, "_deadline_board", None)
    if board is None:
        board = request._deadline_board = countdown(
            request.dbsession, request.registry.settings["jianxi.deadline_warning_days"])
    return board


def storage(request) -> FileStorage:
    store = request.registry.get("storage")
    if store is None:
        store = request.registry["storage"] = FileStorage(request.registry.settings["jianxi.storage_dir"])
    return store


def doom_on_abort_delete(request, key: str) -> None:
    """A file stored in a request whose transaction is rolled back must not stay behind."""
    txn = request.tm.get()
    store = storage(request)

    def cleanup(*_args):
        store.delete(key)

    txn.addAfterAbortHook(cleanup)
    txn.addAfterCommitHook(lambda ok, *_: None if ok else store.delete(key))


def restart_transaction(request) -> None:
    """Throw away everything this request wrote, and go on reading in a fresh transaction."""
    account = request.account
    request.tm.abort()
    request.tm.begin()
    if account is not None:
        # The abort closed the session; the signed-in account must stay usable for the rest of the request.
        request.dbsession.add(account)


def close_request_files(request) -> None:
    """Close the temporary files WebOb made for multipart fields and for a large body.

    Any POST may have them, not only uploads: Pyramid's CSRF check parses the form before any view
    runs. Only what was parsed is closed; nothing is parsed here."""
    parsed = request.environ.get("webob._parsed_post_vars")
    for value in parsed[0].values() if parsed else ():
        fh = getattr(value, "file", None)
        if fh is not None and not fh.closed:
            fh.close()
    body = request.environ.get("wsgi.input")
    if hasattr(body, "close") and getattr(body, "name", None) is not None:
        body.close()
