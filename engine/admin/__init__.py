"""Administration (系统管理), one job per module.

- staff: reviewer and administrator accounts (create, disable, reset a password, change a jurisdiction, list).
- catalogue: the item catalogue with each item's workflow and how many cases are in each state.
- audit: the audit log (AuditEntry), written by every change an administrator makes; read merged with
  logins (written by engine.accounts) and transitions (CaseEvents), filtered, and exported as a workbook.

The workflow drawn as a picture is presentation and lives on the web side (webapp.drawing).
"""
