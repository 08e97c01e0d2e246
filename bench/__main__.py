"""`make bench`: run every bench/bench_*.py (or those named), print figures, write bench/results/<name>.json.

Each module exposes run(args: argparse.Namespace) -> dict. Benchmarks never assert timings; they
report figures and ratios against a baseline measured in the same run.
"""
from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. batch_import")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the scripts work")
    args = parser.parse_args(argv)
    names = args.names or sorted(p.stem[len("bench_"):] for p in HERE.glob("bench_*.py"))
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"=== {name} ===", flush=True)
        started = time.time()
        result = module.run(args)
        result["_meta"] = {"benchmark": name, "seconds": round(time.time() - started, 1), "quick": args.quick,
                           "python": platform.python_version(), "machine": platform.machine(),
                           "at": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (out_dir / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2), "utf-8")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
