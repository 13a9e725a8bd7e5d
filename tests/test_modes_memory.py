"""Memory of the mode decomposition and of the coset listing on supercells (issue 12: no stage above O(N) memory).

Two kinds of supercell: a child written on an (n a, b, c) cell whose group lists the n − 1 extra pure translations
(what ``benchmarks/bench_scaling.py`` measures: the physics of the small cell, n times the atoms and operations),
and a genuine supercell (a P1 child on (3a, b, c)), whose factor group Ĝ grows with the cell so that the
decomposition's blocks of Ĝ (``modes._BLOCK``) matter. The structures are written here: a Pmmm perovskite-like
parent and a polar Pmm2 child (the inversion lost, displacements along c)."""

from __future__ import annotations

import json
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest
from cif_text import cif_text

from symstrain import modes
from symstrain.cif import read_cif
from symstrain.cosets import left_cosets
from symstrain.ops import SymOps
from symstrain.relation import relate

PMMM = [(1, 1, 1), (-1, -1, 1), (-1, 1, -1), (1, -1, -1), (-1, -1, -1), (1, 1, -1), (1, -1, 1), (-1, 1, 1)]
PMM2 = [(1, 1, 1), (-1, -1, 1), (1, -1, 1), (-1, 1, 1)]
CELL = (3.90, 4.10, 4.30)
PARENT_ATOMS = [("Sr1", "Sr", 0, 0, 0), ("Ti1", "Ti", .5, .5, .5), ("O1", "O", .5, .5, 0), ("O2", "O", .5, 0, .5),
                ("O3", "O", 0, .5, .5)]
CHILD_ATOMS = [("Sr1", "Sr", 0, 0, 0), ("Ti1", "Ti", .5, .5, .53), ("O1", "O", .5, .5, .02), ("O2", "O", .5, 0, .49),
               ("O3", "O", 0, .5, .485)]


def _triplet(signs, shift) -> str:
    """'x+1/16,-y,z' for a diagonal rotation and a translation along a."""
    out = []
    for k, (s, v) in enumerate(zip(signs, ("x", "y", "z"))):
        t = shift if k == 0 else Fraction(0)
        out.append(("-" if s < 0 else "") + v + (f"+{t}" if t else ""))
    return ",".join(out)


def _cif(name, signs_list, atoms, n=1, cell=CELL) -> str:
    """A CIF on the (n a, b, c) cell whose symmetry operations are those of ``signs_list`` times the pure
    translations (i/n, 0, 0); ``atoms`` in the small cell's coordinates (x → x/n)."""
    ops = [_triplet(s, Fraction(i, n)) for i in range(n) for s in signs_list]
    a, b, c = cell
    return cif_text(name, ops, [(lab, el, x / n, y, z) for lab, el, x, y, z in atoms], (a * n, b, c), digits=8)


@pytest.fixture(scope="module")
def parent(tmp_path_factory):
    path = tmp_path_factory.mktemp("mem") / "pmmm.cif"
    path.write_text(_cif("pmmm", PMMM, PARENT_ATOMS))
    return read_cif(path)


def _child(tmp_path, n):
    """The Pmm2 child on (n a, b, c), its group extended by the pure translations (i/n, 0, 0) (a CIF cannot write
    1/16: gemmi reads denominators up to 12), built as ``benchmarks/corpus.supercell`` builds it."""
    from dataclasses import replace

    from symstrain.phase import SpaceGroupInfo

    path = tmp_path / "pmm2.cif"
    path.write_text(_cif("pmm2", PMM2, CHILD_ATOMS, cell=(3.91, 4.10, 4.32)))
    small = read_cif(path)
    sg = small.spacegroup
    S = np.diag([n, 1.0, 1.0])
    R = np.concatenate([sg.rotations] * n)
    t = np.concatenate([(sg.translations + [i / n, 0, 0]) % 1.0 for i in range(n)])
    big = SpaceGroupInfo(sg.number, sg.hm, sg.hall, f"{sg.hm} on ({n}a, b, c)", "symops", R, t, False)
    atoms = tuple(replace(a, xyz=(np.linalg.inv(S) @ a.xyz) % 1.0) for a in small.atoms)
    return replace(small, cell=small.cell.transformed(S), spacegroup=big, atoms=atoms, source=f"pmm2 ({n}a)")


