"""expand_to_cell, detect_symmetry and the operator identification behind read_cif.

Expected numbers are hand derivations: multiplicities of Wyckoff positions (ITA), the group of
a simple decoration of a cubic cell, the effect of a uniform sublattice shift."""

from __future__ import annotations

import numpy as np
import pytest

from symstrain.cif import read_cif
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo
from symstrain.detect import detect_symmetry
from symstrain.expand import expand_to_cell
from symstrain.spacegroup import centring_type, identify_operations, lattice_basis_from_translations


def phase(cell, symbol, sites):
    """sites: (label, element, xyz, occupancy)."""
    atoms = tuple(Atom(l, e, np.array(x, float), np.full(3, np.nan), o) for l, e, x, o in sites)
    return Phase(Cell(*cell), SpaceGroupInfo.from_symbol(symbol), atoms)


ROCKSALT = ((5.64, 5.64, 5.64, 90, 90, 90), "F m -3 m", [("Na", "Na", (0, 0, 0), 1.0), ("Cl", "Cl", (0.5, 0.5, 0.5), 1.0)])


def test_expand_rocksalt_counts():
    frac, z, site, occ = expand_to_cell(phase(*ROCKSALT))
    # 4a and 4b of Fm-3m: four of each in the conventional cell
    assert len(frac) == 8
    assert sorted(z.tolist()) == [11] * 4 + [17] * 4
    na = frac[z == 11]
    want = np.array([[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]])
    assert sorted(map(tuple, np.round(na, 9))) == sorted(map(tuple, want))
    assert np.all((frac >= 0) & (frac < 1))
    assert np.all(occ == 1.0) and set(site.tolist()) == {0, 1}


def test_expand_special_and_general_positions_p21c():
    sites = [("Fe", "Fe", (0, 0, 0), 1.0), ("O", "O", (0.1, 0.2, 0.3), 1.0), ("N", "N", (0.5, 0, 0.5), 1.0)]
    frac, z, site, _ = expand_to_cell(phase((7, 8, 9, 90, 100, 90), "P 1 21/c 1", sites))
    # 2a (inversion centre), 4e general, 2d
    assert np.bincount(site).tolist() == [2, 4, 2]


def test_expand_merges_rounded_special_positions():
    # P 3: 1b (1/3, 2/3, z) written to 4 decimals is one atom, not three
    p = phase((12.9, 12.9, 7.0, 90, 90, 120), "P 3", [("Si", "Si", (0.3333, 0.6667, 0.1), 1.0),
                                                     ("O", "O", (0.2, 0.1, 0.3), 1.0)])
    _, _, site, _ = expand_to_cell(p)
    assert np.bincount(site).tolist() == [1, 3]


def test_merged_images_sit_at_their_mean_on_the_special_position():
    # P 3, 1b written (0.3333, 0.6667): its three images are (0.3333, 0.6667), (0.3333, 0.6666), (0.3334, 0.6667);
    # their mean is (1/3, 2/3) exactly (the x's sum to 1.0, the y's to 2.0)
    p = phase((12.9, 12.9, 7.0, 90, 90, 120), "P 3", [("Si", "Si", (0.3333, 0.6667, 0.1), 1.0)])
    frac, _, _, _ = expand_to_cell(p)
    assert frac == pytest.approx(np.array([[1 / 3, 2 / 3, 0.1]]), abs=1e-12)


