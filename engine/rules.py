"""Named rules, guards and effects that definitions refer to. Nothing is ever eval'd."""
from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Iterable

from engine import clock, formats
from engine.regions import RegionTable, load_regions


@dataclass
class RuleContext:
    """What rules may look at besides the data itself."""
    today: date = field(default_factory=clock.today)   # the Beijing date
    regions: RegionTable = field(default_factory=load_regions)
    session: Any = None          # SQLAlchemy session, for cross-record rules
    unit_id: int | None = None
    item: Any = None              # ItemDefinition
    labels: dict[str, str] = field(default_factory=dict)

    def label(self, key: str) -> str:
        return self.labels.get(key, key)


@dataclass(frozen=True)
class RuleSpec:
    fn: Callable
    fields: tuple[str, ...]          # params naming one field
    field_lists: tuple[str, ...] = ()  # params naming a list of fields
    required: tuple[str, ...] = ()   # other params that must be present


class Registry(dict):
    def register(self, name: str, fields=(), field_lists=(), required=()):
        def deco(fn):
            self[name] = RuleSpec(fn, tuple(fields), tuple(field_lists), tuple(required))
            return fn
        return deco

    def check_spec(self, spec: dict, props: dict) -> list[tuple[str, str]]:
        """Problems with one rule entry of a definition, as (json path suffix, message)."""
        name = spec.get("rule")
        rule = self.get(name)
        if rule is None:
            return [("/rule", f"未注册的规则“{name}”")]
        out = []
        for p in rule.fields + rule.field_lists + rule.required:
            if p not in spec:
                out.append(("", f"规则“{name}”缺少参数“{p}”"))
        for p in rule.fields:
            if p in spec and spec[p] not in props:
                out.append((f"/{p}", f"字段“{spec[p]}”不在 schema.properties 中"))
        for p in rule.field_lists:
            for i, key in enumerate(spec.get(p, [])):
                if key not in props:
                    out.append((f"/{p}/{i}", f"字段“{key}”不在 schema.properties 中"))
        return out


ROW_RULES = Registry()    # fn(data, spec, ctx) -> [(field, message)]
BATCH_RULES = Registry()  # fn(rows, spec, ctx) -> [(row_index, field, message)]
GUARDS: dict[str, Callable] = {}   # fn(case, ctx) -> message | None
EFFECTS: dict[str, Callable] = {}  # fn(case, ctx) -> None


def _present(data: dict, *keys) -> bool:
    # A plain loop: this runs for every row and rule of a 100k-row batch.
    for k in keys:
        v = data.get(k)
        if v is None or v == "":
            return False
    return True


_DATES: dict[str, date | None] = {}


def _as_date(v) -> date | None:
    # A batch of 100k rows repeats a few hundred date texts and every rule asks again: parse each text once.
    if v.__class__ is str:
        d = _DATES.get(v, _DATES)
        if d is _DATES:
            if len(_DATES) > 8192:
                _DATES.clear()
            d = _DATES[v] = formats.parse_date_text(v)
        return d
    if isinstance(v, date):
        return v
    return formats.parse_date_text(v)


# Pure date arithmetic on the few distinct agreement dates of a batch, asked for once per row.
_months_between = lru_cache(maxsize=8192)(formats.months_between)
_add_months = lru_cache(maxsize=8192)(formats.add_months)


# ---- rules on one record -------------------------------------------------

@ROW_RULES.register("equals_field", fields=("field", "other"))
def equals_field(data, spec, ctx):
    f, o = spec["field"], spec["other"]
    if _present(data, f, o) and data[f] != data[o]:
        yield f, spec.get("message") or f"{ctx.label(f)}须与{ctx.label(o)}一致（{ctx.label(o)}：{data[o]}）"


@ROW_RULES.register("lte_field", fields=("field", "other"))
def lte_field(data, spec, ctx):
    f, o = spec["field"], spec["other"]
    if _present(data, f, o) and isinstance(data[f], (int, float)) and isinstance(data[o], (int, float)) \
            and data[f] > data[o]:
        yield f, spec.get("message") or f"{ctx.label(f)}不能大于{ctx.label(o)}（{data[o]}）"


@ROW_RULES.register("confirm_equals", fields=("field", "confirm"))
def confirm_equals(data, spec, ctx):
    f, c = spec["field"], spec["confirm"]
    if _present(data, f) and data.get(c) != data[f]:
        yield c, spec.get("message") or f"两次输入的{ctx.label(f)}不一致，请重新输入"


