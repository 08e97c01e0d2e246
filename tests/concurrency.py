"""Many sessions at once: the one thread harness of the race tests, where the database, not Python, decides."""
from __future__ import annotations

import threading


def race(factory, work, n: int = 3, commit: bool = True, timeout: float = 120) -> tuple[list, list]:
    """work(session, i) in n threads released together, each in a session of its own from `factory`
    (committed after its work unless commit=False): (what each returned, the errors raised)."""
    start = threading.Barrier(n)
    results, errors = [], []

    def run(i):
        session = factory()
        try:
            start.wait(timeout=30)
            results.append(work(session, i))
            if commit:
                session.commit()
        except Exception as e:  # noqa: BLE001 - returned to the test: a thread's exception would otherwise vanish
            errors.append(e)
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results, errors
