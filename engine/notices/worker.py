"""`jianxi worker`: a process that sends the outbox and runs the periodic jobs, until it is told to stop.

Any number may run, on any host, against one PostgreSQL database (one against SQLite): deliveries are
claimed with SKIP LOCKED and jobs with a conditional UPDATE (engine/notices/delivery.py, jobs.py), so no
two workers send one delivery or run one job at once. SIGTERM or SIGINT lets the message being sent finish
and gives the rest of the batch back at once; SIGKILL loses nothing either (its leases expire).
"""
from __future__ import annotations

import logging
import threading

from engine.notices import delivery, jobs
from engine.notices.config import NoticeSettings

log = logging.getLogger(__name__)


class Worker:
    def __init__(self, session_factory, settings: NoticeSettings, raw_settings: dict | None = None,
                 load_catalogue=None, job_registry: dict | None = None):
        self.session_factory = session_factory
        self.settings = settings
        self.raw_settings = raw_settings or {}
        self.load_catalogue = load_catalogue
        self.jobs = job_registry
        self.sender = delivery.Sender(settings)
        self.stopping = threading.Event()

    def run_once(self) -> int:
        """Due jobs, then one batch of deliveries; how many deliveries were handled."""
        jobs.run_due(self.session_factory, self.raw_settings, self.load_catalogue, self.jobs)
        with self.session_factory() as session:
            n = delivery.deliver_batch(session, self.sender, stopping=self.stopping)
        if n == 0:
            self.sender.close()   # idle: no SMTP connection left open for the server to time out
        return n

    def run(self, once: bool = False) -> int:
        """Until stop() (or, with once, until nothing is due); returns the deliveries handled."""
        total = 0
        try:
            while not self.stopping.is_set():
                try:
                    n = self.run_once()
                except Exception:  # the database went away, say: log, wait, try again
                    log.exception("worker round failed")
                    n = 0
                    if once:
                        raise
                total += n
                if n == 0:
                    if once:
                        break
                    self.stopping.wait(self.settings.poll_seconds)
        finally:
            self.sender.close()
        return total

    def stop(self, *_args) -> None:
        self.stopping.set()