@ROW_RULES.register("county_in_city", fields=("city", "county"))
def county_in_city(data, spec, ctx):
    city, county = spec["city"], spec["county"]
    if _present(data, city, county) and not ctx.regions.county_in_city(data[county], data[city]):
        yield county, spec.get("message") or \
            f"{ctx.label(county)}不属于所选的{ctx.regions.label(data[city]) or ctx.label(city)}，请重新选择"


@ROW_RULES.register("date_order", fields=("start", "end"))
def date_order(data, spec, ctx):
    s, e = spec["start"], spec["end"]
    ds, de = _as_date(data.get(s)), _as_date(data.get(e))
    if ds and de and de < ds:
        yield e, spec.get("message") or f"{ctx.label(e)}不能早于{ctx.label(s)}"


@ROW_RULES.register("date_not_future", fields=("field",))
def date_not_future(data, spec, ctx):
    d = _as_date(data.get(spec["field"]))
    if d and d > ctx.today:
        yield spec["field"], spec.get("message") or f"{ctx.label(spec['field'])}不能晚于今天"


@ROW_RULES.register("date_not_past", fields=("field",))
def date_not_past(data, spec, ctx):
    d = _as_date(data.get(spec["field"]))
    if d and d < ctx.today:
        yield spec["field"], spec.get("message") or f"{ctx.label(spec['field'])}不能早于今天"


@ROW_RULES.register("month_not_future", fields=("field",))
def month_not_future(data, spec, ctx):
    m = data.get(spec["field"])
    if m and isinstance(m, str) and m > ctx.today.strftime("%Y-%m"):
        yield spec["field"], spec.get("message") or f"{ctx.label(spec['field'])}不能晚于本月"


@ROW_RULES.register("months_between", fields=("start", "end"), required=("min", "max"))
def months_between(data, spec, ctx):
    s, e = spec["start"], spec["end"]
    ds, de = _as_date(data.get(s)), _as_date(data.get(e))
    if ds and de and de >= ds:
        n = _months_between(ds, de)
        if n < spec["min"] - 1e-9 or n > spec["max"] + 1e-9:
            yield e, spec.get("message") or \
                f"协议期限须为{spec['min']}至{spec['max']}个月，当前约{n:.1f}个月，请调整{ctx.label(e)}"


@ROW_RULES.register("min_wage", fields=("field", "county"))
def min_wage(data, spec, ctx):
    f, c = spec["field"], spec["county"]
    if _present(data, f, c) and isinstance(data[f], (int, float)):
        floor = ctx.regions.minimum_wage(data[c])
        if floor and data[f] < floor:
            yield f, spec.get("message") or \
                f"{ctx.label(f)}不能低于{ctx.regions.label(data[c])}最低工资标准{floor}元/月"


@ROW_RULES.register("required_unless", fields=("field", "other"), required=("values",))
def required_unless(data, spec, ctx):
    f, o = spec["field"], spec["other"]
    if _present(data, o) and data[o] not in spec["values"] and not _present(data, f):
        yield f, spec.get("message") or f"{ctx.label(o)}为“{data[o]}”时须填写{ctx.label(f)}"


@ROW_RULES.register("date_in_month", fields=("field", "month"))
def date_in_month(data, spec, ctx):
    f, m = spec["field"], spec["month"]
    d = _as_date(data.get(f))
    if d and _present(data, m) and d.strftime("%Y-%m") != data[m]:
        yield f, spec.get("message") or f"{ctx.label(f)}须在{ctx.label(m)}（{data[m]}）之内"


@ROW_RULES.register("sum_equals", fields=("total",), field_lists=("fields",))
def sum_equals(data, spec, ctx):
    parts, total = spec["fields"], spec["total"]
    if _present(data, total, *parts):
        if sum(data[p] for p in parts) != data[total]:
            names = "+".join(ctx.label(p) for p in parts)
            yield parts[0], spec.get("message") or f"{names}须等于{ctx.label(total)}（{data[total]}天）"


