"""Fault injection for the resilience tests: hold a request just before its transaction commits.

Active only when the ini says `jianxi.fault_injection = true` (the test suite's system tests);
production never loads it. A request carrying `X-Jianxi-Pause-Before-Commit: <seconds>` sleeps
after its view has written everything and before pyramid_tm commits, so a test can kill the
process or cut its database connection at exactly that point.
"""
from __future__ import annotations

import time

HEADER = "X-Jianxi-Pause-Before-Commit"


def pause_before_commit_factory(handler, registry):
    def tween(request):
        response = handler(request)
        pause = request.headers.get(HEADER)
        if pause:
            request.dbsession.flush()
            marker = registry.settings.get("jianxi.fault_marker")
            if marker:
                # Tell the test the work is flushed and we are about to wait.
                with open(marker, "a", encoding="utf-8") as fh:
                    fh.write(f"{request.path}\n")
            time.sleep(min(float(pause), 30.0))
        return response
    return tween


def includeme(config):
    if str(config.get_settings().get("jianxi.fault_injection", "false")).lower() == "true":
        # Under pyramid_tm: runs after the view, before the commit.
        config.add_tween("webapp.faults.pause_before_commit_factory", under="pyramid_tm.tm_tween_factory")
