"""``cli.background``: a call made in a forked child (``table`` draws its figures there while it writes table.csv).
The oracle is the same call made in this process: the same value, the same exception (type, message, exit code),
the same files; and no child is left behind (no zombie, no orphan)."""

from __future__ import annotations

import io
import os
import signal
import time

import pytest

from symstrain.cli import background
from symstrain.errors import SymstrainInputError


def _cells_csv(path):
    """A monoclinic (P2₁/c, ≥ 200 K) / orthorhombic (Pccn) series on two branches, with s.u.'s and gaps."""
    rows = ["T,a,b,c,alpha,beta,gamma,branch,spacegroup,a_su,b_su"]
    for k in range(60):
        T = 100.0 + 4 * k
        hs = T >= 200
        beta = 90.0 + (3.1 * ((T - 200) / 140) ** 0.5 + 0.5 if hs else 0.0)
        rows.append(f"{T},{10 + 1e-4 * T + (0.02 if hs else 0):.5f},{12 - 2e-5 * T:.4f},{15 + 3e-4 * T:.5f},90,"
                    f"{beta:.3f},90,{'heating' if k % 2 else 'cooling'},{'P 1 21/c 1' if hs else 'P c c n'},"
                    f"{'' if k % 3 == 0 else 0.0003},0.0002")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path

pytestmark = pytest.mark.skipif(not background.FORK, reason="fork is Linux-only here")


#: background.idle_cpu itself (the fixture below replaces it in every test)
IDLE_CPU = background.idle_cpu
#: the children started by the test running (recorded by the fixture below)
PIDS = []


@pytest.fixture(autouse=True)
def _record_children(monkeypatch):
    """Record the pid of every child ``background.start`` forks during a test."""
    start = background.start

    def recorded(fn, *args, **kw):
        call = start(fn, *args, **kw)
        if call.pid is not None:
            PIDS.append(call.pid)
        return call

    PIDS.clear()
    monkeypatch.setattr(background, "start", recorded)
    monkeypatch.setattr(background, "idle_cpu", lambda: True)  # forked whatever the load of the machine


def _no_children():
    """True when every child started by this test is gone (reaped: neither running nor a zombie). Other children
    of this process (e.g. a forkserver of another test) are not ours to judge."""
    assert PIDS, "no child was started"
    for pid in PIDS:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


@pytest.mark.parametrize("text, cpus, free", [
    ("0.52 0.41 0.30 1/213 9000\n", 2, True),  # this process alone
    ("1.90 1.20 1.00 2/213 9000\n", 2, False),  # another task running
    ("3.10 2.20 1.00 3/213 9000\n", 4, True),
    ("garbled", 2, True),  # unreadable: as if free
])
def test_idle_cpu_reads_the_running_count(tmp_path, text, cpus, free):
    idle_cpu = IDLE_CPU  # the module's own (the fixture replaces the attribute)
    p = tmp_path / "loadavg"
    p.write_text(text, encoding="ascii")
    assert idle_cpu(str(p), cpus) is free
    assert idle_cpu(str(tmp_path / "missing"), cpus) is True


def test_idle_cpu_takes_a_moment_of_another_task_for_a_free_cpu(monkeypatch):
    readings = iter(["0.1 0.1 0.1 2/200 1\n", "0.1 0.1 0.1 2/200 1\n", "0.1 0.1 0.1 1/200 1\n"])
    monkeypatch.setattr("builtins.open", lambda *a, **k: io.StringIO(next(readings)))
    assert IDLE_CPU("/proc/loadavg", 2, gap=0) is True  # free at the third look
    readings = iter(["0.1 0.1 0.1 2/200 1\n"] * 3 + ["0.1 0.1 0.1 1/200 1\n"])
    assert IDLE_CPU("/proc/loadavg", 2, gap=0) is False  # busy at each of the three looks


def _pid_and(x):
    return os.getpid(), x * 2


class Unpicklable(Exception):
    def __init__(self, a, b):  # pickle calls Unpicklable(message): fails
        super().__init__(f"{a} and {b}")


def _raise(kind):
    if kind == "input":
        raise SymstrainInputError("x.csv", "row 3: not a number")
    if kind == "value":
        raise ValueError("bad value 7")
    raise Unpicklable("one", "two")


def test_forked_call_returns_its_value_from_another_process():
    c = background.start(_pid_and, 21)
    pid, v = c.result()
    assert v == 42 and pid != os.getpid()
    assert _no_children()


def test_without_fork_the_call_is_made_here_when_asked():
    c = background.start(_pid_and, 5, fork=False)
    assert c.pid is None
    assert c.result() == (os.getpid(), 10)


