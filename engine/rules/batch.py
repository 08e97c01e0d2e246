"""Rules across the rows of one batch and the records already stored (positions, earlier reports)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from engine import declarations, formats
from engine.models import BatchRow, Position
from engine.rules.registry import BATCH_RULES
from engine.rules.values import add_months, as_date, months_between, rows_with


@BATCH_RULES.register("unique_in_file", field_lists=("fields",),
                     doc="no two rows with the same values",
                     text="同一文件中不能重复")
def unique_in_file(rows, spec, ctx):
    keys = spec["fields"]
    first: dict[tuple, int] = {}
    for i, data in rows_with(rows, *keys):
        k = tuple(data[f] for f in keys)
        if k in first:
            what = "、".join(ctx.label(f) for f in keys)
            yield i, keys[0], spec.get("message") or f"{what}与第{first[k]}行重复"
        else:
            first[k] = i


def _load_positions(ctx):
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


@BATCH_RULES.register("position_of_unit", fields=("field",),
                     doc="one of the unit's published positions, with openings left",
                     text="须为本单位审核通过且仍在招募的见习岗位（可填岗位名称或编号）")
def position_of_unit(rows, spec, ctx):
    f = spec["field"]
    positions = _load_positions(ctx)
    used: dict[int, int] = defaultdict(int)
    for i, data in rows_with(rows, f):
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


@BATCH_RULES.register("agreement_fits_position", fields=("start", "end", "allowance"),
                     doc="within the position's period, above minimum wage")
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
    ds, de = as_date(start), as_date(end)
    if ds and de and de >= ds and months_between(ds, de) > p.period_months + 1e-9:
        yield spec["end"], f"协议期限超过岗位“{p.name}”的见习期限（{p.period_months}个月）"
    floor = ctx.regions.minimum_wage(p.county_code)
    if isinstance(allowance, (int, float)) and floor and allowance < floor:
        yield spec["allowance"], \
            f"{ctx.label(spec['allowance'])}不能低于{ctx.regions.label(p.county_code)}最低工资标准{floor}元/月"


def _agreements_item(ctx):
    """The item whose rows are the matched agreements: whichever plays the `agreements` role."""
    if ctx.catalogue is None:
        raise LookupError("RuleContext.catalogue is needed to find the item that plays `agreements`")
    item = declarations.role_item(ctx.catalogue, "agreements")
    if item is None:  # the loader refuses a rule that needs the role when no item plays it
        raise LookupError("no item plays the `agreements` role")
    return item


def _agreements(ctx, id_numbers, own_unit_only: bool, with_data: bool = True):
    """Active matched agreements of these people, by ID number (in chunks: SQLite caps bound parameters).

    The person and the period are the rows' indexed columns (the item's batch.index); with_data adds each
    row's data, e.g. for its name."""
    found = defaultdict(list)
    if ctx.session is None or not id_numbers or (own_unit_only and ctx.unit_id is None):
        return found
    key = _agreements_item(ctx).key
    ids = sorted(id_numbers)
    columns = [BatchRow.id_number, BatchRow.unit_id, BatchRow.start_date, BatchRow.end_date]
    if with_data:  # the stored rows' JSON is only needed to compare names; decoding it is not free
        columns.append(BatchRow.data)
    for chunk in range(0, len(ids), 900):
        stmt = select(*columns).where(BatchRow.item_key == key, BatchRow.active.is_(True),
                                      BatchRow.id_number.in_(ids[chunk:chunk + 900]))
        if own_unit_only:
            stmt = stmt.where(BatchRow.unit_id == ctx.unit_id)
        for row in ctx.session.execute(stmt):
            found[row.id_number].append(row)
    return found


@BATCH_RULES.register("no_overlapping_agreement", fields=("id_field", "start", "end"),
                     doc="no overlapping active agreement for the person (rows of the item playing `agreements`)",
                     text="同一人员的见习协议期间不能与已有协议重叠", roles=("agreements",))
