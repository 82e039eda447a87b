"""CPU time and resident memory of process trees, from /proc (Linux only).

A service is a root pid and its descendants (a service that forks counts its children).
CPU of a tree = utime + stime + cutime + cstime of every live process in it: a child that
exited and was reaped by a member of the tree has its time in that member's cutime/cstime,
so the sum stays whole across a phase during which backends come and go (PostgreSQL).

`listening_pid(port)` finds the process that listens on a TCP port (the test Kafka and
PostgreSQL are started by cpaas.local, not by the bench), from /proc/net/tcp{,6} and the
socket inodes of /proc/<pid>/fd.
"""

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
LISTEN = "0A"
WIDTH = 36  # the process column of the tables


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from state (3rd) on; comm may hold spaces


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def tree(pid: int, children: dict[int, list[int]] | None = None) -> list[int]:
    """`pid` and every live descendant of it."""
    children = _children_map() if children is None else children
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        if (f := _stat_fields(pid)) is not None:
            total += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])  # utime stime cutime cstime
    return total / CLK_TCK


def rss_bytes(pids: list[int]) -> int:
    """RSS of one process; of several, the sum of their PSS (shared pages, e.g. PostgreSQL's
    shared buffers, divided among the processes that map them instead of counted in each)."""
    if len(pids) == 1:
        with contextlib.suppress(OSError, IndexError, ValueError):
            return int(Path(f"/proc/{pids[0]}/statm").read_text().split()[1]) * PAGE
        return 0
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
                    break
    return total


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _own_cpu(pid: int) -> float:
    f = _stat_fields(pid)
    return 0.0 if f is None else (int(f[11]) + int(f[12])) / CLK_TCK


