"""The cyclic collector is paused during imports and comes back exactly as it was, whatever overlaps."""
import gc
import threading

import pytest

from engine.batch.gc_pause import cycle_collector_paused


@pytest.fixture(autouse=True)
def restore_gc():
    was = gc.isenabled()
    yield
    (gc.enable if was else gc.disable)()


def test_overlapping_imports_switch_it_back_on_when_the_last_ends():
    gc.enable()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with cycle_collector_paused():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with cycle_collector_paused():
            second_in.set()
            first_out.wait(5)
            seen["after first ended"] = gc.isenabled()
        seen["after both"] = gc.isenabled()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"after first ended": False, "after both": True}


def test_a_collector_someone_else_switched_off_stays_off():
    gc.disable()
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def test_an_error_inside_still_switches_it_back_on():
    gc.enable()
    with pytest.raises(ValueError):
        with cycle_collector_paused():
            raise ValueError
    assert gc.isenabled()
