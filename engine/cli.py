"""`jianxi check [--forms DIR] [--workflows DIR]`: validate every definition, print each problem, exit 1 on any."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.definitions import check_definitions, default_dirs


def check(argv: list[str] | None = None) -> int:
    forms_dir, workflows_dir = default_dirs()
    parser = argparse.ArgumentParser(prog="jianxi check", description="检查事项与流程定义")
    parser.add_argument("--forms", type=Path, default=forms_dir)
    parser.add_argument("--workflows", type=Path, default=workflows_dir)
    args = parser.parse_args(argv)
    problems, items, workflows = check_definitions(args.forms, args.workflows)
    for p in problems:
        print(p)
    if problems:
        print(f"定义检查失败：{len(problems)}处错误", file=sys.stderr)
        return 1
    print(f"定义检查通过：{len(items)}个事项，{len(workflows)}个流程")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print("用法：jianxi check [--forms DIR] [--workflows DIR]")
        return 0 if argv else 2
    if argv[0] == "check":
        return check(argv[1:])
    print(f"未知命令：{argv[0]}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
