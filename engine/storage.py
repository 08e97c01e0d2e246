"""Attachment store: a folder outside the web root, files under random names; the kinds of file it keeps
(what each kind is, from its content, is engine.filecheck's to say)."""
from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "jpeg": ("image/jpeg", ".jpg"),
    "png": ("image/png", ".png"),
}
KIND_NAMES = {"pdf": "PDF", "jpeg": "JPG", "png": "PNG"}


@dataclass(frozen=True)
class Stored:
    key: str
    size: int
    sha256: str


class FileStorage:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        # Keys are ours (hex), never a user's file name; refuse anything else.
        if not key or not all(c in "0123456789abcdef" for c in key) or len(key) != 32:
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> Stored:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a crash never leaves a half file under a live key.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".up-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Stored(key, len(data), hashlib.sha256(data).hexdigest())

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def path(self, key: str) -> Path:
        return self._path(key)

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).exists()
        except ValueError:
            return False

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
