"""Top functions of py-spy `--format raw` profiles (collapsed stacks: `frame;frame;... count`).

py-spy samples only threads that are running (not idle, unless --idle), so a function's
share of the samples is its share of the process's CPU time. Printed per file: the top
functions by self time (the leaf frame) and by inclusive time (anywhere on the stack,
counted once per sample), with line numbers dropped so one function is one row.

Run: uv run python bench/profile_top.py /tmp/prof-23/*.txt [--top 15]
"""

import argparse
import json
import re
from collections import Counter
from pathlib import Path

LINE = re.compile(r":\d+\)$")


def frame_name(frame: str) -> str:
    """`handle (router/handlers.py:120)` -> `handle (router/handlers.py)`."""
    frame = LINE.sub(")", frame.strip())
    return frame


# py-spy names a file by its path under the sys.path entry, so cpaas/router/x.py shows as router/x.py
PROJECT = frozenset(
    [
        "ai",
        "billing",
        "campaigns",
        "connector_kit",
        "console",
        "contracts",
        "control_plane",
        "gateway",
        "local",
        "message_log",
        "platform",
        "rcs_connector",
        "reporting",
        "router",
        "sandbox",
        "sms_connector",
        "voice_connector",
        "wa_connector",
        "webhooks",
    ]
)


def _path(frame: str) -> str:
    return frame.rpartition(" (")[2].rstrip(")")


def package(frame: str) -> str:
    """The library (or cpaas service) a frame's code belongs to."""
    path = _path(frame)
    if path.split("/")[0] in PROJECT:
        return "cpaas." + path.split("/")[0]
    if "/" in path:
        return path.split("/")[0]
    if path.startswith("<frozen"):
        return "python (frozen)"
    return {"<string>": "dataclass / generated code"}.get(path, path.rsplit(".", 1)[0])


def innermost_own(frames: list[str]) -> str:
    """The deepest frame in the project's code (cpaas/...): whose work the sample was."""
    for frame in reversed(frames):
        path = _path(frame)
        if path.split("/")[0] in PROJECT and not path.endswith("__main__.py") and path != "platform/serve.py":
            return frame
    return "(no project frame: the event loop, the Kafka client's background tasks, threads)"


def load(path: Path) -> tuple[Counter, Counter, int, Counter, Counter]:
    own, inclusive, total, packages, project = Counter(), Counter(), 0, Counter(), Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = [frame_name(f) for f in stack.split(";") if f and not f.startswith(("process ", "thread "))]
        if not frames:
            continue
        total += n
        own[frames[-1]] += n
        packages[package(frames[-1])] += n
        project[innermost_own(frames)] += n
        for name in set(frames):
            inclusive[name] += n
    return own, inclusive, total, packages, project


def report(path: Path, top: int) -> None:
    own, inclusive, total, packages, project = load(path)
    service, _, rate = path.stem.rpartition("-")
    cpu_file = path.with_name(f"cpu-{rate}.json")
    ms = json.loads(cpu_file.read_text()).get(service) if cpu_file.exists() else None
    per = f"; the process spent {ms:.3f} ms CPU per delivered message" if ms is not None else ""
    print(f"\n== {path.name}: {total:,} samples (GIL held){per}")
    if not total:
        return
    print(f"  {'self %':>7}  by library (the leaf frame's)")
    for name, n in packages.most_common(top):
        print(f"  {n / total * 100:>6.1f}%  {name}")
    print(f"  {'%':>7}  by the innermost project function on the stack (its own code and what it called)")
    for name, n in project.most_common(top):
        print(f"  {n / total * 100:>6.1f}%  {name}")
    print(f"  {'self %':>7}  function")
    for name, n in own.most_common(top):
        print(f"  {n / total * 100:>6.1f}%  {name}")
    print(f"  {'incl %':>7}  function (inclusive)")
    for name, n in inclusive.most_common(top + 10):
        if n / total < 0.999:  # the always-present roots (the event loop's run_forever) say nothing
            print(f"  {n / total * 100:>6.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    for path in args.files:
        report(path, args.top)


if __name__ == "__main__":
    main()
