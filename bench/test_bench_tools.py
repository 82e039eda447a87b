"""Tests of the bench's measuring tools (run: uv run --no-sync pytest bench/test_bench_tools.py -q -p no:cacheprovider).

Real processes and sockets: a forked child burning CPU is counted in its parent's tree, a
listening socket is traced back to its process, and py-spy's collapsed stacks are summed."""

import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from proc_stats import ProcWatch, cpu_delta, listening_pid, rss_bytes, tree
from profile_top import load

BURN_IN_CHILD = textwrap.dedent(
    """
    import os, sys, time
    pid = os.fork()
    if pid == 0:
        end = time.process_time() + float(sys.argv[1])
        while time.process_time() < end:
            pass
        os._exit(0)
    os.waitpid(pid, 0)
    print("done", flush=True)
    time.sleep(30)
    """
)


def test_a_tree_counts_the_cpu_of_a_child_that_exited_and_was_reaped() -> None:
    parent = subprocess.Popen([sys.executable, "-c", BURN_IN_CHILD, "0.6"], stdout=subprocess.PIPE, text=True)
    try:
        watch = ProcWatch()
        watch.add("parent", parent.pid)
        watch.add("parent alone", parent.pid, descend=False)
        before = watch.cpu()
        assert parent.stdout.readline().strip() == "done"
        _, cpu = cpu_delta(before, watch.cpu())
        assert cpu["parent"] >= 0.5  # the child's 0.6 s, now in the parent's cutime
        assert cpu["parent alone"] < 0.3  # the parent itself only waited
        assert tree(parent.pid) == [parent.pid]
        assert rss_bytes([parent.pid]) > 1_000_000
    finally:
        parent.kill()
        parent.wait()


def test_listening_pid_finds_the_process_behind_a_port() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert listening_pid(server.getsockname()[1]) == os.getpid()
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert listening_pid(port) is None


def test_profile_top_sums_self_library_and_project_frames(tmp_path: Path) -> None:
    raw = tmp_path / "router-300.txt"
    raw.write_text(
        "run (platform/serve.py:1);Runner.run (asyncio/runners.py:118);apply (router/handlers.py:10);"
        "execute (asyncpg/connection.py:5) 3\n"
        "run (platform/serve.py:1);Runner.run (asyncio/runners.py:118);apply (router/handlers.py:12) 1\n"
        "run (platform/serve.py:1);Runner.run (asyncio/runners.py:118) 4\n"
    )
    own, inclusive, total, packages, project = load(raw)
    assert total == 8
    assert own["execute (asyncpg/connection.py)"] == 3
    assert inclusive["apply (router/handlers.py)"] == 4  # two lines of one function are one row
    assert packages == {"asyncpg": 3, "cpaas.router": 1, "asyncio": 4}
    assert project["apply (router/handlers.py)"] == 4
    assert sum(project.values()) == total


def test_cpu_delta_gives_wall_and_per_tree_seconds() -> None:
    before = {"": 10.0, "a": 1.0, "b": 2.0}
    after = {"": 12.0, "a": 1.5, "b": 2.0, "c": 9.0}
    wall, cpu = cpu_delta(before, after)
    assert wall == 2.0
    assert cpu == {"a": 0.5, "b": 0.0}  # a tree that appeared mid-phase has no delta


def test_a_refused_submit_is_named_by_its_status_and_error_code() -> None:
    from submit import refusal_of

    body = b'{"error": {"code": "FRAUD_HOLD", "message": "fraud hold #1", "field": null}}'
    assert refusal_of(b"HTTP/1.1 403 Forbidden\r\n", body) == "403 FRAUD_HOLD"
    assert refusal_of(b"HTTP/1.1 502 Bad Gateway\r\n", b"<html>") == "502 (no error body)"


def test_where_the_time_goes_takes_each_stretch_over_the_messages_that_have_both_ends() -> None:
    from submit import hops

    marks = [
        {"request": 0, "answered": 4, "produced": 1, "first_status": 11, "delivered": 15, "seen": 16},
        {"request": 100, "answered": 102, "produced": 101, "first_status": 131, "delivered": 141, "seen": 150},
        {"request": 200, "answered": 203, "produced": 202, "delivered": 212, "seen": 214},  # no first status seen
    ]
    spans = hops(marks)
    assert spans["HTTP answer"] == (3, 3)  # median of 4, 2, 3; the bench's percentile (rank n*q) of three: the 2nd
    assert spans["submit record -> first status"] == (20, 10)  # only the two messages that have both marks
    assert spans["DELIVERED record -> seen"] == (2, 2)
    assert "request -> submit record" in spans and len(spans) == 5
    assert hops([]) == {}
