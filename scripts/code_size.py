"""Module and function sizes of the platform's Python source (tests excluded): the median,
the 90th percentile and the largest, per service and overall. `issues` closing notes of
refactors quote it before and after.

Run: uv run python scripts/code_size.py [paths...]   (default: contracts libs services deploy)
"""

import ast
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def python_sources(paths: list[Path]) -> list[Path]:
    files = []
    for base in paths:
        for path in sorted(base.rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if "tests" in parts or "node_modules" in parts or ".venv" in parts:
                continue
            files.append(path)
    return files


def function_lengths(tree: ast.AST) -> list[int]:
    return [
        node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None
    ]


def summary(values: list[int]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"n={len(values)} median={statistics.median(values):g} p90={p90} max={ordered[-1]}"


def main() -> int:
    paths = [ROOT / p for p in (sys.argv[1:] or ["contracts", "libs", "services", "deploy"])]
    modules, functions = [], []
    for path in python_sources(paths):
        text = path.read_text()
        lines = len(text.splitlines())
        if lines == 0:
            continue
        modules.append(lines)
        functions += function_lengths(ast.parse(text))
    print(f"modules (lines):   {summary(modules)}")
    print(f"functions (lines): {summary(functions)}")
    print(f"modules over 400 lines: {sum(1 for m in modules if m > 400)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