@ROW_RULES.register("lte_days_in_month", fields=("field", "month"))
def lte_days_in_month(data, spec, ctx):
    f, m = spec["field"], spec["month"]
    if _present(data, f, m) and isinstance(data[f], int):
        try:
            y, mo = map(int, data[m].split("-"))
        except ValueError:
            return
        days = calendar.monthrange(y, mo)[1]
        if data[f] > days:
            yield f, spec.get("message") or f"{ctx.label(f)}不能超过{data[m]}的天数（{days}天）"


# ---- rules across the rows of one batch and the records already stored ----

def _rows_with(rows, *keys) -> list:
    """The rows where every one of these fields is filled (a comprehension: it runs over 100k rows per rule)."""
    if len(keys) == 1:
        k, = keys
        return [r for r in rows if r[1].get(k) not in _EMPTY]
    if len(keys) == 2:
        k, m = keys
        return [r for r in rows if r[1].get(k) not in _EMPTY and r[1].get(m) not in _EMPTY]
    if len(keys) == 3:
        k, m, n = keys
        return [r for r in rows
                if r[1].get(k) not in _EMPTY and r[1].get(m) not in _EMPTY and r[1].get(n) not in _EMPTY]
    return [r for r in rows if _present(r[1], *keys)]


_EMPTY = (None, "")


@BATCH_RULES.register("unique_in_file", field_lists=("fields",))
def unique_in_file(rows, spec, ctx):
    keys = spec["fields"]
    first: dict[tuple, int] = {}
    for i, data in _rows_with(rows, *keys):
        k = tuple(data[f] for f in keys)
        if k in first:
            what = "、".join(ctx.label(f) for f in keys)
            yield i, keys[0], spec.get("message") or f"{what}与第{first[k]}行重复"
        else:
            first[k] = i


def _load_positions(ctx):
    from sqlalchemy import select

    from engine.models import Position
    if ctx.session is None or ctx.unit_id is None:
        return {}
    rows = ctx.session.execute(select(Position.id, Position.name, Position.status, Position.matched,
                                      Position.openings, Position.period_months, Position.county_code)
                               .where(Position.unit_id == ctx.unit_id)).all()
    out = {}
    for r in rows:
        p = PositionRef(*r)
        out[str(p.id)] = p
        out.setdefault(p.name, p)
    return out


@dataclass(frozen=True, slots=True)
class PositionRef:
    """What the batch rules and the writer need of a position: plain values, not an ORM object read 100k times."""
    id: int
    name: str
    status: str
    matched: int
    openings: int
    period_months: int
    county_code: str


@BATCH_RULES.register("position_of_unit", fields=("field",))
def position_of_unit(rows, spec, ctx):
    f = spec["field"]
    positions = _load_positions(ctx)
    used: dict[int, int] = defaultdict(int)
    for i, data in _rows_with(rows, f):
        value = str(data[f])
        p = positions.get(value) or positions.get(value.split(" ", 1)[0])
        if p is None:
            yield i, f, f"“{value}”不是本单位审核通过的见习岗位，请从下拉列表中选择"
            continue
        if p.status != "open":
            yield i, f, f"岗位“{p.name}”已停止招募"
            continue
        used[p.id] += 1
        if p.matched + used[p.id] > p.openings:
            yield i, f, f"岗位“{p.name}”招募人数{p.openings}人，已匹配{p.matched}人，名额不足"
        data["__position"] = p


@BATCH_RULES.register("agreement_fits_position", fields=("start", "end", "allowance"))
def agreement_fits_position(rows, spec, ctx):
    s, e, a = spec["start"], spec["end"], spec["allowance"]
    verdicts: dict[tuple, list] = {}  # a batch repeats a few (position, dates, allowance) combinations
    for i, data in rows:
        p = data.get("__position")
        if p is None:
            continue
        key = (id(p), data.get(s), data.get(e), data.get(a))
        found = verdicts.get(key)
        if found is None:
            found = verdicts[key] = list(_fits_position(p, key[1], key[2], key[3], spec, ctx))
        for field_, message in found:
            yield i, field_, message


def _fits_position(p, start, end, allowance, spec, ctx):
    ds, de = _as_date(start), _as_date(end)
    if ds and de and de >= ds and _months_between(ds, de) > p.period_months + 1e-9:
        yield spec["end"], f"协议期限超过岗位“{p.name}”的见习期限（{p.period_months}个月）"
    floor = ctx.regions.minimum_wage(p.county_code)
    if isinstance(allowance, (int, float)) and floor and allowance < floor:
        yield spec["allowance"], \
            f"{ctx.label(spec['allowance'])}不能低于{ctx.regions.label(p.county_code)}最低工资标准{floor}元/月"


