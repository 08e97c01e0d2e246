"""Per-request access to the file store, configured from the ini."""
from __future__ import annotations

from engine.storage import FileStorage


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


def close_uploads(request) -> None:
    """Close the temporary files WebOb made for multipart fields (and a large body) once the response is out."""
    def close(req):
        for value in req.POST.values() if req.method == "POST" else ():
            fh = getattr(value, "file", None)
            if fh is not None and not fh.closed:
                fh.close()
        body = req.environ.get("wsgi.input")
        if hasattr(body, "close") and getattr(body, "name", None) is not None:
            body.close()
    request.add_finished_callback(close)
