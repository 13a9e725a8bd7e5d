"""The one neighbour search: every pair within r, shortest image, any cell shape; bounded by what the cell holds.

The oracle is brute force written here: every pair against every lattice translation in a box large enough
for the cell (|n_k| ≤ ⌈r/d_k⌉ + 1 with d_k the interplanar spacings), distances in float64.
"""

from __future__ import annotations


import numpy as np
import pytest

from symstrain.errors import SymstrainInputError
from symstrain import neighbours
from symstrain.neighbours import close_contacts, pairs_within
from symstrain.lattice import cell_matrix
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo


def brute_force(frac, A, r):
    d = 1.0 / np.linalg.norm(np.linalg.inv(A), axis=1)
    reach = [np.arange(-k, k + 1) for k in (np.ceil(r / d).astype(int) + 1)]
    shifts = np.array(np.meshgrid(*reach, indexing="ij")).reshape(3, -1).T
    out = {}
    for i in range(len(frac)):
        for j in range(i + 1, len(frac)):
            v = (frac[j] - frac[i] + shifts) @ A.T
            dist = np.sqrt((v * v).sum(axis=1)).min()
            if dist < r:
                out[(i, j)] = dist
    return out


@pytest.mark.parametrize("params, n, r", [
    ((7.0, 8.0, 9.0, 90, 100, 90), 60, 2.5),       # ordinary monoclinic cell
    ((2.0, 2.5, 3.0, 80, 95, 110), 5, 4.5),        # cell smaller than r: images several cells away
    ((40.0, 3.0, 3.1, 90, 90, 90), 30, 3.2),       # long thin cell
    ((6.0, 6.0, 6.0, 40, 40, 40), 20, 3.0),        # very oblique (rhombohedral, 40°)
])
@pytest.mark.parametrize("all_pairs_max", [0, 10_000])  # the cell list alone; every pair a candidate
def test_pairs_match_brute_force(params, n, r, all_pairs_max, monkeypatch):
    monkeypatch.setattr(neighbours, "_ALL_PAIRS_MAX", all_pairs_max)
    rng = np.random.default_rng(3)
    frac = rng.random((n, 3)) * 1.3 - 0.15  # outside [0, 1) as well
    A = cell_matrix(params)
    i, j, dist = pairs_within(frac, A, r)
    want = brute_force(frac, A, r)
    assert set(zip(i.tolist(), j.tolist())) == set(want)
    for a, b, x in zip(i, j, dist):
        assert x == pytest.approx(want[(a, b)], abs=1e-9)
    assert np.all(i < j) and list(zip(i, j)) == sorted(zip(i, j))


@pytest.mark.parametrize("n, r", [(150, 0.02), (150, 2.5), (150, 7.0), (40, 4.0), (600, 0.02), (600, 0.1),
                                  (600, 1.5)])
