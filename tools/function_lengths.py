"""The functions of trees longer than a limit, longest first: ``python tools/function_lengths.py [--limit N] DIR...``.

A function's length is its lines from ``def`` to its last line, decorators left out; the second
column leaves out its docstring too.  Exits 1 when some function is over the limit.
"""
from __future__ import annotations

import ast
import pathlib
import sys


def lengths(root: pathlib.Path) -> list[tuple[int, int, str]]:
    """``(lines, lines without the docstring, "path:line name")`` of every function under ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                total = (node.end_lineno or node.lineno) - node.lineno + 1
                body = total
                first = node.body[0]
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                        and isinstance(first.value.value, str):
                    body -= (first.end_lineno or first.lineno) - first.lineno + 1
                found.append((total, body, f"{path}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


def main(argv: list[str]) -> int:
    limit = 50
    if argv[:1] == ["--limit"]:
        limit, argv = int(argv[1]), argv[2:]
    roots = [pathlib.Path(arg) for arg in argv] or [pathlib.Path("tripleo_plan_actions/core")]
    over = sorted((entry for root in roots for entry in lengths(root) if entry[0] > limit), reverse=True)
    for total, body, where in over:
        print(f"{total:4d} {body:4d}  {where}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
