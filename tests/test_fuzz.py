"""Property-based fuzzing (hypothesis) of the issue-11 invariant, bounded so the suite stays fast (< 30 s):
single-line mutations of real CIFs (../shared/cifs when present) and of the bundled models (cifs/), and generated
CIFs. On any of them ``read_cif`` and, when it succeeds, ``info``, ``relate`` (both ways against the unmutated
structure), ``strain`` and ``reflections`` return a result or raise ``SymstrainInputError`` — no other exception,
no Python warning (numpy's RuntimeWarning included), no case past 10 s.

The mutations, generator and pipeline are those of ``benchmarks/fuzz.py`` (which runs ≥ 10,000 cases in
subprocesses under memory and CPU limits); the examples here are derandomised, so the suite is repeatable.
"""

from __future__ import annotations

import importlib.util
import random
import signal
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from symstrain.cif import read_cif  # noqa: E402
from symstrain.errors import SymstrainInputError  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("symstrain_fuzz", ROOT / "benchmarks" / "fuzz.py")
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)

CORPUS = fuzz.corpus()
_PARTNERS: dict[str, object] = {}
LIMIT_S = 10


def partner(name):
    """The unmutated structure of a corpus file (None when it is not readable itself)."""
    if name not in _PARTNERS:
        path = ROOT.parent / name
        try:
            _PARTNERS[name] = read_cif(path)
        except SymstrainInputError:
            _PARTNERS[name] = None
    return _PARTNERS[name]


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout(f"a case ran past {LIMIT_S} s")


def check(path, partner_phase, what):
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(LIMIT_S)
    try:
        res = fuzz.run_pipeline(path, partner_phase)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert res["outcome"] in ("ok", "input_error"), (what, res)


payloads = {
    "token": st.sampled_from(fuzz.TOKENS),
    "bytes": st.sampled_from(fuzz.BYTES),
    "operator": st.sampled_from(fuzz.OPERATORS),
    "char": st.integers(32, 126).map(lambda c: bytes([c])),
}


@st.composite
def mutations(draw):
    name, data = draw(st.sampled_from(CORPUS))
    kind = draw(st.sampled_from(fuzz.KINDS))
    payload = draw(payloads[kind]) if kind in payloads else None
    line = draw(st.integers(0, 1 << 16))
    arg = draw(st.integers(0, 1 << 16))
    new, what = fuzz.apply_mutation(data, line, kind, arg, payload)
    return name, new, f"{name}: {what}"


_SETTINGS = dict(deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@settings(max_examples=70, **_SETTINGS)
@given(case=mutations())
def test_mutated_cifs_keep_the_promise(tmp_path_factory, case):
    name, data, what = case
    path = tmp_path_factory.mktemp("fuzz") / "m.cif"
    path.write_bytes(data)
    check(path, partner(name), what)


@settings(max_examples=25, **_SETTINGS)
@given(seed=st.integers(0, 2**32 - 1))
def test_generated_cifs_keep_the_promise(tmp_path_factory, seed):
    data, what = fuzz.generate(random.Random(seed))
    path = tmp_path_factory.mktemp("gen") / "g.cif"
    path.write_bytes(data)
    check(path, None, what)


def test_mutation_kinds_all_change_the_file():
    # the fuzzer must actually mutate: every kind applied to a real line gives other bytes
    name, data = next((n, d) for n, d in CORPUS if n.endswith("model_LS_Pccn_90K.cif"))
    line = next(i for i, ln in enumerate(data.split(b"\n")) if ln.split() == b"Fe1 Fe 0.25 0.25 0.151 0.02 Uiso 1.0".split())
    for kind in fuzz.KINDS:
        payload = {"token": "1e309", "bytes": b"\xff", "operator": "x,y,z+1/3", "char": b"#"}.get(kind)
        new, _ = fuzz.apply_mutation(data, line, kind, 3, payload)
        assert new != data, kind