def _agreements(ctx, id_numbers, own_unit_only: bool, with_data: bool = True):
    """Active matched agreements of these people, by ID number (in chunks: SQLite caps bound parameters)."""
    from sqlalchemy import select

    from engine.models import BatchRow
    found = defaultdict(list)
    if ctx.session is None or not id_numbers or (own_unit_only and ctx.unit_id is None):
        return found
    ids = sorted(id_numbers)
    columns = [BatchRow.id_number, BatchRow.unit_id, BatchRow.start_date, BatchRow.end_date]
    if with_data:  # the stored rows' JSON is only needed to compare names; decoding it is not free
        columns.append(BatchRow.data)
    for chunk in range(0, len(ids), 900):
        stmt = select(*columns).where(BatchRow.item_key == "match_report", BatchRow.active.is_(True),
                                           BatchRow.id_number.in_(ids[chunk:chunk + 900]))
        if own_unit_only:
            stmt = stmt.where(BatchRow.unit_id == ctx.unit_id)
        for row in ctx.session.execute(stmt):
            found[row.id_number].append(row)
    return found


@BATCH_RULES.register("no_overlapping_agreement", fields=("id_field", "start", "end"))
def no_overlapping_agreement(rows, spec, ctx):
    f, s, e = spec["id_field"], spec["start"], spec["end"]
    present = list(_rows_with(rows, f, s, e))
    existing = _agreements(ctx, {d[f] for _, d in present}, own_unit_only=False, with_data=False)
    if not existing:
        return
    for i, data in present:
        others = existing.get(data[f])
        if not others:
            continue
        ds, de = _as_date(data[s]), _as_date(data[e])
        if not (ds and de):
            continue
        for other in others:
            if other.unit_id == ctx.unit_id and other.start_date == ds:
                continue  # the same agreement reported again: replaced, not overlapping
            if other.start_date <= de and ds <= other.end_date:
                yield i, s, (f"该人员已有{other.start_date:%Y-%m-%d}至{other.end_date:%Y-%m-%d}的见习协议，"
                             "协议期间不能重叠")
                break


@BATCH_RULES.register("category_age", fields=("category", "id_field", "start"), required=("value", "min", "max"))
def category_age(rows, spec, ctx):
    for i, data in _rows_with(rows, spec["category"], spec["id_field"], spec["start"]):
        if data[spec["category"]] != spec["value"]:
            continue
        birth, start = formats.id_birth_date(data[spec["id_field"]]), _as_date(data[spec["start"]])
        if birth and start:
            age = formats.age_on(birth, start)
            if not spec["min"] <= age <= spec["max"]:
                yield i, spec["category"], \
                    f"人员类别为“{spec['value']}”时，协议开始日年龄须在{spec['min']}至{spec['max']}岁之间（当前{age}岁）"


@BATCH_RULES.register("graduated_within", fields=("category", "graduated", "start"), required=("values", "years"))
def graduated_within(rows, spec, ctx):
    c, g, s = spec["category"], spec["graduated"], spec["start"]
    values = frozenset(spec["values"])
    verdicts: dict[tuple, str | None] = {}  # few distinct (category, graduation, start) combinations
    for i, data in _rows_with(rows, c, g, s):
        category = data[c]
        if category not in values:
            continue
        key = (category, data[g], data[s])
        if key not in verdicts:
            verdicts[key] = _graduation_problem(*key, spec, ctx)
        if verdicts[key]:
            yield i, g, verdicts[key]


def _graduation_problem(category, graduated, start, spec, ctx) -> str | None:
    grad, start = _as_date(graduated), _as_date(start)
    if grad and start:
        if grad > start:
            return f"{ctx.label(spec['graduated'])}不能晚于协议开始日期"
        if _add_months(grad, 12 * spec["years"]) < start:
            return f"人员类别为“{category}”时，须在毕业{spec['years']}年内开始见习"
    return None


