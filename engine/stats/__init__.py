"""数据统计: the figures of the programme over a jurisdiction and a month range, for reviewers and administrators.

- `period.py`: the month range asked for (from/to "YYYY-MM", the last 12 months by default, at most 36), checked
  with a Chinese message per field.
- `figures.py`: each figure by month and by city or county of the scope, in a few GROUP BY queries over the rows
  (cases, positions, intents, batch rows, claims), the items found by their declarations and the states by
  their workflows; 留用率 is defined there (`retention_rate`).
- `svg.py`: a figure as a server-rendered SVG chart (lines by month, bars by region), no JavaScript.
- `workbook.py`: a figure as a workbook (by month, then by region), through engine.spreadsheet.
- `rollup.py`: the groups of every figure recounted by the workers into `stats_rollup`, which the page reads
  (数据截至 its time); before the first run the page counts from the rows.
"""
