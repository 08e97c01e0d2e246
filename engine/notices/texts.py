"""The message texts: one Chinese template per kind of notice (engine/notices/templates/<kind>.txt), filled
with the notice's parameters, and the masking of what an SMS may carry.

A template file has three sections, `[title]` (the 消息中心 line and the email subject), `[body]` (the
消息中心 text and the email body) and `[sms]` (the text registered with the SMS provider: the gateway is sent
its template id and the parameters it names, never the text). `{name}` is a parameter; a line in which any
parameter is empty is left out (so "审核意见：{comment}" appears only when there is a comment); `#` starts a
comment line. An SMS names only the parameters in SMS_PARAMS, and a person's name in it is masked (张*明).
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

from engine.masking import mask_name

SECTIONS = ("title", "body", "sms")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# What an SMS may carry: nothing that identifies a person but their masked name (no ID number, no
# mobile, no free text a reviewer typed), since a text message is read on a lock screen.
SMS_PARAMS = frozenset({"name", "item_title", "reference", "result", "action", "errors", "position_name",
                        "month", "due_on"})
MASKED_IN_SMS = frozenset({"name"})


class TemplateError(ValueError):
    """A template file that cannot be used (a test reads every one, so this never reaches a worker)."""


@dataclass(frozen=True)
class Template:
    kind: str
    sections: dict[str, str]

    def fields(self, section: str) -> list[str]:
        return list(dict.fromkeys(_PLACEHOLDER.findall(self.sections.get(section, ""))))

    def render(self, section: str, params: dict) -> str:
        """The section with its parameters filled in, leaving out each line where one of them is empty."""
        lines = []
        for line in self.sections.get(section, "").splitlines():
            names = _PLACEHOLDER.findall(line)
            if any(params.get(n) in (None, "") for n in names):
                continue
            lines.append(string.Formatter().vformat(line, (), {n: params[n] for n in names}))
        return "\n".join(lines).strip()

    def sms_params(self, params: dict) -> dict[str, str]:
        """The parameters the SMS template names, masked, as the gateway is sent them."""
        out = {}
        for n in self.fields("sms"):
            value = str(params.get(n) or "")
            out[n] = mask_name(value) if n in MASKED_IN_SMS else value
        return out


def parse(kind: str, text: str) -> Template:
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        head = re.fullmatch(r"\[([a-z]+)\]\s*", line)
        if head:
            current = head.group(1)
            if current not in SECTIONS:
                raise TemplateError(f"{kind}: unknown section [{current}]")
            sections[current] = []
        elif current is not None:
            sections[current].append(line)
        elif line.strip():
            raise TemplateError(f"{kind}: text before the first section")
    template = Template(kind, {k: "\n".join(v).strip() for k, v in sections.items()})
    for section in ("title", "body"):
        if not template.sections.get(section):
            raise TemplateError(f"{kind}: no [{section}]")
    unsafe = set(template.fields("sms")) - SMS_PARAMS
    if unsafe:
        raise TemplateError(f"{kind}: an SMS may not carry {sorted(unsafe)}")
    return template


def kinds() -> list[str]:
    folder = resources.files("engine.notices").joinpath("templates")
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".txt"))


@cache
def template(kind: str) -> Template:
    """The template of a kind of notice; templates are read once, like the definitions (restart to change)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", kind):
        raise TemplateError(f"bad template name {kind!r}")
    path = resources.files("engine.notices").joinpath("templates", f"{kind}.txt")
    if not path.is_file():
        raise TemplateError(f"no template engine/notices/templates/{kind}.txt")
    return parse(kind, path.read_text("utf-8"))