def test_site_off_a_mirror_by_rounding_is_one_atom_on_the_mirror():
    # COD 12917's O3 in P6₃mc (a = 5.318 Å): (0.532, 0.062, 0.151) and its mirror image (-x+y, y, z) =
    # (0.530, 0.062, 0.151) are 0.002·a = 0.0106 Å apart: one atom at the mean (0.531, 0.062, 0.151), on the mirror
    # (-0.531 + 0.062 = -0.469 ≡ 0.531), so 6c: six atoms and the declared group at 0.01 Å
    cell = (5.318, 5.318, 12.837, 90, 90, 120)
    p = phase(cell, "P 63 m c", [("Ba", "Ba", (1 / 3, 2 / 3, 0.0), 1.0), ("O3", "O", (0.532, 0.062, 0.151), 1.0)])
    frac, z, site, _ = expand_to_cell(p)
    assert np.bincount(site).tolist() == [2, 6]
    first = frac[site == 1][0]
    assert first == pytest.approx([0.531, 0.062, 0.151], abs=1e-12)
    x, y = frac[z == 8, 0], frac[z == 8, 1]
    # every O on one of the three mirrors through the 6-fold axis: x = 2y, y = 2x or x = -y (mod 1)
    on = [np.isclose(((a - b) + 0.5) % 1 - 0.5, 0, atol=1e-12) for a, b in ((x, 2 * y), (y, 2 * x), (x, -y))]
    assert np.all(np.any(on, axis=0))
    assert detect_symmetry(p, symprec=0.01).number == 186


def test_expand_zero_occupancy_and_duplicated_site():
    sites = [("A", "Fe", (0.1, 0.2, 0.3), 1.0), ("A*", "Fe", (0.9, 0.8, 0.7), 1.0), ("Z", "O", (0.3, 0.3, 0.3), 0.0)]
    p = phase((6, 7, 8, 90, 90, 90), "P -1", sites)
    frac, z, site, _ = expand_to_cell(p)
    # A* is the inversion image of A (listed twice in the file): counted once; Z left out
    assert len(frac) == 2 and set(site.tolist()) == {0}
    frac, z, site, _ = expand_to_cell(p, include_zero_occupancy=True)
    assert np.bincount(site, minlength=3).tolist() == [2, 0, 2]
    rep = detect_symmetry(p)
    assert any("listed twice" in n for n in rep.notes)
    assert any("occupancy 0" in n for n in rep.notes)


def test_expanded_is_the_remembered_cell_read_only_and_expand_to_cell_gives_copies():
    from symstrain.expand import expanded

    p = phase(*ROCKSALT)
    shared = expanded(p)
    assert all(not x.flags.writeable for x in shared)
    assert all(a is b for a, b in zip(shared, expanded(p)))  # made once per phase
    mine = expand_to_cell(p)
    for a, b in zip(mine, shared):
        assert a.flags.writeable and a is not b and np.array_equal(a, b)
    mine[0][:] = 0.5  # a caller's copy changes nothing remembered
    assert len(np.unique(np.round(expanded(p)[0], 9), axis=0)) == 8 and len(expand_to_cell(p)[0]) == 8


def test_detect_rocksalt_declared_p1_differs():
    frac, z, _, _ = expand_to_cell(phase(*ROCKSALT))
    sites = [(f"{'Na' if zz == 11 else 'Cl'}{i}", "Na" if zz == 11 else "Cl", f, 1.0) for i, (f, zz) in enumerate(zip(frac, z))]
    p1 = phase(ROCKSALT[0], "P 1", sites)
    rep = detect_symmetry(p1)
    assert rep.number == 225 and rep.symbol == "Fm-3m"
    assert rep.declared_number == 1 and rep.differs_from_declared
    assert rep.n_atoms_cell == 8
    d = rep.to_dict()
    assert d["number"] == 225 and len(d["ladder"]) == 7


def test_ladder_sees_pseudo_symmetry():
    # rock salt with the whole Na sublattice shifted by δ = 0.02 c = 0.113 Å: F4mm = I4mm (107) at small
    # tolerances; the lost mirror z → −z maps Na at +δ onto −δ, 2δ = 0.226 Å away, so Fm-3m (225)
    # comes back only once symprec exceeds 0.226 Å
    frac, z, _, _ = expand_to_cell(phase(*ROCKSALT))
    frac = frac.copy()
    frac[z == 11, 2] += 0.02
    sites = [(f"X{i}", "Na" if zz == 11 else "Cl", f, 1.0) for i, (f, zz) in enumerate(zip(frac, z))]
    rep = detect_symmetry(phase(ROCKSALT[0], "P 1", sites), symprec=0.01)
    ladder = {t: n for t, n, _ in rep.ladder}
    assert rep.number == 107
    assert ladder[1e-4] == 107 and ladder[0.05] == 107 and ladder[0.2] == 107 and ladder[0.3] == 225