def test_exceptions_of_the_child_are_raised_here():
    with pytest.raises(SymstrainInputError) as e:
        background.start(_raise, "input").result()
    assert (e.value.source, e.value.problem) == ("x.csv", "row 3: not a number")
    with pytest.raises(ValueError, match="^bad value 7$"):
        background.start(_raise, "value").result()
    with pytest.raises(Exception) as e:  # cannot travel by pickle: same type name and message
        background.start(_raise, "other").result()
    assert type(e.value).__name__ == "Unpicklable" and str(e.value) == "one and two"
    assert _no_children()


def test_close_stops_and_reaps_a_child_still_running():
    c = background.start(time.sleep, 30)
    pid = c.pid
    t = time.perf_counter()
    c.close()
    assert time.perf_counter() - t < 5
    assert _no_children()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_child_killed_without_answer_is_made_here():
    c = background.start(_pid_and_slow, os.getpid(), 4)
    os.kill(c.pid, signal.SIGKILL)
    assert c.result() == (os.getpid(), 8)
    assert _no_children()


def _pid_and_slow(parent, x):
    if os.getpid() != parent:  # no answer from the child before it is killed
        time.sleep(30)
    return os.getpid(), x * 2


# ------------------------------------------------------------------------------------------------ table


def _table(tmp_path, name, *extra):
    from symstrain.cli import main

    out = tmp_path / name
    csv = tmp_path / "cells.csv"
    rc = main(["table", "--cells", str(csv if csv.exists() else _cells_csv(csv)), "--out", str(out), *extra])
    return rc, out


def test_table_figures_forked_give_the_files_of_the_serial_run(tmp_path, monkeypatch, capsys):
    from symstrain.cli import table

    monkeypatch.setattr(table, "FORK_ROWS", 10 ** 9)  # serial
    rc1, serial = _table(tmp_path, "serial")
    text1 = capsys.readouterr().out
    monkeypatch.setattr(table, "FORK_ROWS", 0)  # forked, whatever the size
    drawn_here = []
    draw = table.draw_figures
    monkeypatch.setattr(table, "draw_figures", lambda *a: (drawn_here.append((os.getpid(), tuple(a[-1]))),
                                                          draw(*a))[1])
    rc2, forked = _table(tmp_path, "forked")
    text2 = capsys.readouterr().out
    assert rc1 == rc2 == 0
    # the child's figures are not in our list (its memory is its own); this process drew eta.png after table.csv
    assert drawn_here == [(os.getpid(), ("eta",))] and table.HERE_AFTER_CSV == ("eta",)
    names = sorted(p.name for p in serial.iterdir())
    assert names == sorted(p.name for p in forked.iterdir()) and len(names) == 6
    for n in names:
        assert (serial / n).read_bytes() == (forked / n).read_bytes(), n
    assert text1.replace(str(serial), "DIR") == text2.replace(str(forked), "DIR")
    assert _no_children()


@pytest.mark.parametrize("kind, code, line", [
    ("input", 2, "symstrain: error: x.csv: row 3: not a number\n"),
    ("value", 70, "symstrain: internal error: ValueError: bad value 7 "),
])
def test_an_error_in_the_figure_child_reaches_the_user(tmp_path, monkeypatch, capsys, kind, code, line):
    from symstrain.cli import table

    monkeypatch.setattr(table, "FORK_ROWS", 0)
    monkeypatch.setattr(table, "draw_figures", lambda *a: _raise(kind))
    rc, out = _table(tmp_path, "o")
    captured = capsys.readouterr()
    assert rc == code
    assert captured.err.startswith(line) and captured.err.count("\n") == 1
    assert captured.out == ""
    assert _no_children()


@pytest.mark.parametrize("extra", [["--no-plots"], ["--no-plots", "--json"], ["--json"]])
def test_table_json_and_no_plots_give_the_serial_bytes(tmp_path, monkeypatch, capsys, extra):
    """With --json the figures child too gives the files and stdout of the serial run; without figures no child
    is started."""
    from symstrain.cli import table

    monkeypatch.setattr(table, "FORK_ROWS", 10 ** 9)
    rc1, serial = _table(tmp_path, "serial", *extra)
    out1 = capsys.readouterr().out
    monkeypatch.setattr(table, "FORK_ROWS", 0)
    started = []
    start = background.start
    monkeypatch.setattr(background, "start", lambda fn, *a, **k: (started.append(fn.__name__), start(fn, *a, **k))[1])
    rc2, forked = _table(tmp_path, "forked", *extra)
    out2 = capsys.readouterr().out
    assert rc1 == rc2 == 0
    names = sorted(p.name for p in serial.iterdir())
    assert names == sorted(p.name for p in forked.iterdir())
    for n in names:
        assert (serial / n).read_bytes() == (forked / n).read_bytes(), n
    assert out1.replace(str(serial), "DIR") == out2.replace(str(forked), "DIR")
    # the expansion beside the strain table; then the figures (or, without them, the second half of table.csv's rows:
    # the 60 rows are one chunk of the strain kernel, not split)
    assert started == ["_expansion_and_brackets", "draw_figures" if "--no-plots" not in extra else "_write_rows"]
    assert _no_children()
    assert not list(forked.glob(".*"))  # no part file left


