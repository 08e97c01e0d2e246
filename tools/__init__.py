"""Maintenance scripts run by developers, not by the service (`python -m tools.NAME`)."""