def test_partial_occupancy_is_its_own_species():
    # Fe at 0,0,0 (full) and Fe at 1/2,1/2,1/2 (half): CsCl-like Pm-3m (221), not bcc Im-3m (229)
    sites = [("Fe1", "Fe", (0, 0, 0), 1.0), ("Fe2", "Fe", (0.5, 0.5, 0.5), 0.5)]
    rep = detect_symmetry(phase((4, 4, 4, 90, 90, 90), "P 1", sites))
    assert rep.number == 221
    assert any("distinct species" in n for n in rep.notes)
    sites[1] = ("Fe2", "Fe", (0.5, 0.5, 0.5), 1.0)
    assert detect_symmetry(phase((4, 4, 4, 90, 90, 90), "P 1", sites)).number == 229


def test_spglib_failure_is_none_not_exception():
    # two atoms of one species 0.1 Å apart: at symprec 0.3 Å spglib finds no consistent cell
    sites = [("C1", "C", (0, 0, 0), 1.0), ("C2", "C", (0.025, 0, 0), 1.0)]
    rep = detect_symmetry(phase((4, 4, 4, 90, 90, 90), "P 1", sites), symprec=0.3, ladder=(1e-3, 0.3))
    assert rep.number is None and rep.symbol is None and not rep.differs_from_declared
    assert rep.ladder[0][1] == 123 and rep.ladder[1][1] is None  # tetragonal P4/mmm at 1e-3
    assert any("no space group" in n for n in rep.notes)


def test_transformation_convention():
    # P 1 21/n 1 cell: spglib's standard is P 1 21/c 1; L_original = L_std · P (columns)
    p = phase((7, 8, 9, 90, 100, 90), "P 1 21/n 1", [("O", "O", (0.1, 0.2, 0.3), 1.0)])
    rep = detect_symmetry(p)
    assert rep.number == 14
    P = rep.transformation_matrix
    assert abs(np.linalg.det(P)) == pytest.approx(1.0)
    # applying the spglib convention to the input operations gives operations of the dataset
    assert rep.rotations.shape == (4, 3, 3)


def test_close_contacts_rocksalt_mgo():
    from symstrain.neighbours import close_contacts

    # MgO rock salt: Mg–Mg = a/√2. a = 4.21 Å gives 2.98 Å > r(Mg)+r(Mg) = 2.82 Å: fine.
    sites = [("Mg", "Mg", (0, 0, 0), 1.0), ("O", "O", (0.5, 0.5, 0.5), 1.0)]
    assert close_contacts(phase((4.21,) * 3 + (90,) * 3, "F m -3 m", sites)) == []
    # squeezed to a = 3.8 Å: Mg–Mg = 3.8/√2 = 2.687 Å, two cations closer than 2.82 Å in an oxide
    (a, b, d, lim, kind), = close_contacts(phase((3.8,) * 3 + (90,) * 3, "F m -3 m", sites))
    assert (a, b, kind) == ("Mg", "Mg", "cation-cation")
    assert d == pytest.approx(3.8 / np.sqrt(2), abs=1e-9) and lim == pytest.approx(2.82, abs=0.02)