def _peak(fn) -> float:
    """tracemalloc's peak (bytes) of one call of ``fn`` (numpy's arrays included)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_decompose_memory_grows_linearly_on_supercells(parent, tmp_path):
    """Twice the atoms (and twice the listed operations): at most 2.6 times the peak. Before, the lattice search of
    the equivalent correspondences made an index box growing like n³ (7× the peak from 80 to 160 atoms)."""
    out, peaks = {}, {}
    for n in (16, 32):
        child = _child(tmp_path, n)
        rel = relate(parent, child).require()
        modes.decompose(parent, child, relation=rel)  # first-call set-up outside the measure
        peaks[n] = _peak(lambda: out.setdefault(n, modes.decompose(parent, child, relation=rel)))
    # the same physics at both sizes: the Γ polar mode of the small cell, A = sqrt(Σ occ·|u|² / n_p), n_p = n
    u = np.array([0.03, 0.02, -0.01, -0.015]) * 4.32  # Ti, O1, O2, O3 along c (Sr fixed: the polar shift removed)
    expected = np.sqrt(np.sum((u - u.sum() / 5) ** 2) + (u.sum() / 5) ** 2)
    for n in (16, 32):
        assert out[n].amplitude == pytest.approx(expected, rel=1e-8)  # orthogonal: the reference lattice is the child's
    assert out[16].amplitude == pytest.approx(out[32].amplitude, rel=1e-9)
    assert peaks[32] < 2.6 * peaks[16], (peaks[16] / 2**20, peaks[32] / 2**20)


def test_coset_labels_never_hold_all_products(tmp_path):
    """The cosets of Pmm2 in Pmmm on a (64a, b, c) cell (512 and 256 listed operations): labelling the 131,072
    products g·h at once took 9 MiB for their rotations alone (9 int64 each); the peak stays below that."""
    n = 64
    shifts = [(i / n, 0.0, 0.0) for i in range(n)]
    G = SymOps(np.array([np.diag(s) for _ in shifts for s in PMMM]), np.array([t for t in shifts for _ in PMMM]))
    H = SymOps(np.array([np.diag(s) for _ in shifts for s in PMM2]), np.array([t for t in shifts for _ in PMM2]))
    got = []
    peak = _peak(lambda: got.append(left_cosets(G, H, np.eye(3), np.zeros(3))))
    cosets = got[0]
    assert len(cosets) == len(G) // len(H) == 2
    assert all(len(c) == len(H) for c in cosets)
    assert np.allclose(cosets[0][0], np.eye(4))  # H first, represented by the identity
    # H keeps z (1, 2z, mx, my); the other coset, the inversion's (−1, mz, 2x, 2y), reverses it in every member
    assert all(m[2, 2] == 1 for m in cosets[0]) and all(m[2, 2] == -1 for m in cosets[1])
    assert peak < len(G) * len(H) * 9 * 8, peak / 2**20


def _genuine_supercell(tmp_path):
    """The parent written on (3a, b, c) in P1 with fixed, irregular displacements (every atom its own site)."""
    rng = np.random.default_rng(7)
    atoms = []
    for i in range(3):
        for lab, el, x, y, z in PARENT_ATOMS:
            d = rng.uniform(-0.02, 0.02, 3)
            atoms.append((f"{lab}_{i}", el, ((x + i) / 3 + d[0]) % 1, (y + d[1]) % 1, (z + d[2]) % 1))
    path = tmp_path / "p1_3a.cif"
    path.write_text(_cif("p1_3a", [(1, 1, 1)], atoms, 1, cell=(3 * CELL[0], CELL[1], CELL[2])))
    return read_cif(path)


def _numbers(doc):
    """The JSON document's numbers in order, and everything else as text (to compare floats within rounding)."""
    nums, text = [], []

    def walk(x):
        if isinstance(x, bool) or x is None or isinstance(x, str):
            text.append(repr(x))
        elif isinstance(x, (int, float)):
            nums.append(float(x))
        elif isinstance(x, dict):
            for k in sorted(x):
                text.append(k)
                walk(x[k])
        else:
            for v in x:
                walk(v)

    walk(json.loads(json.dumps(doc, default=str)))
    return np.array(nums), text


@pytest.mark.parametrize("reference", ["parent", "symmetrized"])
def test_blocks_of_the_factor_group_give_the_same_decomposition(parent, tmp_path, monkeypatch, reference):
    """A genuine supercell (Ĝ of 24 elements on 15 atoms): the decomposition made in blocks of Ĝ and of irreps of at
    most 64 numbers (one point-group coset, one irrep at a time) equals the one made at once."""
    from symstrain import pairing

    child = _genuine_supercell(tmp_path)
    assert len(child.atoms) == 15 and len(child.spacegroup.rotations) == 1
    rel = relate(parent, child).require()
    whole = modes.decompose(parent, child, relation=rel, reference=reference)
    n_blocks = []
    blocks = pairing.GroupAction.blocks

    def counted(self, width=3):
        got = list(blocks(self, width))
        n_blocks.append(len(got))
        return iter(got)

    monkeypatch.setattr(modes, "_BLOCK", 64)
    monkeypatch.setattr(pairing.GroupAction, "blocks", counted)
    parts = modes.decompose(parent, child, relation=rel, reference=reference)
    assert n_blocks and min(n_blocks) == 3  # |Ĝ| = 24: three translations τ of 8 elements each, one per block
    assert len(whole.irreps) == len(parts.irreps) >= 4
    assert any(not np.allclose(ir.k, 0) for ir in parts.irreps)  # k = ±1/3: the supercell's own irreps
    a, ta = _numbers(whole.to_dict())
    b, tb = _numbers(parts.to_dict())
    assert ta == tb
    assert np.allclose(a, b, rtol=1e-10, atol=1e-12)
    assert [ir.role for ir in whole.irreps] == [ir.role for ir in parts.irreps]
    assert whole.parent_sites == parts.parent_sites
    # Σ A_Γ² = A² (the projections are complete and orthogonal) holds in blocks too
    assert sum(ir.amplitude ** 2 for ir in parts.irreps) == pytest.approx(parts.amplitude ** 2, rel=1e-9)


def test_a_failed_origin_is_kept_without_the_frames_it_was_raised_from():
    """decompose keeps each failed origin's exception for its message; ``raise … from None`` still keeps the pairing's
    exception as ``__context__``, with its traceback and the frames' arrays (sweep 8: ~30,000 failed origins of a P 1
    zeolite held 9.6 GB). What is kept has no traceback, cause or context."""
    from symstrain.errors import SymstrainInputError
    from symstrain.modes import _bare

    def pairing():
        big = np.zeros(10**6)  # noqa: F841 — what the frames of a failed pairing hold
        raise ValueError("no partner")

    try:
        try:
            pairing()
        except ValueError:
            raise SymstrainInputError("child", "no pairing") from None
    except SymstrainInputError as exc:
        assert exc.__context__ is not None and exc.__traceback__ is not None  # (what was kept before)
        kept = _bare(exc)
    assert kept.__context__ is None and kept.__cause__ is None and kept.__traceback__ is None
    assert str(kept) == "child: no pairing"