def _pid_and_after(x, seconds):
    time.sleep(seconds)
    return _pid_and(x)


def test_split_map_gives_the_values_of_the_loop_in_order():
    args = [(k, 0.05) for k in range(12)]
    made = background.split_map(_pid_and_after, args)
    assert [v for _, v in made] == [2 * k for k in range(12)]  # every item once, in order
    pids = {p for p, _ in made}
    assert os.getpid() in pids and len(pids) == 2  # this process and one child took items from the queue
    assert background.split_map(_pid_and, [(1,)]) == [(os.getpid(), 2)]  # one item: here
    args = [(k,) for k in range(7)]
    assert background.split_map(_pid_and, args, fork=False) == [(os.getpid(), 2 * k) for k in range(7)]
    assert _no_children()


def test_split_map_shares_the_items_by_who_is_free():
    # items of unequal cost: the first half slow, so a static half each would leave one process idle; from the
    # queue the child takes more of the quick ones while this process works through a slow one
    args = [(k, 0.2 if k < 4 else 0.01) for k in range(8)]
    t = time.perf_counter()
    made = background.split_map(_pid_and_after, args)
    wall = time.perf_counter() - t
    assert [v for _, v in made] == [2 * k for k in range(8)]
    assert wall < 0.65  # two slow items each: ~0.45 s; a static half each: 4 × 0.2 s in this process
    assert _no_children()


def test_split_map_makes_here_what_a_killed_child_claimed():
    parent = os.getpid()
    made = background.split_map(_die_in_child, [(k, parent) for k in range(6)])
    assert [v for _, v in made] == [2 * k for k in range(6)] and {p for p, _ in made} == {parent}
    assert _no_children()


def _die_in_child(x, parent):
    if os.getpid() != parent:
        os._exit(9)  # the child dies holding the item it claimed: no answer
    time.sleep(0.02)
    return _pid_and(x)