@BATCH_RULES.register("on_roster", fields=("id_field", "name_field", "month"))
def on_roster(rows, spec, ctx):
    f, n, m = spec["id_field"], spec["name_field"], spec["month"]
    present = list(_rows_with(rows, f, m))
    roster = _agreements(ctx, {d[f] for _, d in present}, own_unit_only=True)
    this_month = ctx.today.strftime("%Y-%m")
    for i, data in present:
        agreements = roster.get(data[f])
        if not agreements:
            yield i, f, "该人员不在本单位已上报的见习匹配名单中，请先上报见习匹配结果"
            continue
        if data.get(n) and all(a.data.get("name") != data[n] for a in agreements):
            yield i, n, "姓名与见习匹配名单中的姓名不一致"
        month = data[m]
        if month > this_month:
            yield i, m, f"{ctx.label(m)}不能晚于本月"
        elif not any(a.start_date.strftime("%Y-%m") <= month <= a.end_date.strftime("%Y-%m") for a in agreements):
            a = agreements[0]
            yield i, m, (f"{ctx.label(m)}不在该人员的见习协议期内"
                         f"（{a.start_date:%Y-%m-%d}至{a.end_date:%Y-%m-%d}）")


# ---- workflow guards and effects ------------------------------------------

@dataclass
class TransitionContext:
    session: Any
    catalogue: Any
    actor: Any
    today: date = field(default_factory=clock.today)   # the Beijing date


def guard(name):
    def deco(fn):
        GUARDS[name] = fn
        return fn
    return deco


def effect(name):
    def deco(fn):
        EFFECTS[name] = fn
        return fn
    return deco


@guard("attachments_complete")
def attachments_complete(case, ctx):
    item = ctx.catalogue.item(case.item_key)
    stored = {a.slot for a in case.attachments if a.current}
    missing = [item.attachment(s)["title"] for s in item.required_slots if s not in stored]
    if missing:
        return "请先上传以下附件：" + "、".join(missing)
    return None


@guard("requires_met")
def requires_met(case, ctx):
    from engine.cases import unmet_requirement
    item = ctx.catalogue.item(case.item_key)
    return unmet_requirement(ctx.session, item, case.unit_id, case.account_id)


@effect("assign_reference")
def assign_reference(case, ctx):
    from engine.cases import assign_reference as assign
    assign(ctx.session, ctx.catalogue.item(case.item_key), case)


@effect("publish")
def publish(case, ctx):
    from engine.positions import publish_case
    publish_case(ctx.session, ctx.catalogue.item(case.item_key), case)


@effect("unpublish")
def unpublish(case, ctx):
    from engine.positions import unpublish_case
    unpublish_case(ctx.session, case)


@effect("deactivate_rows")
def deactivate_rows(case, ctx):
    from engine.batch.store import deactivate_rows as deactivate
    deactivate(ctx.session, case)


def run_row_rules(item, data: dict, ctx: RuleContext) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for spec in item.rules:
        out.extend(ROW_RULES[spec["rule"]].fn(data, spec, ctx))
    return out


def row_rules_checker(item, ctx: RuleContext) -> Callable[[dict], list[tuple[str, str]]]:
    """run_row_rules for many rows: each verdict is kept per distinct combination of the fields the rules read.

    A row rule sees only the fields its registration names (and ctx, fixed for the batch), so rows that agree
    on those fields get the same answer; a batch repeats a few hundred date pairs over 100k rows.
    """
    rules = item.rules
    if not rules:
        return lambda data: []
    keys: list[str] = []
    for spec in rules:
        rule = ROW_RULES[spec["rule"]]
        for p in rule.fields:
            keys.append(spec[p])
        for p in rule.field_lists:
            keys.extend(spec[p])
    keys = list(dict.fromkeys(keys))
    verdicts: dict[tuple, list] = {}

    def check(data: dict) -> list[tuple[str, str]]:
        # The class goes into the key too: True == 1 == 1.0 as dict keys, but not to every rule.
        key = tuple((v.__class__, v) for v in map(data.get, keys))
        try:
            found = verdicts.get(key)
        except TypeError:  # a list or dict value: no sharing
            return run_row_rules(item, data, ctx)
        if found is None:
            found = run_row_rules(item, data, ctx)
            if len(verdicts) < 50_000:
                verdicts[key] = found
        return found
    return check


def run_batch_rules(item, rows: list[tuple[int, dict]], ctx: RuleContext) -> Iterable[tuple[int, str, str]]:
    for spec in (item.batch or {}).get("rules", []):
        yield from BATCH_RULES[spec["rule"]].fn(rows, spec, ctx)
