"""Reading a definition folder: each file as a document with its meta-schema report (engine/metaschema/),
and the Problem every check reports."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from jsonschema import Draft202012Validator


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path or '/'}: {self.message}"


def pointer(parts) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in parts)


def _metaschema(name: str) -> Draft202012Validator:
    text = resources.files("engine.metaschema").joinpath(f"{name}.json").read_text("utf-8")
    return Draft202012Validator(json.loads(text))


def _read_json(path: Path, name: str, problems: list[Problem]) -> dict | None:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except UnicodeDecodeError:
        problems.append(Problem(name, "", "文件不是 UTF-8 编码"))
        return None
    except json.JSONDecodeError as e:
        problems.append(Problem(name, "", f"JSON 语法错误：第{e.lineno}行第{e.colno}列：{e.msg}"))
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(name, "", "顶层须为 JSON 对象"))
        return None
    return raw


@dataclass
class Doc:
    """One definition file as read, with where its meta-schema errors point. Every later check reads only
    the parts that are sound, so one run reports all problems without echoing a broken part as others."""
    name: str
    stem: str
    raw: dict
    bad: list[tuple] = field(default_factory=list)

    @property
    def key(self) -> str:
        key = self.raw.get("key")
        return key if isinstance(key, str) else self.stem

    def part(self, *path):
        node = self.raw
        for p in path:
            if isinstance(node, dict) and isinstance(p, str) and p in node:
                node = node[p]
            elif isinstance(node, list) and isinstance(p, int) and 0 <= p < len(node):
                node = node[p]
            else:
                return None
        return node

    def sound(self, *path) -> bool:
        """The part exists and the meta-schema found nothing wrong at or below it."""
        return self.part(*path) is not None and not any(tuple(b[:len(path)]) == path for b in self.bad)


def _meta_problems(validator: Draft202012Validator, doc: Doc) -> list[Problem]:
    errors = sorted(validator.iter_errors(doc.raw), key=lambda e: list(map(str, e.absolute_path)))
    doc.bad = [tuple(e.absolute_path) for e in errors]
    return [Problem(doc.name, pointer(e.absolute_path), e.message) for e in errors]


def read_folder(folder: Path, prefix: str, metaschema: str,
                problems: list[Problem]) -> tuple[list[Doc], dict[str, Doc], set[str]]:
    """Every readable file of one folder with its report against the named meta-schema, the files by key, and
    every key the folder holds (a file that cannot even be read still holds the key of its name: nothing calls
    it missing)."""
    meta = _metaschema(metaschema)
    docs: list[Doc] = []
    present: set[str] = set()
    for path in sorted(Path(folder).glob("*.json")):
        name = f"{prefix}/{path.name}"
        present.add(path.stem)
        raw = _read_json(path, name, problems)
        if raw is None:
            continue
        doc = Doc(name, path.stem, raw)
        problems += _meta_problems(meta, doc)
        present.add(doc.key)
        if doc.sound("key") and raw["key"] != path.stem:
            problems.append(Problem(name, "/key", f"key“{raw['key']}”须与文件名“{path.stem}”一致"))
        docs.append(doc)
    by_key: dict[str, Doc] = {}
    for doc in docs:
        by_key.setdefault(doc.key, doc)
    return docs, by_key, present
