"""Rules on one record: a form case, or one row of a batch. Each sees only the fields it names."""
from __future__ import annotations

import calendar

from engine.rules.registry import ROW_RULES
from engine.rules.values import as_date, present
from engine.rules.values import months_between as span_months



@ROW_RULES.register("equals_field", fields=("field", "other"),
                   doc="the two are equal (开户名称 = 单位名称)")
def equals_field(data, spec, ctx):
    f, o = spec["field"], spec["other"]
    if present(data, f, o) and data[f] != data[o]:
        yield f, spec.get("message") or f"{ctx.label(f)}须与{ctx.label(o)}一致（{ctx.label(o)}：{data[o]}）"


@ROW_RULES.register("lte_field", fields=("field", "other"),
                   doc="number `field` ≤ `other` (参保人数 ≤ 职工人数)")
def lte_field(data, spec, ctx):
    f, o = spec["field"], spec["other"]
    if present(data, f, o) and isinstance(data[f], (int, float)) and isinstance(data[o], (int, float)) \
            and data[f] > data[o]:
        yield f, spec.get("message") or f"{ctx.label(f)}不能大于{ctx.label(o)}（{data[o]}）"


@ROW_RULES.register("confirm_equals", fields=("field", "confirm"),
                   doc="typed twice the same")
def confirm_equals(data, spec, ctx):
    f, c = spec["field"], spec["confirm"]
    if present(data, f) and data.get(c) != data[f]:
        yield c, spec.get("message") or f"两次输入的{ctx.label(f)}不一致，请重新输入"


@ROW_RULES.register("county_in_city", fields=("city", "county"),
                   doc="the county lies in the city")
def county_in_city(data, spec, ctx):
    city, county = spec["city"], spec["county"]
    if present(data, city, county) and not ctx.regions.county_in_city(data[county], data[city]):
        yield county, spec.get("message") or \
            f"{ctx.label(county)}不属于所选的{ctx.regions.label(data[city]) or ctx.label(city)}，请重新选择"


@ROW_RULES.register("date_order", fields=("start", "end"),
                   doc="end not before start")
def date_order(data, spec, ctx):
    s, e = spec["start"], spec["end"]
    ds, de = as_date(data.get(s)), as_date(data.get(e))
    if ds and de and de < ds:
        yield e, spec.get("message") or f"{ctx.label(e)}不能早于{ctx.label(s)}"


@ROW_RULES.register("date_not_future", fields=("field",),
                   doc="not after today")
def date_not_future(data, spec, ctx):
    d = as_date(data.get(spec["field"]))
    if d and d > ctx.today:
        yield spec["field"], spec.get("message") or f"{ctx.label(spec['field'])}不能晚于今天"


@ROW_RULES.register("date_not_past", fields=("field",),
                   doc="not before today")
def date_not_past(data, spec, ctx):
    d = as_date(data.get(spec["field"]))
    if d and d < ctx.today:
        yield spec["field"], spec.get("message") or f"{ctx.label(spec['field'])}不能早于今天"


@ROW_RULES.register("month_not_future", fields=("field",),
                   doc="a `YYYY-MM` not after this month")
def month_not_future(data, spec, ctx):
    m = data.get(spec["field"])
    if m and isinstance(m, str) and m > ctx.today.strftime("%Y-%m"):
        yield spec["field"], spec.get("message") or f"{ctx.label(spec['field'])}不能晚于本月"


@ROW_RULES.register("month_order", fields=("start", "end"), required=("max",),
                   doc="`YYYY-MM` end not before start, at most `max` months from start to end inclusive")
def month_order(data, spec, ctx):
    s, e = spec["start"], spec["end"]
    start, end = data.get(s), data.get(e)
    if not (isinstance(start, str) and isinstance(end, str) and len(start) == len(end) == 7):
        return
    if end < start:
        yield e, spec.get("message") or f"{ctx.label(e)}不能早于{ctx.label(s)}"
        return
    span = (int(end[:4]) - int(start[:4])) * 12 + int(end[5:]) - int(start[5:]) + 1
    if span > spec["max"]:
        yield e, spec.get("message") or f"{ctx.label(s)}至{ctx.label(e)}最多{spec['max']}个月（当前{span}个月）"


@ROW_RULES.register("months_between", fields=("start", "end"), required=("min", "max"),
                   doc="period length in months")
def months_between(data, spec, ctx):
    s, e = spec["start"], spec["end"]
    ds, de = as_date(data.get(s)), as_date(data.get(e))
    if ds and de and de >= ds:
        n = span_months(ds, de)
        if n < spec["min"] - 1e-9 or n > spec["max"] + 1e-9:
            yield e, spec.get("message") or \
                f"协议期限须为{spec['min']}至{spec['max']}个月，当前约{n:.1f}个月，请调整{ctx.label(e)}"


@ROW_RULES.register("min_wage", fields=("field", "county"),
                   doc="not below the county's minimum wage")
def min_wage(data, spec, ctx):
    f, c = spec["field"], spec["county"]
    if present(data, f, c) and isinstance(data[f], (int, float)):
        floor = ctx.regions.minimum_wage(data[c])
        if floor and data[f] < floor:
            yield f, spec.get("message") or \
                f"{ctx.label(f)}不能低于{ctx.regions.label(data[c])}最低工资标准{floor}元/月"


@ROW_RULES.register("required_unless", fields=("field", "other"), required=("values",),
                   doc="`field` required unless `other` is one of `values`")
def required_unless(data, spec, ctx):
    f, o = spec["field"], spec["other"]
    if present(data, o) and data[o] not in spec["values"] and not present(data, f):
        yield f, spec.get("message") or f"{ctx.label(o)}为“{data[o]}”时须填写{ctx.label(f)}"


@ROW_RULES.register("date_in_month", fields=("field", "month"),
                   doc="the date lies in the month")
def date_in_month(data, spec, ctx):
    f, m = spec["field"], spec["month"]
    d = as_date(data.get(f))
    if d and present(data, m) and d.strftime("%Y-%m") != data[m]:
        yield f, spec.get("message") or f"{ctx.label(f)}须在{ctx.label(m)}（{data[m]}）之内"


@ROW_RULES.register("sum_equals", fields=("total",), field_lists=("fields",),
                   doc="the parts add up to the total")
def sum_equals(data, spec, ctx):
    parts, total = spec["fields"], spec["total"]
    if present(data, total, *parts):
        if sum(data[p] for p in parts) != data[total]:
            names = "+".join(ctx.label(p) for p in parts)
            yield parts[0], spec.get("message") or f"{names}须等于{ctx.label(total)}（{data[total]}天）"


@ROW_RULES.register("lte_days_in_month", fields=("field", "month"),
                   doc="at most the days of that month")
def lte_days_in_month(data, spec, ctx):
    f, m = spec["field"], spec["month"]
    if present(data, f, m) and isinstance(data[f], int):
        try:
            y, mo = map(int, data[m].split("-"))
        except ValueError:
            return
        days = calendar.monthrange(y, mo)[1]
        if data[f] > days:
            yield f, spec.get("message") or f"{ctx.label(f)}不能超过{data[m]}的天数（{days}天）"