@pytest.mark.parametrize("cell, symbol, sites, shortest", [
    # rock salt CaO, a = 4.8105 Å: Ca–Ca = a/√2 = 3.40 Å, under r(Ca)+r(Ca) = 3.52 Å
    ((4.8105,) * 3 + (90,) * 3, "F m -3 m", [("Ca", "Ca", (0, 0, 0), 1.0), ("O", "O", (0.5, 0.5, 0.5), 1.0)],
     4.8105 / np.sqrt(2)),
    # rock salt BaO, a = 5.523 Å: Ba–Ba = 3.905 Å, under 4.30 Å
    ((5.523,) * 3 + (90,) * 3, "F m -3 m", [("Ba", "Ba", (0, 0, 0), 1.0), ("O", "O", (0.5, 0.5, 0.5), 1.0)],
     5.523 / np.sqrt(2)),
    # antifluorite Li2O, a = 4.6114 Å: Li on 8c, Li–Li = a/2 = 2.31 Å, under 2.56 Å
    ((4.6114,) * 3 + (90,) * 3, "F m -3 m", [("Li", "Li", (0.25, 0.25, 0.25), 1.0), ("O", "O", (0, 0, 0), 1.0)],
     4.6114 / 2),
    # cubic perovskite BaTiO3, a = 4.00 Å, written as a 2a × a × a cell in P 1 (two Ba, not one and its image):
    # Ba–Ba = a, under 4.30 Å
    ((8.00, 4.00, 4.00, 90, 90, 90), "P 1",
     [(f"{e}{k}", e, ((x + k) / 2, y, z), 1.0) for k in (0, 1) for e, (x, y, z) in
      (("Ba", (0, 0, 0)), ("Ti", (0.5, 0.5, 0.5)), ("O", (0.5, 0.5, 0)), ("O", (0.5, 0, 0.5)), ("O", (0, 0.5, 0.5)))],
     4.00),
])
def test_close_contacts_leave_real_alkali_and_alkaline_earth_oxides_alone(cell, symbol, sites, shortest):
    """Large cations touch closer than their covalent radii in real oxides (sweep of real CIFs: ~75 false 'impossible
    contact' warnings on Li2O, CaO, BaO, BaTiO3 …): two of them are never held to the cation–cation rule."""
    from symstrain.neighbours import close_contacts, pairs_within

    ph = phase(cell, symbol, sites)
    big = sites[0][1]
    r = 2 * __import__("gemmi").Element(big).covalent_r
    assert shortest < r  # the covalent sum the old rule used would have called this contact impossible
    frac, _, site, _ = expand_to_cell(ph)
    cat = np.flatnonzero(np.array([ph.atoms[s].element == big for s in site]))
    _, _, d = pairs_within(frac[cat], ph.cell.matrix(), r)
    assert d.min() == pytest.approx(shortest, abs=1e-9)
    assert close_contacts(ph) == []


def test_close_contacts_still_hold_a_large_cation_to_a_small_one():
    """Cubic perovskite CaSiO3 squeezed to a = 3.2 Å: Ca–Si = a·√3/2 = 2.771 Å, under r(Ca) + r(Si) = 2.87 Å, is
    reported (Si is small and highly charged); Ca–Ca = a = 3.2 Å, under 3.52 Å, is not (two large cations)."""
    import gemmi

    from symstrain.neighbours import close_contacts

    sites = [("Ca", "Ca", (0, 0, 0), 1.0), ("Si", "Si", (0.5, 0.5, 0.5), 1.0), ("O", "O", (0.5, 0.5, 0), 1.0)]
    (a, b, d, lim, kind), = close_contacts(phase((3.2,) * 3 + (90,) * 3, "P m -3 m", sites))
    assert (a, b, kind) == ("Ca", "Si", "cation-cation")
    assert d == pytest.approx(3.2 * np.sqrt(3) / 2, abs=1e-9)
    assert lim == pytest.approx(gemmi.Element("Ca").covalent_r + gemmi.Element("Si").covalent_r, abs=1e-6)