def listening_pid(port: int) -> int | None:
    """The lowest pid holding a socket that listens on TCP `port` (its parent-most process)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == LISTEN and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(cols[9])
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    holders = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"/proc/{entry}/fd/{fd}") in wanted:
                    holders.append(int(entry))
                    break
            except OSError:
                continue
    return min(holders) if holders else None


@dataclass
class Watched:
    name: str
    pid: int
    descend: bool = True  # False: this pid alone (the bench's own process, whose children are the services)
    cmdline_has: str | None = (
        None  # only the descendants whose command line holds this (PostgreSQL backends of one database)
    )
    rest_rss: int = 0
    peak_rss: int = 0
    idle_cpu: float | None = None  # share of one core while at rest


@dataclass
class ProcWatch:
    """Named process trees: CPU snapshots per phase, RSS at rest, and the peak RSS seen by a
    sampler thread (every `interval` s) since the last `reset_peaks()`."""

    interval: float = 0.5
    watched: dict[str, Watched] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def add(self, name: str, pid: int | None, *, descend: bool = True, cmdline_has: str | None = None) -> None:
        if pid is not None:
            self.watched[name] = Watched(name, pid, descend, cmdline_has)

    def remove(self, name: str) -> None:
        self.watched.pop(name, None)

    def trees(self) -> dict[str, list[int]]:
        children = _children_map()
        out = {}
        for name, w in list(self.watched.items()):
            pids = tree(w.pid, children) if w.descend else [w.pid]
            if w.cmdline_has is not None:
                pids = [p for p in pids if w.cmdline_has in _cmdline(p)]
            out[name] = pids
        return out

    def cpu(self) -> dict[str, float]:
        """CPU seconds of each tree so far, and the wall clock under key '' (perf_counter)."""
        snapshot = {}
        for name, pids in self.trees().items():
            w = self.watched[name]
            # a matched subset (backends): their own time only; a backend that exits during a phase is lost
            own = not w.descend or w.cmdline_has is not None
            snapshot[name] = sum(_own_cpu(p) for p in pids) if own else cpu_seconds(pids)
        snapshot[""] = time.perf_counter()
        return snapshot

    def rss(self, *, trees: bool = True) -> dict[str, int]:
        """RSS of each process (PSS sum of each tree; with trees=False the trees are skipped:
        smaps_rollup of PostgreSQL's many backends costs tens of ms)."""
        return {name: rss_bytes(pids) for name, pids in self.trees().items() if trees or len(pids) == 1}

    def record_rest(self, seconds: float = 0) -> None:
        """RSS at rest, and (over `seconds` of rest) each tree's CPU while idle."""
        before = self.cpu()
        time.sleep(seconds)
        if seconds:
            wall, cpu = cpu_delta(before, self.cpu())
            for name, value in cpu.items():
                self.watched[name].idle_cpu = value / wall
        for name, value in self.rss().items():
            self.watched[name].rest_rss = value

    def idle(self) -> dict[str, float | None]:
        return {name: w.idle_cpu for name, w in self.watched.items()}

    def reset_peaks(self) -> None:
        for w in self.watched.values():
            w.peak_rss = 0

    def _sample(self) -> None:
        tick = 0
        while not self._stop.wait(self.interval):
            tick += 1
            for name, value in self.rss(trees=tick % 10 == 1).items():
                if name in self.watched:
                    self.watched[name].peak_rss = max(self.watched[name].peak_rss, value)

    def start_sampling(self) -> None:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def stop_sampling(self) -> None:
        """Stops the sampler after one last reading of every tree (trees are read every tenth tick)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        for name, value in self.rss().items():
            self.watched[name].peak_rss = max(self.watched[name].peak_rss, value)


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> tuple[float, dict[str, float]]:
    """Wall seconds between two `ProcWatch.cpu()` snapshots, and CPU seconds of each tree."""
    wall = after[""] - before[""]
    return wall, {name: after[name] - before[name] for name in after if name and name in before}


def print_cpu_table(
    wall: float,
    cpu: dict[str, float],
    delivered: int,
    *,
    shared: frozenset[str] = frozenset(),
    indent: str = "  ",
    per: str = "delivered",
    idle: dict[str, float | None] | None = None,
) -> None:
    """process | CPU ms per message | the same less the process's idle CPU (measured at rest) |
    % of one core over the phase."""
    if delivered <= 0 or wall <= 0:
        print(f"{indent}(no CPU table: {delivered} delivered over {wall:.1f} s)")
        return
    idle = idle or {}
    print(f"{indent}{'process':<{WIDTH}}{'CPU ms/' + per:>17}{'less idle':>11}{'% of one core':>15}")
    total = marginal_total = 0.0
    for name, seconds in sorted(cpu.items(), key=lambda kv: -kv[1]):
        mark = " *" if name in shared else ""
        rest = idle.get(name)
        marginal = None if rest is None else max(0.0, seconds - rest * wall)
        if name not in shared:
            total += seconds
            marginal_total += seconds if marginal is None else marginal
        less = "-" if marginal is None else f"{marginal * 1000 / delivered:.3f}"
        print(
            f"{indent}{name + mark:<{WIDTH}}{seconds * 1000 / delivered:>17.3f}{less:>11}{seconds / wall * 100:>14.1f}%"
        )
    print(
        f"{indent}{'total (without *)':<{WIDTH}}{total * 1000 / delivered:>17.3f}"
        f"{marginal_total * 1000 / delivered:>11.3f}{total / wall * 100:>14.1f}%"
    )
    if shared:
        print(f"{indent}* shared with every other user of the test servers on this machine (an upper bound)")


def print_rss_table(
    watch: ProcWatch, aim_mb: float, *, exempt: frozenset[str] = frozenset(), indent: str = "  "
) -> list[str]:
    """RSS at rest and peak under load per tree; returns the names (not `exempt`) whose rest RSS
    exceeds the aim."""
    print(
        f"{indent}{'process':<{WIDTH}}{'RSS at rest MB':>15}{'peak under load MB':>20}{'idle CPU % core':>17}"
        "   (a tree: its PSS summed)"
    )
    over, idle_total = [], 0.0
    for w in watch.watched.values():
        flag = f"  > {aim_mb:.0f} MB aim" if w.rest_rss / 2**20 > aim_mb and w.name not in exempt else ""
        if flag:
            over.append(w.name)
        idle = "-" if w.idle_cpu is None else f"{w.idle_cpu * 100:.1f}%"
        if w.idle_cpu is not None and w.name not in exempt:
            idle_total += w.idle_cpu
        print(f"{indent}{w.name:<{WIDTH}}{w.rest_rss / 2**20:>15.0f}{w.peak_rss / 2**20:>20.0f}{idle:>17}{flag}")
    print(f"{indent}{'services idle, together':<{WIDTH}}{'':>35}{idle_total * 100:>16.1f}%")
    return over