def no_overlapping_agreement(rows, spec, ctx):
    f, s, e = spec["id_field"], spec["start"], spec["end"]
    present = list(rows_with(rows, f, s, e))
    existing = _agreements(ctx, {d[f] for _, d in present}, own_unit_only=False, with_data=False)
    if not existing:
        return
    for i, data in present:
        others = existing.get(data[f])
        if not others:
            continue
        ds, de = as_date(data[s]), as_date(data[e])
        if not (ds and de):
            continue
        for other in others:
            if other.unit_id == ctx.unit_id and other.start_date == ds:
                continue  # the same agreement reported again: replaced, not overlapping
            if other.start_date <= de and ds <= other.end_date:
                yield i, s, (f"该人员已有{other.start_date:%Y-%m-%d}至{other.end_date:%Y-%m-%d}的见习协议，"
                             "协议期间不能重叠")
                break


@BATCH_RULES.register("category_age", fields=("category", "id_field", "start"), required=("value", "min", "max"),
                     doc="age at start for one category")
def category_age(rows, spec, ctx):
    for i, data in rows_with(rows, spec["category"], spec["id_field"], spec["start"]):
        if data[spec["category"]] != spec["value"]:
            continue
        birth, start = formats.id_birth_date(data[spec["id_field"]]), as_date(data[spec["start"]])
        if birth and start:
            age = formats.age_on(birth, start)
            if not spec["min"] <= age <= spec["max"]:
                yield i, spec["category"], \
                    f"人员类别为“{spec['value']}”时，协议开始日年龄须在{spec['min']}至{spec['max']}岁之间（当前{age}岁）"


@BATCH_RULES.register("graduated_within", fields=("category", "graduated", "start"), required=("values", "years"),
                     doc="started within N years of graduating")
def graduated_within(rows, spec, ctx):
    c, g, s = spec["category"], spec["graduated"], spec["start"]
    values = frozenset(spec["values"])
    verdicts: dict[tuple, str | None] = {}  # few distinct (category, graduation, start) combinations
    for i, data in rows_with(rows, c, g, s):
        category = data[c]
        if category not in values:
            continue
        key = (category, data[g], data[s])
        if key not in verdicts:
            verdicts[key] = _graduation_problem(*key, spec, ctx)
        if verdicts[key]:
            yield i, g, verdicts[key]


def _graduation_problem(category, graduated, start, spec, ctx) -> str | None:
    grad, start = as_date(graduated), as_date(start)
    if grad and start:
        if grad > start:
            return f"{ctx.label(spec['graduated'])}不能晚于协议开始日期"
        if add_months(grad, 12 * spec["years"]) < start:
            return f"人员类别为“{category}”时，须在毕业{spec['years']}年内开始见习"
    return None


@BATCH_RULES.register("on_roster", fields=("id_field", "name_field", "month"),
                     doc="the person is on the unit's matched roster (the `agreements` item's rows) that month",
                     text="须为本单位已上报见习匹配结果的人员，月份须在其见习协议期内且不晚于本月",
                     roles=("agreements",))
def on_roster(rows, spec, ctx):
    f, n, m = spec["id_field"], spec["name_field"], spec["month"]
    present = list(rows_with(rows, f, m))
    roster = _agreements(ctx, {d[f] for _, d in present}, own_unit_only=True)
    name = declarations.role_fields(_agreements_item(ctx))["name"] if roster else None
    this_month = ctx.today.strftime("%Y-%m")
    for i, data in present:
        agreements = roster.get(data[f])
        if not agreements:
            yield i, f, "该人员不在本单位已上报的见习匹配名单中，请先上报见习匹配结果"
            continue
        if data.get(n) and all(a.data.get(name) != data[n] for a in agreements):
            yield i, n, "姓名与见习匹配名单中的姓名不一致"
        month = data[m]
        if month > this_month:
            yield i, m, f"{ctx.label(m)}不能晚于本月"
        elif not any(a.start_date.strftime("%Y-%m") <= month <= a.end_date.strftime("%Y-%m") for a in agreements):
            a = agreements[0]
            yield i, m, (f"{ctx.label(m)}不在该人员的见习协议期内"
                         f"（{a.start_date:%Y-%m-%d}至{a.end_date:%Y-%m-%d}）")
