"""Conditional required: the one form of JSON Schema `if`/`then`/`else` the form page can show (a field
equal to one of some values), checked against the item's fields."""
from __future__ import annotations

from engine.definitions.reading import Problem


IF_FORM = '{"properties": {"字段": {"const": 值} 或 {"enum": [值, …]}}, "required": ["字段"]}'


def check_conditional(name: str, at: str, part: dict, props: dict) -> list[Problem]:
    """Conditions the form page can show (server-rendered and live): a field equal to one of some values."""
    out = []
    cond = part.get("if")
    if not isinstance(cond, dict):
        return [Problem(name, at, "then/else 须与 if 一起使用" if cond is None else f"if 须为 {IF_FORM}")]
    if set(cond) - {"properties", "required"} or not isinstance(cond.get("properties"), dict) \
            or not cond["properties"]:
        out.append(Problem(name, f"{at}/if", f"条件只支持 {IF_FORM} 的形式"))
    else:
        required = cond.get("required") if isinstance(cond.get("required"), list) else []
        for key, test in cond["properties"].items():
            where = f"{at}/if/properties/{key}"
            if key not in props:
                out.append(Problem(name, where, f"字段“{key}”不在 schema.properties 中"))
            if not isinstance(test, dict) or len(test) != 1 or not (
                    "const" in test or isinstance(test.get("enum"), list)):
                out.append(Problem(name, where, "条件字段只支持 {\"const\": 值} 或 {\"enum\": [值, …]}"))
            if key not in required:
                out.append(Problem(name, where, f"字段“{key}”须同时列入 if.required：否则它未填写时条件也成立"))
        for j, key in enumerate(required):
            if key not in cond["properties"]:
                out.append(Problem(name, f"{at}/if/required/{j}", f"if.required 只能列出 if.properties 中的字段，“{key}”不在其中"))
    if "then" not in part and "else" not in part:
        out.append(Problem(name, at, "if 须配有 then 或 else"))
    for branch in ("then", "else"):
        sub = part.get(branch)
        if branch in part and not isinstance(sub, dict):
            out.append(Problem(name, f"{at}/{branch}", f"{branch} 须为 JSON 对象"))
            continue
        required = (sub or {}).get("required")
        for j, key in enumerate(required if isinstance(required, list) else []):  # else: check_schema says so
            if key not in props:
                out.append(Problem(name, f"{at}/{branch}/required/{j}", f"必填字段“{key}”不在 properties 中"))
    return out