def test_close_contacts_overlap_and_alternatives():
    from symstrain.neighbours import close_contacts

    cell = (5, 6, 7, 90, 90, 90)
    # two full C atoms 0.25 Å apart (0.05·5 Å): below 0.6·(0.76+0.76) = 0.91 Å
    sites = [("C1", "C", (0.1, 0.2, 0.3), 1.0), ("C2", "C", (0.15, 0.2, 0.3), 1.0)]
    (a, b, d, _, kind), = close_contacts(phase(cell, "P 1", sites))
    assert (a, b, kind) == ("C1", "C2", "overlap") and d == pytest.approx(0.25)
    # as 0.6/0.4 alternatives they are a disorder model, not an error
    sites = [("C1", "C", (0.1, 0.2, 0.3), 0.6), ("C2", "C", (0.15, 0.2, 0.3), 0.4)]
    assert close_contacts(phase(cell, "P 1", sites)) == []
    # across a periodic boundary of an oblique cell the shortest image counts
    sites = [("C1", "C", (0.01, 0.2, 0.3), 1.0), ("C2", "C", (0.98, 0.2, 0.3), 1.0)]
    (_, _, d, _, _), = close_contacts(phase((5, 6, 7, 90, 100, 90), "P 1", sites))
    assert d == pytest.approx(0.03 * 5)


# ----------------------------------------------------------------------------- identification helpers


def test_centring_type():
    assert centring_type(np.zeros((0, 3))) == "P"
    assert centring_type([[0.5, 0.5, 0]]) == "C"
    assert centring_type([[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]]) == "F"
    assert centring_type([[2 / 3, 1 / 3, 1 / 3], [1 / 3, 2 / 3, 2 / 3]]) == "R"
    assert centring_type([[0.5, 0, 0]]) is None


def test_lattice_basis_from_translations():
    B = lattice_basis_from_translations([[0.5, 0, 0]])
    assert B == pytest.approx(np.diag([0.5, 1, 1]))
    B = lattice_basis_from_translations([[0.5, 0.5, 0.5]])  # I lattice: primitive cell of volume 1/2
    assert abs(np.linalg.det(B)) == pytest.approx(0.5)


def test_identify_cmcm_shifted_origin():
    import gemmi

    sg = gemmi.find_spacegroup_by_name("C m c m")
    ops = list(sg.operations())
    R = np.array([np.array(o.rot) // o.DEN for o in ops])
    t = np.array([np.array(o.tran) / o.DEN for o in ops])
    shift = np.array([0.25, 0.25, 0])  # x_file = x_table + shift
    t_file = (t + shift - np.einsum("nab,b->na", R, shift)) % 1
    ident = identify_operations(R, t_file)
    assert ident.number == 63 and ident.hm == "C m c m"
    # mapping the file operators back with the reported origin must give the table
    back = (t_file + np.einsum("nab,b->na", R - np.eye(3), ident.origin_shift)) % 1
    from symstrain.ops import SymOps

    assert SymOps(R, back).key() == SymOps(R, t).key()


def test_real_files(shared_cifs):
    for code in ("9002543", "9002546", "9002551"):
        ph = read_cif(shared_cifs / "lawsonite" / f"{code}.cif")
        rep = detect_symmetry(ph)
        assert rep.number == ph.spacegroup.number and not rep.differs_from_declared
    ph = read_cif(shared_cifs / "quirks" / "2105936-strange-centering.cif")
    assert detect_symmetry(ph).number == 26
    ph = read_cif(shared_cifs / "quirks" / "2208311-zero-occupancies.cif")
    rep = detect_symmetry(ph)
    assert rep.number == 14 and rep.n_sites_used == len(ph.atoms) - 2


def test_tabulated_settings_named_as_gemmis_lookup_names_them():
    """Every operator set of gemmi's table (also its settings outside International Tables vol. B, e.g. the
    other origins 'P 21212(a)'), in shuffled order, is named as gemmi's own look-up by operations names it."""
    import gemmi

    from symstrain.ops import SymOps

    rng = np.random.default_rng(7)
    table = list(gemmi.spacegroup_table())
    extras = table[len(list(gemmi.spacegroup_table_itb())):]
    assert any(e.xhm() == "P 21212(a)" for e in extras)
    for entry in table[::7] + extras:
        ops = SymOps.from_gemmi(entry.operations())
        order = rng.permutation(len(ops))
        want = gemmi.find_spacegroup_by_ops(entry.operations())
        ident = identify_operations(ops.rotations[order], ops.translations[order])
        assert ident.tabulated and (ident.number, ident.hm, ident.hall) == (want.number, want.xhm(), want.hall)
