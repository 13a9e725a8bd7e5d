"""The one parallel map (symstrain/parallel.py): chunks that keep two workers busy to the end, failures of a batch
command as the contract's Failure values, and ``info`` on Dask equal to ``info`` here.

The balance is judged by an oracle written here: greedy list scheduling of the chunks on two workers (a chunk goes
to the first free worker, as the pool does) against the ideal total / 2.
"""

from __future__ import annotations

import heapq
import json
import subprocess
import sys

import pytest

from symstrain.parallel import CHUNKS_PER_WORKER, Failure, ItemFailure, balanced_chunks, run_batch


def _makespan(chunks, cost, workers=2):
    free = [0.0] * workers
    for c in chunks:
        heapq.heappush(free, heapq.heappop(free) + sum(cost[i] for i in c))
    return max(free)


def test_chunks_shrink_to_single_items_at_the_end():
    n = 500
    chunks = balanced_chunks([1.0] * n, n_workers=2)
    assert sorted(i for c in chunks for i in c) == list(range(n))
    assert [i for c in chunks for i in c] == list(range(n))  # equal weights: input order
    first = -(-n // (2 * CHUNKS_PER_WORKER))  # ceil(500 / 16) = 32 items hold 1/16 of the work
    assert len(chunks[0]) == first
    sizes = [len(c) for c in chunks]
    assert sizes == sorted(sizes, reverse=True)  # never growing
    assert max(sizes[-5:]) <= -(-first // 8)  # the tail: at most 4 items a chunk


def test_a_heavy_run_of_neighbours_does_not_keep_one_worker_busy_alone():
    # a name-sorted corpus: 31 neighbouring files near the end hold 22 % of the work (the issue 12 case)
    n, heavy = 500, range(434, 465)
    rest = 0.78 / (n - len(heavy))
    cost = [0.22 / len(heavy) if i in heavy else rest for i in range(n)]
    ideal = sum(cost) / 2
    assert _makespan(balanced_chunks([1.0] * n, 2), cost) <= 1.03 * ideal  # no weights: guided chunks alone
    assert _makespan(balanced_chunks(cost, 2), cost) <= 1.01 * ideal  # weights that track the cost: heaviest first
    fixed = [list(range(k, min(k + 31, n))) for k in range(0, n, 31)]  # len // (8 · jobs) items a chunk
    assert _makespan(fixed, cost) > 1.05 * ideal  # what the oracle would have caught


def test_zero_weights_count_as_equal():
    assert balanced_chunks([0] * 20, n_workers=1)[0] == [0, 1, 2]  # 1/8 of 20 items: 2.5, so 3


def _fails_in_three_ways(x):
    from symstrain.errors import SymstrainInputError

    if x == "bad":
        raise SymstrainInputError("bad.cif", "no _cell_length_a")
    if x == "bug":
        raise ZeroDivisionError("a bug")
    return x.upper()


@pytest.mark.parametrize("jobs", [1, 2])
def test_run_batch_results_in_order_and_failures_of_the_contract(jobs):
    items = ["a", "bad", "b", "bug", "c"]
    results, failed = run_batch(_fails_in_three_ways, items, files=[f"{x}.cif" for x in items], block="blk",
                                jobs=jobs)
    assert results == ["A", None, "B", None, "C"]
    assert [(f.file, f.block, f.internal) for f in failed] == [("bad.cif", "blk", False), ("bug.cif", "blk", True)]
    assert (failed[0].source, failed[0].problem) == ("bad.cif", "no _cell_length_a")
    assert failed[1].message == "bug.cif: internal error: ZeroDivisionError: a bug"
    assert failed[0].to_dict() == {"file": "bad.cif", "block": "blk", "message": "bad.cif: no _cell_length_a"}


def test_a_lost_worker_is_an_internal_failure_of_its_file():
    f = Failure.of(ItemFailure(3, "worker_lost", "died"), "x.cif")
    assert f.internal and f.file == "x.cif" and f.block is None and "process reading it died" in f.message


def test_run_batch_shows_progress_over_every_item():
    seen = {}

    def progress(iterable, total, desc):
        seen.update(total=total, desc=desc)
        for x in iterable:
            seen["n"] = seen.get("n", 0) + 1
            yield x

    run_batch(_fails_in_three_ways, ["a", "bad", "b"], progress=progress, desc="info")
    assert seen == {"total": 3, "desc": "info", "n": 3}


def test_info_batch_without_csv_does_not_import_pandas(tmp_path):
    from symstrain.models import write_model_cifs

    files = [str(p) for p in write_model_cifs(tmp_path)]
    code = ("import sys, io, contextlib\nfrom symstrain.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    rc = main(['info', *{files!r}, '--json'])\n"
            "print(rc, 'pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "False"]


def test_info_on_a_dask_local_cluster_equals_info_here(tmp_path, capsys):
    pytest.importorskip("distributed")
    from symstrain.cli import main
    from symstrain.models import write_model_cifs

    files = [str(p) for p in write_model_cifs(tmp_path)]
    (tmp_path / "broken.cif").write_text("data_x\n_cell_length_a 5\n")
    files.append(str(tmp_path / "broken.cif"))
    docs = []
    for extra in ([], ["--dask", "local", "--jobs", "2"]):
        assert main(["info", *files, "--json", *extra]) == 3
        docs.append(json.loads(capsys.readouterr().out))
    assert docs[0] == docs[1] and docs[0]["n_read"] == 2 and docs[0]["failed"][0]["file"] == files[-1]


def test_workers_start_with_the_preloaded_modules_imported(tmp_path):
    # a fresh process each time (the forkserver takes its preload list once, when it starts): the workers find the
    # module named in `preload` already imported at their first item, and without it they do not
    import os
    from pathlib import Path

    (tmp_path / "preload_probe.py").write_text("import sys\n\ndef imported(name):\n    return name in sys.modules\n")
    (tmp_path / "run.py").write_text(
        "import sys\nfrom symstrain.parallel import map_items\n"
        "if __name__ == '__main__':\n"
        "    import preload_probe\n"
        "    print(map_items(preload_probe.imported, ['colorsys'] * 4, jobs=2, preload=sys.argv[1:]))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).resolve().parents[1])])}

    def run(*preload):
        return subprocess.run([sys.executable, str(tmp_path / "run.py"), *preload], capture_output=True, text=True,
                              env=env, check=True).stdout.strip()

    assert run("colorsys") == "[True, True, True, True]"
    assert run() == "[False, False, False, False]"


def _die(x):
    import os
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


def test_items_that_all_kill_their_worker_are_each_lost_not_an_error():
    # nothing comes back from the first round, but workers do start: each item is its own "worker_lost" failure
    from symstrain.parallel import map_items

    out = map_items(_die, ["a", "b", "c"], jobs=2)
    assert [(f.index, f.kind) for f in out] == [(0, "worker_lost"), (1, "worker_lost"), (2, "worker_lost")]


def test_a_script_without_a_main_guard_fails_fast_with_the_reason(tmp_path):
    # each worker re-imports such a script and dies bootstrapping; 500 items used to be retried one process each
    # (114 s); now one probe process shows no worker can start and the map raises at once
    import os
    import time
    from pathlib import Path

    script = tmp_path / "noguard.py"
    script.write_text("import math\nfrom symstrain.parallel import map_items\n"
                      "print(map_items(math.sqrt, list(range(200)), jobs=2))\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    t = time.monotonic()
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and time.monotonic() - t < 30
    reason = [line for line in proc.stderr.splitlines() if line.startswith("RuntimeError: symstrain.parallel")]
    assert len(reason) == 1 and "no worker process could start" in reason[0]
    assert "if __name__ == \"__main__\":" in reason[0]  # one line that says what to do


def test_an_encoded_info_batch_carries_each_results_json_text(tmp_path):
    # info_batch(encode=True): each result's JSON text is made by the worker that read the file and comes back with
    # the result; it is json.dumps of the result's dict, and the batch written from the texts is the same document
    import io

    from symstrain.json_output import jsonable, write_json
    from symstrain.models import write_model_cifs
    from symstrain.structure_info import info_batch

    files = [str(p) for p in write_model_cifs(tmp_path)]
    (tmp_path / "broken.cif").write_text("data_x\n_cell_length_a 5\n")
    files.append(str(tmp_path / "broken.cif"))
    plain = info_batch(files)
    for jobs in (1, 2):
        batch = info_batch(files, jobs=jobs, encode=True)
        assert len(batch.results) == 2 and len(batch.failed) == 1
        for r in batch.results:
            assert "json_text" in r.__dict__  # made where the result was made, not here on demand
            assert json.loads(r.json_text) == json.loads(json.dumps(jsonable(r.to_dict())))
        texts = []
        for b, encoded in ((plain, False), (batch, True)):
            buf = io.StringIO()
            write_json(jsonable(b.to_dict(encoded=encoded)), buf)
            texts.append(buf.getvalue())
        assert texts[0] == texts[1]
    assert all("json_text" not in r.__dict__ for r in plain.results)  # not made unless asked


def test_info_workers_preload_every_module_an_info_imports(tmp_path):
    # the forkserver imports WORKER_IMPORTS once; a module info() imports beyond them is imported again by every
    # worker on its first file. A fresh process: after the preload, info on real structures (the bundled models,
    # and the quirks when present) imports no further symstrain module
    from pathlib import Path

    from symstrain.models import write_model_cifs

    files = [str(p) for p in write_model_cifs(tmp_path)]
    quirks = Path(__file__).resolve().parents[2] / "shared" / "cifs" / "quirks"
    files += sorted(str(p) for p in quirks.glob("*.cif"))[:20] if quirks.is_dir() else []
    code = ("import importlib, sys\nimport symstrain.structure_info as s\n"
            "for m in s.WORKER_IMPORTS: importlib.import_module(m)\n"
            "before = set(sys.modules)\n"
            f"for f in {files!r}:\n"
            "    try:\n        s._info_encoded(f)\n    except Exception:\n        pass\n"
            "print(sorted(m for m in set(sys.modules) - before if m.startswith('symstrain')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


_FORK_PROBE = '''\
import os

def parent(x):
    # the worker's parent process; "crash" kills the worker (as a crash in a native library would), "bug" raises
    if x == "crash":
        os._exit(1)
    if x == "bug":
        raise KeyError("oops")
    return os.getppid()
'''

_FORK_RUN = '''\
import json, os, threading
from symstrain.parallel import map_items, run_batch
import fork_probe
if __name__ == "__main__":
    me = os.getpid()
    out = {"forked": set(map_items(fork_probe.parent, range(6), jobs=2, fork=True)) == {me},
           "forkserver": me not in map_items(fork_probe.parent, range(6), jobs=2)}
    results, failed = run_batch(fork_probe.parent, ["a", "crash", "bug", "b"], jobs=2, fork=True)
    out["crash"] = [[r is not None for r in results], [(f.file, f.internal, f.problem) for f in failed]]
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:  # another thread runs: a fork could copy a lock it holds, so the forkserver starts the workers
        out["with_a_thread"] = me not in map_items(fork_probe.parent, range(6), jobs=2, fork=True)
    finally:
        stop.set()
        t.join()
    print(json.dumps(out))
'''


def test_fork_starts_workers_from_this_process_only_where_no_other_thread_runs(tmp_path):
    # the parent of each worker tells how it started: this process (fork) or the forkserver. A fresh process: the
    # test runner's own threads must not decide
    import os
    from pathlib import Path

    (tmp_path / "fork_probe.py").write_text(_FORK_PROBE)
    (tmp_path / "run.py").write_text(_FORK_RUN)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).resolve().parents[1])])}
    out = json.loads(subprocess.run([sys.executable, str(tmp_path / "run.py")], capture_output=True, text=True,
                                    env=env, check=True, timeout=120).stdout)
    assert out["forked"] and out["forkserver"] and out["with_a_thread"]
    # a worker that dies costs its item only, as from the forkserver (test_schema_a): the items in flight with it
    # run again (forked, or from the forkserver while the broken pool's threads are still winding down)
    done, failed = out["crash"]
    assert done == [True, False, False, True]
    assert [f[:2] for f in failed] == [["crash", True], ["bug", True]]
    assert failed[0][2].startswith("internal error: the process reading it died")
    assert failed[1][2] == "internal error: KeyError: 'oops'"


def test_cli_info_forks_its_workers_and_writes_the_same_document(tmp_path):
    # info --jobs 2 from the command line forks its workers (the forkserver is never started: the stand-in below
    # raises) and writes what --jobs 1 writes: the JSON document, and the text with the progress bar's wrapper in
    # the way (tqdm, silent off a terminal, starts no monitor thread that would forbid the fork)
    from symstrain.models import write_model_cifs

    files = [str(p) for p in write_model_cifs(tmp_path)]
    (tmp_path / "broken.cif").write_text("data_x\n_cell_length_a 5\n")
    files.append(str(tmp_path / "broken.cif"))
    code = ("import io, contextlib, json, sys, threading\nimport symstrain.parallel as p\n"
            "from symstrain.cli import main\n"
            "def no_forkserver(*a, **k):\n    raise AssertionError('forkserver started')\n"
            "out = []\n"
            "for extra in (['--json'], ['--jobs', '2', '--json'], [], ['--jobs', '2']):\n"
            "    buf = io.StringIO()\n"
            "    if '--jobs' in extra:\n        p._forkserver_pool = no_forkserver\n"
            "    with contextlib.redirect_stdout(buf):\n"
            f"        rc = main(['info', *{files!r}, *extra])\n"
            "    out.append([rc, json.loads(buf.getvalue()) if '--json' in extra else buf.getvalue()])\n"
            "print(json.dumps([out, threading.active_count()]))\n")
    out, threads = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                             check=True, timeout=120).stdout)
    assert [rc for rc, _ in out] == [3, 3, 3, 3] and threads == 1
    assert out[0][1] == out[1][1] and out[0][1]["n_read"] == 2
    assert out[2][1] == out[3][1] and "2 read, 1 failed" in out[2][1]
