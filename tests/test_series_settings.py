"""A series whose files are written in different settings of one group gives the same answer as the series written
in one setting (sweep 6, F1): ``table`` and ``transitions`` bring every row of a group into one setting before cells
are compared, baselines fitted, strains computed and η normalised (``series_settings.py``).

Each series is written twice into tmp_path by the small writer below — once every file in its own axes, once with
some files rewritten in other axes of their group (cell, s.u.'s, operators and atoms transformed, optionally with an
origin shift) — and the two answers are compared to 1e-9.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
LAWSONITE = [f"90025{k}.cif" for k in range(43, 52)]  # 2, 50, 100 K P2₁cn; 130–268 K Pmcn; 285, 300 K Cmcm


# ------------------------------------------------------------------------------------------------ a small CIF writer


def _frac(x: float) -> str:
    f = Fraction(float(x)).limit_denominator(24)
    return str(f)


def _triplet(W, w) -> str:
    out = []
    for i in range(3):
        terms = ""
        for j, name in enumerate("xyz"):
            c = int(round(W[i, j]))
            if c:
                terms += ("-" if c < 0 else ("+" if terms else "")) + ("" if abs(c) == 1 else str(abs(c))) + name
        t = Fraction(float(w[i] % 1.0)).limit_denominator(24)
        if t:
            terms += f"+{t}"
        out.append(terms)
    return ",".join(out)


def rewrite(src: Path, dst: Path, perm=(0, 1, 2), signs=(1, 1, 1), shift=(0.0, 0.0, 0.0)) -> Path:
    """``src`` written to ``dst`` on the basis (a, b, c)·Q, new axis j = signs[j] · old axis perm[j], with its origin
    at ``shift`` (old fractional coordinates): x_old = Q·x_new + shift. Cell lengths keep their text (an s.u. of
    (3) in the last digit is added to every length, so that the series carries s.u.'s); angles are 90° here (all
    these files are orthorhombic or monoclinic with the unique angle moved along with its axes)."""
    import gemmi

    block = gemmi.cif.read(str(src)).sole_block()
    Q = np.zeros((3, 3))
    for j, (i, s) in enumerate(zip(perm, signs)):
        Q[i, j] = s
    Qi = np.linalg.inv(Q)
    q = np.asarray(shift, dtype=float)
    lengths = [block.find_value(f"_cell_length_{n}") for n in "abc"]
    lengths = [v if "(" in v else f"{v}(3)" for v in lengths]
    angles = [float(block.find_value(f"_cell_angle_{n}")) for n in ("alpha", "beta", "gamma")]
    pairs = ((1, 2), (0, 2), (0, 1))
    new_angles = []
    for i, j in pairs:
        a, b = sorted((perm[i], perm[j]))
        old = angles[pairs.index((a, b))]
        new_angles.append(old if signs[i] * signs[j] > 0 else 180.0 - old)
    ops = None
    for tag in ("_space_group_symop_operation_xyz", "_symmetry_equiv_pos_as_xyz"):
        col = block.find_values(tag)
        if len(col):
            ops = [gemmi.Op(gemmi.cif.as_string(v)) for v in col]
            break
    if ops is None:
        name = block.find_value("_space_group_name_H-M_alt") or block.find_value("_symmetry_space_group_name_H-M")
        ops = list(gemmi.SpaceGroup(gemmi.cif.as_string(name)).operations())
    lines = [f"data_{dst.stem}"]
    for tag in ("_diffrn_ambient_temperature", "_chemical_formula_sum"):
        v = block.find_value(tag)
        if v:
            lines.append(f"{tag} {v}")
    for n, v in zip("abc", (lengths[k] for k in perm)):
        lines.append(f"_cell_length_{n} {v}")
    for n, v in zip(("alpha", "beta", "gamma"), new_angles):
        lines.append(f"_cell_angle_{n} {v:.10g}")
    lines += ["loop_", "_space_group_symop_operation_xyz"]
    for op in ops:
        W = np.array(op.rot, dtype=float) / op.DEN
        w = np.array(op.tran, dtype=float) / op.DEN
        W2 = Qi @ W @ Q
        w2 = Qi @ (w + W @ q - q)
        lines.append(f"'{_triplet(W2, w2)}'")
    table = block.find("_atom_site_", ["label", "fract_x", "fract_y", "fract_z", "?occupancy", "?U_iso_or_equiv",
                                       "?type_symbol"])
    has_occ, has_u, has_type = table.has_column(4), table.has_column(5), table.has_column(6)
    lines += ["loop_", "_atom_site_label", "_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z"]
    lines += ["_atom_site_occupancy"] * has_occ + ["_atom_site_U_iso_or_equiv"] * has_u
    lines += ["_atom_site_type_symbol"] * has_type
    for row in table:
        x = np.array([gemmi.cif.as_number(row[k]) for k in (1, 2, 3)])
        x2 = Qi @ (x - q)
        extra = [row[k] for k, has in ((4, has_occ), (5, has_u), (6, has_type)) if has]
        lines.append(" ".join([row[0]] + [f"{v:.6f}" for v in x2] + extra))
    dst.write_text("\n".join(lines) + "\n")
    return dst


# ------------------------------------------------------------------------------------------------ helpers


def _lawsonite(shared_cifs, tmp_path, name, changes) -> list[Path]:
    """The 9 lawsonite files written into tmp_path/name, the files of ``changes`` (file → rewrite arguments) in
    other axes."""
    folder = shared_cifs / "lawsonite"
    if not all((folder / f).is_file() for f in LAWSONITE):
        pytest.skip("the lawsonite series is not in the shared CIFs")
    out = tmp_path / name
    out.mkdir()
    return [rewrite(folder / f, out / f, **changes.get(f, {})) for f in LAWSONITE]


#: the 268 K Pmcn file in Pnma axes (c, a, b), the 300 K Cmcm file in Amma axes, the 2 K P2₁cn file as (b, a, -c)
#: (P c2₁n? its polar axis moved to b) with its origin moved along the polar axis
MIXED = {"9002549.cif": {"perm": (2, 0, 1)},
         "9002551.cif": {"perm": (2, 0, 1)},
         "9002543.cif": {"perm": (1, 0, 2), "signs": (1, 1, -1), "shift": (0.125, 0.0, 0.0)}}


def _transitions(files):
    from symstrain.series import read_series
    from symstrain.transitions import find_transitions

    cells, phases = read_series(files, detect=False)
    trs, _ = find_transitions(cells, phases)
    return cells, trs


def _same(a, b, what):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    assert a.shape == b.shape, what
    assert np.array_equal(np.isnan(a), np.isnan(b)), what
    m = ~np.isnan(a)
    np.testing.assert_allclose(a[m], b[m], rtol=1e-9, atol=1e-12, err_msg=what)


def _short(key: str) -> str:
    return key.replace(" ", "")


def _compare_transitions(one, mixed):
    assert len(one) == len(mixed) >= 1
    for t1, t2 in zip(one, mixed):
        b1, b2 = t1.bracket, t2.bracket
        assert (b1.T_below, b1.T_above, b1.group_below, b1.group_above) == \
               (b2.T_below, b2.T_above, b2.group_below, b2.group_above)
        assert (t1.high, t1.low) == (t2.high, t2.low)
        assert t1.coupling == t2.coupling and t1.proxy == t2.proxy and t1.reference == t2.reference
        assert t1.preferred == t2.preferred
        _same(t1.Tc, t2.Tc, "T_c")
        _same(t1.Tc_su, t2.Tc_su, "T_c s.u.")
        _same(t1.T, t2.T, "ordered rows' T")
        _same(np.abs(t1.y), np.abs(t2.y), "proxy")
        _same(t1.y_su, t2.y_su, "proxy s.u.")


def _strain_table(files):
    from symstrain.paraphase import choose_reference
    from symstrain.series import read_series, strain_table

    cells, phases = read_series(files, detect=False)
    choice = choose_reference(cells, phases)
    return choice, strain_table(cells, choice)


def _compare_tables(t1, t2):
    assert t1.attrs["failed"] == [] and t2.attrs["failed"] == []
    assert len(t1) == len(t2)
    assert list(t1["T"]) == list(t2["T"])
    assert list(t1["spacegroup"].astype(str)) == list(t2["spacegroup"].astype(str))
    numeric = [c for c in t1.columns if c not in ("label", "file", "block") and t1[c].dtype.kind in "fi"]
    assert {"e11", "e22", "e33", "e23", "e13", "e12", "e_sb", "e_nsb", "eta_strain", "eta2_strain", "vs"} <= set(numeric)
    for c in numeric:
        _same(t1[c].to_numpy(float), t2[c].to_numpy(float), c)
    for c in ("relation", "coupling", "zero_by_symmetry", "reference_kind"):
        assert list(t1[c].astype(str)) == list(t2[c].astype(str)), c


# ------------------------------------------------------------------------------------------------ tests


def test_transitions_do_not_depend_on_the_files_settings(shared_cifs, tmp_path):
    """Pmcn → P2₁cn and Cmcm → Pmcn: the same T_c, s.u., brackets, groups and proxies with three files in other
    axes (the sweep: 112.6 → 101.5 K and 271.8 → 268 K, 'Cmcm → Pnma')."""
    _, one = _transitions(_lawsonite(shared_cifs, tmp_path, "one", {}))
    cells, mixed = _transitions(_lawsonite(shared_cifs, tmp_path, "mixed", MIXED))
    assert [(_short(t.high), _short(t.low)) for t in one] == [("Pmcn", "P21cn"), ("Cmcm", "Pmcn")]
    _compare_transitions(one, mixed)
    mapped = [w for w in cells.attrs["warnings"] if w.record.code == "setting_mapped"]
    assert len(mapped) == 3
    assert set(cells.attrs["basis_changes"]) == {lab for lab in cells["label"] if any(
        lab.startswith(str(tmp_path / "mixed" / f)) for f in MIXED)}


def test_table_does_not_depend_on_the_files_settings(shared_cifs, tmp_path):
    """Every strain column, s.u. and η the same with the paraphase row (300 K) in Amma axes and two more rows in
    other axes (the sweep: the 300 K row refused, 'e11 = 1.24', and a one-cell reference)."""
    c1, one = _strain_table(_lawsonite(shared_cifs, tmp_path, "one", {}))
    c2, mixed = _strain_table(_lawsonite(shared_cifs, tmp_path, "mixed", MIXED))
    assert c1.describe() == c2.describe() and len(c2.rows) == 2
    _compare_tables(one, mixed)


def test_table_cli_with_the_paraphase_row_in_other_axes(shared_cifs, tmp_path, symstrain_cli):
    """``symstrain table`` exits 0 and writes the same table.csv (but for the file and block names) when the 300 K
    Cmcm file is written in Amma axes; the mapping is said in a warning."""
    import pandas as pd

    one = _lawsonite(shared_cifs, tmp_path, "one", {})
    mixed = _lawsonite(shared_cifs, tmp_path, "mixed", {"9002551.cif": {"perm": (2, 0, 1)}})
    outs = []
    for name, files in (("t1", one), ("t2", mixed)):
        r = symstrain_cli("table", *map(str, files), "--no-plots", "--no-detect", "--out", str(tmp_path / name))
        assert r.returncode == 0, r.stderr
        outs.append(pd.read_csv(tmp_path / name / "table.csv", comment="#"))
        if name == "t2":
            assert "mapped onto" in r.stdout + r.stderr
    a, b = outs
    for c in a.columns:
        if c not in ("file", "block") and a[c].dtype.kind in "fi":
            _same(a[c].to_numpy(float), b[c].to_numpy(float), c)


def test_model_series_in_mixed_settings(tmp_path):
    """The bundled model series (Pccn → P2₁/c): one P2₁/c file rewritten as P2₁/a (a and c exchanged, b reversed),
    one Pccn file in other axes: the same table and the same transition."""
    folder = REPO / "cifs" / "series"
    files = sorted(folder.glob("model_cooling_02[0-7]*K.cif"))
    if len(files) < 6:
        pytest.skip("the bundled model series is not present")
    from symstrain.cif import read_cif

    groups = {f: read_cif(f).spacegroup.number for f in files}
    mono = [f for f in files if groups[f] == 14]
    ortho = [f for f in files if groups[f] == 56]
    assert len(mono) >= 3 and len(ortho) >= 3
    change = {mono[1].name: {"perm": (2, 1, 0), "signs": (1, -1, 1)}, ortho[1].name: {"perm": (1, 2, 0)}}
    (tmp_path / "one").mkdir()
    (tmp_path / "mixed").mkdir()
    one = [rewrite(f, tmp_path / "one" / f.name) for f in files]
    mixed = [rewrite(f, tmp_path / "mixed" / f.name, **change.get(f.name, {})) for f in files]
    c1, t1 = _strain_table(one)
    c2, t2 = _strain_table(mixed)
    assert c1.describe() == c2.describe()
    _compare_tables(t1, t2)
    _, tr1 = _transitions(one)
    _, tr2 = _transitions(mixed)
    _compare_transitions(tr1, tr2)


def test_mapped_cell_permutes_cells_and_su_exactly():
    """A signed permutation moves lengths, angles and s.u.'s exactly (180° − angle when one of its axes is reversed);
    another basis change goes through the metric."""
    from symstrain.phase import Cell
    from symstrain.series_settings import mapped_cell

    p = np.array([5.1, 6.2, 7.3, 90.0, 101.5, 90.0])
    s = np.array([1e-4, 2e-4, 3e-4, np.nan, 0.01, np.nan])
    Q = np.array([[0, 0, 1], [0, -1, 0], [1, 0, 0]], dtype=float)  # (c, -b, a)
    new, su = mapped_cell(p, s, Q)
    assert list(new) == [7.3, 6.2, 5.1, 90.0, 101.5, 90.0]
    assert np.array_equal(su, s[[2, 1, 0, 3, 4, 5]], equal_nan=True)
    Q2 = np.array([[1, 0, 1], [0, 1, 0], [0, 0, 1]], dtype=float)  # (a, b, a+c)
    new2, su2 = mapped_cell(p, s, Q2)
    np.testing.assert_allclose(new2, Cell(*p).transformed(Q2).params, rtol=1e-12)
    assert np.all(np.isfinite(su2[[0, 1, 2, 4]]))


def test_a_row_already_in_the_series_axes_is_not_said_to_be_mapped(tmp_path):
    """A row of the series' own setting that lies farther than the tolerance from the coldest row (a = 16.93 Å →
    +10 %: (1.1² − 1)/2 = 0.105 > 0.08) but near the next one (+5 %: 0.051 and 0.049) relates to that one by the
    identity: nothing to map, so no ``setting_mapped`` warning (sweep 8: 'mapped onto it (new basis (a, b, c) …)' for
    the hottest rows of a P-1 series)."""
    import re

    from symstrain.series import read_series

    files = sorted((REPO / "cifs" / "series").glob("model_heating_*.cif"))[:3]
    if len(files) < 3:
        pytest.skip("the bundled model series is not present")
    out, want = [], []
    for k, f in enumerate(files):
        text = f.read_text()
        a = float(re.search(r"_cell_length_a\s+(\S+)", text).group(1))
        want.append(round(a * (1 + 0.05 * k), 6))
        text = re.sub(r"(_cell_length_a\s+)\S+", lambda m: f"{m.group(1)}{want[-1]:.6f}", text)
        out.append(tmp_path / f.name)
        out[-1].write_text(text)
    cells, _ = read_series(out, detect=False)
    codes = [w.record.code for w in cells.attrs["warnings"]]
    assert "setting_mapped" not in codes and "setting_not_mapped" not in codes
    assert cells["a"].tolist() == pytest.approx(want, rel=1e-12)  # as written
