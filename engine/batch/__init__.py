"""Excel batch items, one job per module, bottom to top: template (the workbook a unit fills in), bounds
(what an uploaded workbook would make the parser allocate, checked before it is opened), reader,
columns and store (writing a clean batch), gc_pause, importer (every row checked, then stored or its errors
recorded), errorbook (the file with its errors marked), records (imports read back: the recent ones, the
case an import made, the error workbook, a batch's rows) and page (all a batch item's page shows).
Beside them, monthly reports: dues (an item's `due` as dates; which units owe which month's report, in
set-based SQL) and reminders (the workers' job telling units of a report due soon or late).
"""