def test_work_queue_gives_each_item_once_in_runs_the_pipe_can_hold():
    import fcntl

    fd, per = background._work_queue(1000)
    try:
        assert per == 1
        assert [k for k, _ in background._claimed(lambda: None, [()] * 1000, fd, per)] == list(range(1000))
        assert background._claimed(lambda: None, [()] * 1000, fd, per) == []  # empty: no wait
    finally:
        os.close(fd)
    n = 10 ** 6  # 4 MB of numbers: more than a pipe holds, so each number is a run of items
    fd, per = background._work_queue(n)
    try:
        r, w = os.pipe()
        room = fcntl.fcntl(w, fcntl.F_GETPIPE_SZ) // background._ITEM
        os.close(r), os.close(w)
        assert per == -(-n // room) > 1
        assert [k for k, _ in background._claimed(lambda: None, [()] * n, fd, per)] == list(range(n))
    finally:
        os.close(fd)


def test_arrays_come_back_through_the_shared_file_equal_and_writable():
    import numpy as np

    c = background.start(_arrays, 200_000)
    assert c.shared is not None
    got = c.result()
    want = _arrays(200_000)
    assert got.keys() == want.keys()
    for k in want:
        assert np.array_equal(got[k], want[k]) and got[k].dtype == want[k].dtype and got[k].flags.writeable
    got["x"][0] = -1.0  # (a private map: this process's copy)
    assert c.shared is None  # closed once read
    assert _no_children()


def test_arrays_come_back_through_the_pipe_when_the_shared_file_has_no_room(monkeypatch):
    import errno

    import numpy as np

    def full(fd, buffers):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(background, "_write_buffers", full)  # (the forked child has the same attribute)
    got = background.start(_arrays, 50_000).result()
    assert all(np.array_equal(got[k], v) for k, v in _arrays(50_000).items())
    assert _no_children()


def _arrays(n):
    import numpy as np

    x = np.arange(n, dtype=float) / 7
    return {"x": x, "odd": x[::3], "ints": np.arange(5, dtype=np.int32), "fortran": np.asfortranarray(
        x[:600].reshape(20, 30)), "objects": np.array(["a", None], dtype=object), "empty": np.zeros(0)}


def test_an_error_of_the_other_half_is_raised_here():
    with pytest.raises(ValueError, match="^bad value 7$"):
        background.split_map(_fine_or_raise, [(1,), ("value",)])  # the second item: made by the child
    assert _no_children()


def _fine_or_raise(x):
    return x if x == 1 else _raise(x)


def test_pair_strains_split_over_a_child_is_bit_for_bit_the_loop(monkeypatch):
    import numpy as np

    from symstrain import strain_kernel

    monkeypatch.setattr(strain_kernel, "CHUNK", 7)  # 50 rows: 8 chunks, 4 made by the child
    rng = np.random.default_rng(3)
    p0 = np.column_stack([rng.uniform(5, 15, (50, 3)), np.full((50, 3), 90.0)])
    p = p0 * np.r_[rng.uniform(0.99, 1.01, 3), 1, 1, 1] + np.r_[0, 0, 0, 0, 1.5, 0]
    s = np.full((50, 6), np.nan)
    s[:, :3], s[:, 4] = 1e-4, 0.01
    a = strain_kernel.pair_strains(p0, p, s=s)
    b = strain_kernel.pair_strains(p0, p, s=s, chunk_map=background.split_map)
    for name in ("e", "e_su", "vs", "vs_su", "principal", "principal_su", "eps13", "eps13_su", "V0"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name
    assert np.isfinite(a.e_su[:, [0, 1, 2, 4]]).all() and (a.e_su[:, 4] > 0).all()
    # e23, e12 move only with α, γ: exact in the children (no s.u. beside others), unknown in the reference (no s.u.
    # at all): unknown, not 0 (sweep 12)
    assert np.isnan(a.e_su[:, [3, 5]]).all()
    assert _no_children()


def test_table_csv_written_in_two_parts_is_the_whole(tmp_path):
    import pandas as pd

    from symstrain.cli import table

    frame = pd.DataFrame({"label": [f"r{k}" for k in range(11)], "x": [0.1 * k for k in range(11)],
                          "y": [1.5e-5 if k % 2 else float("nan") for k in range(11)],
                          "note": ["a, b" if k == 7 else "" for k in range(11)]})
    table.write_table_csv(tmp_path / "one.csv", frame)
    table.write_table_csv(tmp_path / "two.csv", frame, split=True)
    one = (tmp_path / "one.csv").read_bytes()
    assert one == (tmp_path / "two.csv").read_bytes()
    assert one == (table.UNITS + "\n" + frame.to_csv(index=False)).encode()  # pandas' own text, by another writer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.csv", "two.csv"]  # the part file removed
    assert _no_children()


def test_a_failing_part_leaves_no_part_file(tmp_path, monkeypatch):
    import pandas as pd

    from symstrain.cli import table

    monkeypatch.setattr(table, "_write_rows", lambda *a: _raise("value"))
    with pytest.raises(ValueError, match="^bad value 7$"):
        table.write_table_csv(tmp_path / "t.csv", pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), split=True)
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
    assert _no_children()


@pytest.mark.parametrize("value, fork", [("1", False), ("0", True), ("", True)])
def test_one_process_is_asked_for_by_the_environment(value, fork):
    import subprocess
    import sys

    env = dict(os.environ, SYMSTRAIN_ONE_PROCESS=value)
    out = subprocess.run([sys.executable, "-c", "from symstrain.cli import background; print(background.FORK)"],
                         env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(fork)


def test_the_part_is_copied_through_this_process_where_the_kernel_copy_stops(tmp_path, monkeypatch):
    """A copy_file_range that stops half way (another file system, an old kernel): what it wrote is cut off and the
    whole part copied again, so the file is still the whole table, byte for byte."""
    import pandas as pd

    from symstrain.cli import table

    real = os.copy_file_range
    calls = []

    def stops(src, dst, count, *a):
        calls.append(count)
        if len(calls) == 1:
            return real(src, dst, max(1, count // 3))  # a third, then…
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(os, "copy_file_range", stops)
    frame = pd.DataFrame({"label": [f"r{k}" for k in range(40)], "x": [0.25 * k for k in range(40)]})
    table.write_table_csv(tmp_path / "t.csv", frame, split=True)
    assert len(calls) == 2
    assert (tmp_path / "t.csv").read_bytes() == (table.UNITS + "\n" + frame.to_csv(index=False)).encode()
    assert _no_children()