def test_other_candidates_give_the_cell_lists_answer_to_the_bit(n, r, monkeypatch):
    # few points take every pair as a candidate instead of the cell list's, a short reach the pairs close along one
    # axis: the same pairs (those with every |Δx_k|·d_k < r) get measured in the same order, so the distances are
    # the same floats; atoms on special positions (images ~0.01 Å apart), on cell faces (x = 0 and x just under 1)
    # as well as random ones, in an oblique cell
    sweep = neighbours._sweep
    rng = np.random.default_rng(n)
    A = cell_matrix((7.3, 8.1, 9.4, 84, 97, 103))
    frac = rng.random((n, 3))
    frac[: n // 3] = np.rint(frac[: n // 3] * 4) / 4 + rng.normal(size=(n // 3, 3)) * 1e-3
    frac[n // 3: n // 3 + 10, 2] = [0.0, 1 - 1e-13] * 5
    swept = []
    monkeypatch.setattr(neighbours, "_sweep", lambda *a: swept.append(1) or sweep(*a))
    got = pairs_within(frac, A, r)
    d_max = (1 / np.linalg.norm(np.linalg.inv(A), axis=1)).max()  # a sweep runs along the axis of widest spacing
    short = n * r / d_max <= neighbours._SWEEP_PER_POINT
    # the path meant to be tested was taken: a short reach sweeps unless the points are few
    assert bool(swept) == (short and (n > neighbours._ALL_PAIRS_MAX or n >= neighbours._SWEEP_MIN_POINTS))
    assert bool(swept) == (r < 1)  # (the cases above: every short reach sweeps)
    monkeypatch.setattr(neighbours, "_ALL_PAIRS_MAX", 0)
    monkeypatch.setattr(neighbours, "_SWEEP_PER_POINT", 0.0)
    want = pairs_within(frac, A, r)
    assert len(want[0]) > 0
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and np.array_equal(g, w)


@pytest.mark.parametrize("params, n, r", [
    ((7.0, 8.0, 9.0, 90, 100, 90), 24, 2.5),       # few points: every pair, the three axes at once
    ((2.0, 2.5, 3.0, 80, 95, 110), 12, 4.5),       # r beyond half the spacings: images of other cells measured
    ((6.0, 6.0, 6.0, 40, 40, 40), 20, 3.0),        # very oblique: many pairs whose first image is not the shortest
    ((7.3, 8.1, 9.4, 84, 97, 103), 150, 4.2),      # every pair, one axis after the other
    ((7.3, 8.1, 9.4, 84, 97, 103), 600, 3.9),      # the cell list
])
def test_shortcuts_give_the_same_floats(params, n, r, monkeypatch):
    # the fused test of the three axes and the pairs left out before their images are measured (none of which can
    # come within r) change no pair and no bit of any distance: compared with the search without them, and with the
    # brute-force oracle
    rng = np.random.default_rng(n)
    A = cell_matrix(params)
    frac = rng.random((n, 3)) * 1.2 - 0.1
    got = pairs_within(frac, A, r)
    monkeypatch.setattr(neighbours, "_FUSED_MAX", 0)
    monkeypatch.setattr(neighbours, "_FAR_MARGIN", np.inf)  # every pair beyond half a spacing measured over images
    want = pairs_within(frac, A, r)
    assert len(want[0]) > 0
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and np.array_equal(g, w)
    if n <= 150:
        oracle = brute_force(frac, A, r)
        assert set(zip(got[0].tolist(), got[1].tolist())) == set(oracle)
        assert np.allclose(got[2], [oracle[k] for k in zip(got[0].tolist(), got[1].tolist())], rtol=0, atol=1e-9)


def test_tiny_cell_is_refused_without_allocating():
    A = cell_matrix((1e-9, 5, 5, 90, 90, 90))
    with pytest.raises(SymstrainInputError, match="too small"):
        pairs_within(np.array([[0, 0, 0], [0.5, 0.5, 0.5]]), A, 0.02, source="tiny.cif")
    sites = (Atom("Na", "Na", np.zeros(3), np.full(3, np.nan)), Atom("Cl", "Cl", np.full(3, 0.5), np.full(3, np.nan)))
    with pytest.raises(SymstrainInputError, match="tiny.cif"):
        close_contacts(Phase(Cell(1e-9, 5, 5, 90, 90, 90), SpaceGroupInfo.from_symbol("P 1"), sites, source="tiny.cif"))


def test_cli_refuses_a_tiny_cell_in_one_line(tmp_path, symstrain_cli):
    cif = tmp_path / "tiny.cif"
    cif.write_text("data_tiny\n_cell_length_a 0.000000001\n_cell_length_b 5\n_cell_length_c 5\n"
                   "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
                   "_symmetry_space_group_name_H-M 'P 1'\nloop_\n_atom_site_label\n_atom_site_type_symbol\n"
                   "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n")
    out = symstrain_cli("info", cif, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    # the reader's plausibility limits now refuse it first (the library refusal above stays for Phases built in code)
    assert len(lines) == 1 and lines[0].startswith(f"symstrain: error: {cif}") and "cell length a" in lines[0]


def test_no_pairs_and_degenerate_input():
    A = cell_matrix((5, 5, 5, 90, 90, 90))
    for frac in (np.zeros((0, 3)), np.zeros((1, 3))):
        i, j, d = pairs_within(frac, A, 3.0)
        assert len(i) == len(j) == len(d) == 0
    i, j, d = pairs_within(np.array([[0, 0, 0], [0.5, 0.5, 0.5]]), A, 1.0)
    assert len(i) == 0
    with pytest.raises(SymstrainInputError, match="no volume"):
        pairs_within(np.zeros((2, 3)), np.zeros((3, 3)), 1.0)


def brute_contacts(phase, overlap=0.6):
    """The two rules of close_contacts over every pair of the cell (brute-force distances): {label pair: shortest}."""
    import gemmi

    from symstrain.expand import expand_to_cell

    frac, _, site, occ = expand_to_cell(phase)
    A = phase.cell.matrix()
    hard, small = set("Li Na K Rb Cs Be Mg Ca Sr Ba Al Si".split()), set("Be Mg Al Si".split())
    els = [a.element for a in phase.atoms]
    oxide = bool({"O", "F"} & set(els))
    rad = [float(gemmi.Element("H" if e in ("D", "T") else e).covalent_r) for e in els]
    groups = [a.disorder_group for a in phase.atoms]
    r_max = max(max(rad) * 2 * overlap, max([2 * r for r, e in zip(rad, els) if oxide and e in hard], default=0))
    out = {}
    for (i, j), d in brute_force(frac, A, r_max).items():
        si, sj = site[i], site[j]
        if (occ[i] < 1 and occ[j] < 1 and occ[i] + occ[j] <= 1 + 1e-3) or (
                groups[si] and groups[sj] and groups[si] != groups[sj]):
            continue
        rs = rad[si] + rad[sj]
        if d < overlap * rs or (oxide and els[si] in hard and els[sj] in hard and {els[si], els[sj]} & small and d < rs):
            key = tuple(sorted((phase.atoms[si].label, phase.atoms[sj].label)))
            out[key] = min(out.get(key, np.inf), d)
    return out


@pytest.mark.parametrize("name", ["lawsonite/9002551.cif", "lawsonite/9002545.cif", "quirks/2208311-zero-occupancies.cif",
                                  "quirks/1506182-disorder-groups.cif", "quirks/9015578.cif"])
def test_close_contacts_match_brute_force(shared_cifs, name):
    from symstrain.cif import read_cif

    ph = read_cif(shared_cifs / name)
    got = {(a, b): d for a, b, d, _, _ in close_contacts(ph, max_pairs=10_000)}
    want = brute_contacts(ph)
    assert got.keys() == want.keys()
    for k, d in want.items():
        assert got[k] == pytest.approx(d, abs=1e-9)
    if name == "lawsonite/9002551.cif":  # the documented Al–Si contact of the Cmcm files (shared/cifs/README)
        assert any({"Al", "Si"} <= {k[0][:2], k[1][:2]} and 2.2 < d < 2.35 for k, d in got.items())


def test_close_contacts_match_brute_force_on_a_crowded_random_oxide():
    # 45 atoms thrown at random into a small oblique cell: many overlaps and cation–cation contacts, with partial
    # occupancies and disorder groups so that the alternative rule is exercised too
    rng = np.random.default_rng(11)
    els = ["Na", "K", "Si", "Al", "O", "O", "Fe", "H"] * 6
    atoms = []
    for k, e in enumerate(els[:45]):
        occ = 0.5 if k % 7 == 0 else 1.0
        atoms.append(Atom(f"{e}{k}", e, rng.random(3), np.full(3, np.nan), occ, None, None,
                          "AB"[k % 2] if k % 5 == 0 else ""))
    ph = Phase(Cell(7.5, 8.0, 8.5, 80, 95, 105), SpaceGroupInfo.from_symbol("P 1"), tuple(atoms), source="random")
    got = {(a, b): d for a, b, d, _, _ in close_contacts(ph, max_pairs=10_000)}
    want = brute_contacts(ph)
    assert len(want) > 20 and got.keys() == want.keys()
    for k, d in want.items():
        assert got[k] == pytest.approx(d, abs=1e-9)


def _brute_nearest(frac, kinds, A, q, qk, r):
    """Oracle: Å from each point q (M, 3) to the nearest atom of its kind qk within r (inf beyond), every periodic image
    within one cell measured in numpy."""
    shifts = np.array(np.meshgrid(*[[-1, 0, 1]] * 3, indexing="ij")).reshape(3, -1).T
    diff = frac[None, :, :] - q[:, None, :]
    diff -= np.rint(diff)
    d = np.linalg.norm((diff[:, :, None, :] + shifts[None, None]) @ A.T, axis=3).min(axis=2)
    d[kinds[None, :] != qk[:, None]] = np.inf
    want = d.min(axis=1)
    want[want > r] = np.inf
    return want


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dense_pairs", [0, 10**9])  # always the bins; always every atom of the kind
def test_nearest_of_kind_equals_brute_force(seed, dense_pairs, monkeypatch):
    # oracle: every periodic image within one cell of every atom, measured in numpy
    from symstrain.neighbours import NearestOfKind

    monkeypatch.setattr(neighbours, "_DENSE_PAIRS", dense_pairs)

    rng = np.random.default_rng(seed)
    A = np.array([[9.0, 1.5, -0.7], [0.0, 10.0, 2.0], [0.0, 0.0, 11.0]]) if seed % 2 else np.diag([8.0, 9.5, 12.0])
    n = 40 + 30 * seed
    frac = rng.random((n, 3)) - 0.5  # any range
    kinds = rng.integers(0, 3, n)
    r = [0.4, 1.2, 2.0][seed % 3]
    search = NearestOfKind(frac, kinds, A, r)
    q = np.vstack([rng.random((300, 3)) * 3 - 1, frac[:20] + rng.normal(size=(20, 3)) * 0.01])
    qk = rng.integers(0, 3, len(q))
    shifts = np.array(np.meshgrid(*[[-1, 0, 1]] * 3, indexing="ij")).reshape(3, -1).T
    for rr in (r, r / 7):
        got = search.distance(q, qk, r=rr)
        want = _brute_nearest(frac, kinds, A, q, qk, rr)
        assert np.array_equal(np.isinf(got), np.isinf(want))
        assert np.allclose(got[np.isfinite(got)], want[np.isfinite(want)], rtol=0, atol=1e-12)
    # the atoms themselves, each excluded: the nearest other atom of its kind
    got = search.distance(frac, kinds, exclude=np.arange(n))
    diff = frac[None, :, :] - frac[:, None, :]
    diff -= np.rint(diff)
    d = np.linalg.norm((diff[:, :, None, :] + shifts[None, None]) @ A.T, axis=3).min(axis=2)
    d[kinds[None, :] != kinds[:, None]] = np.inf
    d[np.arange(n), np.arange(n)] = np.inf
    want = d.min(axis=1)
    want[want > r] = np.inf
    assert np.array_equal(np.isinf(got), np.isinf(want))
    assert np.allclose(got[np.isfinite(got)], want[np.isfinite(want)], rtol=0, atol=1e-12)


@pytest.mark.parametrize("labels", [(0, 1, 2), (1, 5, 9), (-3, 7, 10**12)])  # table of kinds; bisection of them
def test_nearest_of_kind_with_absent_and_odd_kinds(labels):
    # oracle: brute force in numpy; query kinds that no atom has (below, between and above the atoms' kinds,
    # also beyond the table) find nothing
    from symstrain.neighbours import NearestOfKind

    rng = np.random.default_rng(7)
    A = np.array([[7.0, 0.8, 0.0], [0.0, 8.0, 1.1], [0.0, 0.0, 9.0]])
    n = 60
    frac = rng.random((n, 3))
    kinds = np.array(labels)[rng.integers(0, 3, n)]
    r = 1.5
    search = NearestOfKind(frac, kinds, A, r)
    absent = [-1, 3, 6, 10**12 + 1, -(10**12)]
    q = rng.random((80, 3))
    qk = np.array(list(labels) + absent)[rng.integers(0, 3 + len(absent), len(q))]
    want = _brute_nearest(frac, kinds, A, q, qk, r)
    got = search.distance(q, qk)
    assert np.isinf(got[np.isin(qk, absent)]).all()
    assert np.array_equal(np.isinf(got), np.isinf(want))
    assert np.allclose(got[np.isfinite(got)], want[np.isfinite(want)], rtol=0, atol=1e-12)
    assert np.isinf(search.distance(q[:5], np.full(5, absent[1]))).all()
