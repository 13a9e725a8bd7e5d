"""Faults found by sweeps 21–23 (sessions 26 and 27) and fixed in session 27, each against a number derived
independently."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest


def _matrix(a, b, c, beta):
    """Cell vectors as columns, X ∥ a, Z ∥ c* (gemmi's orthogonalisation for α = γ = 90°)."""
    cb, sb = np.cos(np.radians(beta)), np.sin(np.radians(beta))
    return np.array([[a, 0, c * cb], [0, b, 0], [0, 0, c * sb]])


def test_principal_expansion_sus_take_each_rows_components_as_correlated():
    """A noise-free monoclinic series (P2/m, 21 rows 100–300 K) with s.u.'s 2e-4 Å on a, b, c and 0.01° on β: the
    principal coefficients' s.u.'s took each row's e11, e33 and e13 as independent, though all three move with c
    and β (sweep 21: X1's s.u. 12 % too small, X3's 19 % too large). Against a Monte Carlo here with numpy: 4000 data
    sets drawn at the s.u.'s (the reference row exact, as the fit takes it), strains F = A·A0⁻¹, a straight line
    per tensor component, eigenvalues; the spread of each eigenvalue is the s.u. (within 6 %; the noise-free rows
    have χ² = 0, so no Birge scaling enters)."""
    from symstrain.expansion import thermal_expansion

    T = np.arange(100.0, 301.0, 10.0)
    n = len(T)
    a, b, c = 5.0 + 5e-5 * (T - 100), 6.0 + 1e-5 * (T - 100), 7.0 + 1e-4 * (T - 100)
    beta = 100.0 + 2e-3 * (T - 100)
    sl, sbeta = 2e-4, 0.01
    cells = np.column_stack([a, b, c, np.full(n, 90.0), beta, np.full(n, 90.0)])
    df = pd.DataFrame({"label": [f"r{i}" for i in range(n)], "T": T, "branch": "", "spacegroup": "P 1 2/m 1",
                       "sg_number": 10})
    for k, name in enumerate(("a", "b", "c", "alpha", "beta", "gamma")):
        df[name] = cells[:, k]
        df[f"{name}_su"] = (sl, sl, sl, np.nan, sbeta, np.nan)[k]
    got = thermal_expansion(df).phases[0]

    rng = np.random.default_rng(2027)
    A0inv = np.linalg.inv(_matrix(a[0], b[0], c[0], beta[0]))
    x = T - T.mean()
    draws = []
    for _ in range(4000):
        na, nb, nc = (v + rng.normal(0, sl, n) for v in (a, b, c))
        nbeta = beta + rng.normal(0, sbeta, n)
        A = np.stack([_matrix(*r) for r in zip(na, nb, nc, nbeta)])
        F = A @ A0inv
        e = 0.5 * (F + F.transpose(0, 2, 1)) - np.eye(3)
        slope = np.einsum("n,nij->ij", x, e) / (x @ x)  # (equal weights: every row's s.u.'s alike to < 1 %)
        draws.append(np.linalg.eigvalsh(slope) * 1e6)
    draws = np.array(draws)
    assert got.alpha == pytest.approx(np.mean(draws, axis=0), abs=0.05)
    assert got.alpha_su == pytest.approx(np.std(draws, axis=0), rel=0.06)


def test_pseudo_parents_of_other_cell_sizes_are_written_with_their_own_z(tmp_path):
    """Sweep 22: ``pseudo --write`` gave a parent of another cell volume the child's Z (Fe₃Cl₈: a parent of twice the
    child's volume with Z = 2, so ``scan`` counted half its content and ``pairs`` saw two compounds). Here rock salt
    a little off Fm-3m in its primitive cell as P 1 (2 atoms, Z = 1): each parent found — C-centred ones of twice
    the volume, Fm-3m of four times — is written with Z = its Na atoms per cell, counted with gemmi from the file."""
    import gemmi

    from symstrain.cif import read_cif
    from symstrain.pseudo import pseudo_supergroups
    from symstrain.writer import write_cif

    a = 5.64 / 2 ** 0.5
    lines = ["data_nacl_prim", f"_cell_length_a {a:.5f}", f"_cell_length_b {a:.5f}", f"_cell_length_c {a:.5f}",
             "_cell_angle_alpha 60.1", "_cell_angle_beta 60", "_cell_angle_gamma 60",
             "_symmetry_space_group_name_H-M 'P 1'", "_chemical_formula_sum 'Cl Na'", "_cell_formula_units_Z 1",
             "loop_", "_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_fract_y",
             "_atom_site_fract_z", "Na1 Na 0 0 0", "Cl1 Cl 0.501 0.5 0.5"]
    (tmp_path / "prim.cif").write_text("\n".join(lines) + "\n")
    found = pseudo_supergroups(read_cif(tmp_path / "prim.cif"), max_distance=0.2, depth=1)
    seen = {}
    for k, cand in enumerate(found):
        path = write_cif(cand.symmetrized, tmp_path / f"p{k}.cif")
        st = gemmi.read_small_structure(str(path))
        n_na = sum(1 for s in st.get_all_unit_cell_sites() if s.element.name == "Na")
        z = float(gemmi.cif.read(str(path)).sole_block().find_value("_cell_formula_units_Z"))
        assert z == n_na, (cand.symbol, z, n_na)
        seen[cand.symbol] = z
    assert seen["F m -3 m"] == 4 and seen["C 1 2 1"] == 2 and seen["P -1"] == 1


def _c2m_in_doubled_b_cif(tmp_path):
    """A C 1 2/m 1 structure (a 6.98, b 4.0098, c 7.6548 Å, β 107.7°; Ho 2a, K 2d, S 4i) written in a cell with b
    doubled: its 16 operators carry the pure translations (0, ½, 0) and (½, ¼, 0), no conventional centring."""
    ops = ['-x+1/2,-y+1/4,-z', '-x+1/2,-y+3/4,-z', '-x+1/2,y+1/4,-z', '-x+1/2,y+3/4,-z', '-x,-y+1/2,-z', '-x,-y,-z',
           '-x,y+1/2,-z', '-x,y,-z', 'x+1/2,-y+1/4,z', 'x+1/2,-y+3/4,z', 'x+1/2,y+1/4,z', 'x+1/2,y+3/4,z',
           'x,-y+1/2,z', 'x,-y,z', 'x,y+1/2,z', 'x,y,z']
    lines = ["data_c2m_b2", "_cell_length_a 6.98", "_cell_length_b 8.0196", "_cell_length_c 7.6548",
             "_cell_angle_alpha 90", "_cell_angle_beta 107.7", "_cell_angle_gamma 90",
             "_chemical_formula_sum 'Ho K S2'", "_cell_formula_units_Z 4", "loop_", "_space_group_symop_operation_xyz"]
    lines += [f"'{o}'" for o in ops]
    lines += ["loop_", "_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_fract_y",
              "_atom_site_fract_z", "Ho1 Ho 0 0 0", "K1 K 0 0 0.5", "S1 S 0.3 0 0.2"]
    path = tmp_path / "c2m_b2.cif"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_true_lattice_smaller_than_the_cell_is_given_its_conventional_cell(tmp_path):
    """Sweep 22 (doubt 1): operators with pure translations that are no conventional centring were re-expressed on
    the lattice's Hermite basis — for an R-centred orthohexagonal cell (1/6a+1/2b+2/3c, b, c): a = 14.8 Å, β = 9°, no
    tabulated setting, every strain in that frame — and the file's Z kept for a cell of another volume. Now the
    conventional cell of the group: here the C 1 2/m 1 cell the structure was built in (halving b), tabulated, with
    Z = 2 (the file's 4 per doubled cell), Ho at 2a and S at 4i as built (gemmi counts on the original cell)."""
    import gemmi

    from symstrain.cif import read_cif

    ph = read_cif(_c2m_in_doubled_b_cif(tmp_path))
    assert ph.spacegroup.number == 12 and ph.spacegroup.hm == "C 1 2/m 1" and ph.spacegroup.is_standard_setting
    assert ph.cell.params == pytest.approx((6.98, 4.0098, 7.6548, 90, 107.7, 90), abs=1e-6)
    assert ph.z == 2
    built = ["data_c2m", "_cell_length_a 6.98", "_cell_length_b 4.0098", "_cell_length_c 7.6548",
             "_cell_angle_alpha 90", "_cell_angle_beta 107.7", "_cell_angle_gamma 90",
             "_symmetry_space_group_name_H-M 'C 1 2/m 1'", "loop_", "_atom_site_label", "_atom_site_type_symbol",
             "_atom_site_fract_x", "_atom_site_fract_y", "_atom_site_fract_z", "Ho1 Ho 0 0 0", "K1 K 0 0 0.5",
             "S1 S 0.3 0 0.2"]
    (tmp_path / "built.cif").write_text("\n".join(built) + "\n")
    st = gemmi.read_small_structure(str(tmp_path / "built.cif"))
    want = sorted(s.element.name for s in st.get_all_unit_cell_sites())
    from symstrain.expand import expand_to_cell

    frac, z, _, _ = expand_to_cell(ph)
    got = sorted(gemmi.Element(int(n)).name for n in z)
    assert got == want and len(got) == 8


def test_an_su_column_without_a_unit_is_in_its_values_unit(tmp_path):
    """Sweep 20 made 'a (nm)' convert; 'a_su' beside it (no unit of its own) was still read in Å, ten times too
    small. By hand: 0.00002 nm = 0.0002 Å; 0.0001 rad = 0.0057296°; an s.u. with its own unit keeps it
    (3 pm = 0.03 Å); 'T (°C)' with T_su 0.5: 0.5 K."""
    from symstrain.series import read_cells_csv

    (tmp_path / "t.csv").write_text("T (°C),T_su,a (nm),a_su,b (nm),b_su (pm),c,beta (rad),beta_su\n"
                                    "28.9,0.5,0.586465,0.00002,0.876520,3,13.1002,1.5708,0.0001\n")
    t = read_cells_csv(tmp_path / "t.csv")
    assert t["a_su"][0] == pytest.approx(0.0002, rel=1e-9) and t["b_su"][0] == pytest.approx(0.03, rel=1e-9)
    assert t["beta_su"][0] == pytest.approx(np.degrees(0.0001), rel=1e-9) and t["T_su"][0] == 0.5
    assert t["c"][0] == 13.1002 and t["a"][0] == pytest.approx(5.86465)


def _bto_p4mm() -> str:
    """BaTiO₃ P4mm (3.992(2), 3.992(2), 4.036(2) Å; Ti and O off their centric places along c)."""
    import gemmi
    from cif_text import cif_text

    ops = [o.triplet() for o in gemmi.SpaceGroup("P 4 m m").operations()]
    atoms = [("Ba1", "Ba", 0, 0, 0), ("Ti1", "Ti", 0.5, 0.5, 0.515), ("O1", "O", 0.5, 0.5, 0.98),
             ("O2", "O", 0.5, 0, 0.48)]
    return cif_text("bto_p4mm", ops, atoms, ("3.992(2)", "3.992(2)", "4.036(2)"), digits=3)


BTO_P4MM = _bto_p4mm()
CUBIC_CELL_ONLY = """data_cubic
_cell_length_a 4.0
_cell_length_b 4.0
_cell_length_c 4.0
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P m -3 m'
"""


def test_a_parent_known_by_its_cell_and_group_alone(tmp_path, capsys):
    """Left open in session 26 (the README spoke of a parent without atoms; every command refused one). A Pm-3m cell
    of 4 Å, no atom sites, against BaTiO₃ P4mm (3.992, 3.992, 4.036 Å): relate gives index 6 (|m-3m| 48 / |4mm| 8);
    strain by hand e11 = e22 = 3.992/4 − 1 = −0.002, e33 = 4.036/4 − 1 = 0.009, vs = 3.992²·4.036/64 − 1; modes
    against the child's own average gives the amplitude by hand (Ti 0.515 − 0.5 and O 0.98 − 1, 0.48 − 0.5 along c,
    less their mean, √Σ u² in Å of the averaged cell: 0.12796 Å, as with a cubic parent holding
    atoms); the commands that
    need the parent's atoms say so (exit 2)."""
    import json

    from symstrain.cli import main

    (tmp_path / "child.cif").write_text(BTO_P4MM)
    (tmp_path / "parent.cif").write_text(CUBIC_CELL_ONLY)
    parent, child = str(tmp_path / "parent.cif"), str(tmp_path / "child.cif")
    assert main(["relate", parent, child, "--json"]) == 0
    rel = json.loads(capsys.readouterr().out)
    assert rel["index"] == 6 and "no_atom_sites" in [w["code"] for w in rel["warnings"]]
    assert main(["strain", parent, child, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    e = np.array(got["e"]["value"])
    assert np.diag(e) == pytest.approx([3.992 / 4 - 1, 3.992 / 4 - 1, 4.036 / 4 - 1], abs=1e-12)
    assert got["volume_strain"]["value"] == pytest.approx(3.992 ** 2 * 4.036 / 64 - 1, abs=1e-12)
    # modes against the child's own average: the displacements along c, less the polar shift (their mean), by hand
    # (in Å of the averaged lattice, the child's metric averaged over the lost operations: c'² = (2·3.992² + 4.036²)/3)
    c_avg = np.sqrt((2 * 3.992 ** 2 + 4.036 ** 2) / 3)
    uz = np.array([0.0, 0.515 - 0.5, 0.98 - 1.0, 0.48 - 0.5, 0.48 - 0.5]) * c_avg  # Ba, Ti, O1, O2 ×2
    want = float(np.sqrt(np.sum((uz - uz.mean()) ** 2)))
    assert main(["modes", parent, child, "--reference", "symmetrized", "--json", "--out", str(tmp_path / "m")]) == 0
    doc = json.loads(capsys.readouterr().out)
    amp = doc["results"][0]["amplitude"]
    assert (amp["value"] if isinstance(amp, dict) else amp) == pytest.approx(want, rel=1e-6)
    for cmd in (["modes", parent, child, "--out", str(tmp_path / "m2")], ["order", parent, child, "--out",
                                                                          str(tmp_path / "o")]):
        assert main(cmd) == 2
        assert "no atom sites" in capsys.readouterr().err


def test_a_lost_operation_is_kept_only_where_the_childs_lattice_keeps_it_too(tmp_path, capsys):
    """Sweep 23: a Pmmm child of P4/mmm whose atoms sit on fixed special positions (Ti 1a, O 1b, 1c, 1f here) was
    said to keep −y,x,z — 'more symmetry than its declared group' — though its a and b differ by 1 %: the lost
    4-fold maps the atoms onto themselves in fractional coordinates but not the lattice. spglib (here, at info's
    0.01 Å) finds Pmmm (47) for that child and P4/mmm (123) for the same atoms with a = b: the warning follows it."""
    import json

    import gemmi
    import spglib
    from cif_text import cif_text

    from symstrain.cli import main

    def ops(hm):
        return [op.triplet() for op in gemmi.SpaceGroup(hm).operations()]

    atoms = [("Ti", "Ti", 0.0, 0.0, 0.0), ("O1", "O", 0.5, 0.5, 0.0), ("O2", "O", 0.5, 0.0, 0.5),
             ("O3", "O", 0.0, 0.5, 0.5)]
    # (sweep 25: with c = 40 Å a bound from the longest vector missed b − a = 0.004 Å, which spglib calls P4/mmm)
    for c in (4.0, 40.0):
        (tmp_path / "p.cif").write_text(cif_text("p", ops("P 4/m m m"), atoms[:2] + atoms[2:3], (3.9, 3.9, c)))
        for name, b, kept, number in (("strained", 3.94, False, 47), ("near", 3.904, True, 123),
                                      ("same", 3.9, True, 123)):
            (tmp_path / f"{name}.cif").write_text(cif_text(name, ops("P m m m"), atoms, (3.9, b, c)))
            lattice = np.diag([3.9, b, c])
            pos = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]
            assert spglib.get_symmetry_dataset((lattice, pos, [22, 8, 8, 8]), symprec=0.01).number == number
            assert main(["relate", str(tmp_path / "p.cif"), str(tmp_path / f"{name}.cif"), "--json"]) == 0
            codes = {w["code"] for w in json.loads(capsys.readouterr().out)["warnings"]}
            assert ("lost_operations_kept" in codes) is kept, (name, c)


def test_a_file_edited_with_its_modification_time_restored_is_read_again(tmp_path):
    """Sweep 23: scan took a file as unchanged from its size and modification time; a digit edited and the time set
    back (as cp -p, rsync -t or tar x leave it) kept the old row (a = 5.62294 after the file said 5.62295). The
    status-change time, which no tool sets back, is compared too. A catalogue of schema 1 (no such column) is
    brought to schema 2 and its files read again once."""
    pytest.importorskip("duckdb")
    import duckdb

    from symstrain.catalogue import scan

    folder = tmp_path / "c"
    folder.mkdir()
    f = folder / "x.cif"
    f.write_text(CUBIC_CELL_ONLY.replace("4.0\n", "5.62294\n") + "loop_\n_atom_site_label\n_atom_site_type_symbol\n"
                 "_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 Na 0 0 0\nCl1 Cl 0.5 0.5 0.5\n")
    cat = tmp_path / "cat.duckdb"
    scan([folder], cat)

    def a_of():
        con = duckdb.connect(str(cat), read_only=True)
        try:
            return [r[0] for r in con.execute("SELECT a FROM blocks").fetchall()]
        finally:
            con.close()

    assert a_of() == [5.62294]
    st = f.stat()
    time.sleep(0.01)
    f.write_text(f.read_text().replace("5.62294", "5.62295"))  # same size
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (f.stat().st_size, f.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    again = scan([folder], cat)
    assert again.n_unchanged == 0 and a_of() == [5.62295]
    assert scan([folder], cat).n_unchanged == 1  # (and left alone once read)
    # a schema-1 catalogue: the column dropped, the version set back; the next scan migrates it and reads the file
    con = duckdb.connect(str(cat))
    con.execute('ALTER TABLE blocks DROP COLUMN "file_ctime_ns"')
    con.execute("UPDATE catalogue_info SET value = '1' WHERE key = 'schema_version'")
    con.close()
    old = scan([folder], cat)
    assert old.n_unchanged == 0 and scan([folder], cat).n_unchanged == 1 and a_of() == [5.62295]


def _descendants(pid: int) -> set[int]:
    """The processes below ``pid`` (Linux /proc: children of every thread, recursively)."""
    from pathlib import Path

    out, todo = set(), [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
            todo += [k for k in kids if k not in out]
            out.update(kids)
    return out


def test_sigterm_stops_a_parallel_scan_and_its_workers(tmp_path):
    """Sweep 23: SIGTERM (kill, timeout, a batch system's limit) to 'scan --jobs 2' killed the main process alone and
    left its forkserver, resource tracker and two workers running. Now it leaves as on Ctrl-C: exit 143,
    'terminated', every process it started gone within seconds, and the catalogue keeps what it committed."""
    import signal
    import subprocess
    import sys
    from pathlib import Path

    if not Path("/proc/self/task").exists():
        pytest.skip("needs Linux /proc")
    pytest.importorskip("duckdb")
    from test_corpus import _model_corpus

    corpus = _model_corpus(tmp_path / "c", series_copies=3)  # 132 files
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    cmd = [sys.executable, "-c", "from symstrain.cli import entry; entry()", "scan", str(corpus), "--catalogue",
           str(tmp_path / "cat.duckdb"), "--jobs", "2", "--batch-rows", "4", "--no-progress"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    started, kids = time.monotonic(), set()
    while time.monotonic() - started < 60 and proc.poll() is None and len(kids) < 3:
        kids = _descendants(proc.pid)  # the forkserver and its workers (and the resource tracker)
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.skip("the scan ended before its workers could be seen")
    proc.send_signal(signal.SIGTERM)
    try:
        err = proc.communicate(timeout=60)[1]
    except subprocess.TimeoutExpired:  # (its orphans hold stderr open: kill them all, then fail)
        for k in kids | {proc.pid}:
            try:
                os.kill(k, signal.SIGKILL)
            except OSError:
                pass
        proc.communicate()
        raise AssertionError("scan did not end on SIGTERM: its processes still held stderr after 60 s") from None
    assert proc.returncode == 143 and "symstrain: terminated" in err
    assert "Traceback" not in err  # (forked workers inherited the handler and printed theirs: sweep 26)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{k}").exists() for k in kids):
        time.sleep(0.05)
    alive = [k for k in kids if Path(f"/proc/{k}").exists()
             and Path(f"/proc/{k}/stat").read_text().split()[2] != "Z"]
    for k in alive:  # (leave no orphan behind even when the test fails)
        os.kill(k, signal.SIGKILL)
    assert alive == []


def test_scan_follows_links_to_folders_once(tmp_path):
    """Sweep 23 (doubt 2): a symbolic link to a folder under the scanned one was not followed and its CIFs left out
    without a word. Now followed, each folder once: a link back to an ancestor (a loop) ends, and a file reached two
    ways is one file (its real path)."""
    from symstrain.catalogue import corpus_files

    (tmp_path / "a").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.cif").write_text(CUBIC_CELL_ONLY)
    (tmp_path / "a" / "y.cif").write_text(CUBIC_CELL_ONLY)
    (tmp_path / "a" / "linked").symlink_to(tmp_path / "other", target_is_directory=True)
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
    (tmp_path / "a" / "same.cif").symlink_to(tmp_path / "a" / "y.cif")
    got = corpus_files([tmp_path / "a"])
    assert got == sorted([str((tmp_path / "other" / "x.cif").resolve()), str((tmp_path / "a" / "y.cif").resolve())])


def test_a_small_hysteresis_loop_is_classified_first_order():
    """Sweep 24: the regime map called D = −2, E = 0 (the paper's a1, C, b, T_SC) "continuous SB, gradual SC"; with
    B = 0 any D ≠ 0 makes q = 0 unstable at T_SC, and the system jumps. By hand, on the η ≠ 0 branch η² = −2Dq/b,
    G(q) = a1(T_SC − T)q + C/4·q⁴ − D²q²/b, whose fold on cooling is at q_f = √(2D²/(3bC)),
    T↓ = T_SC − (2D²q_f/b − C·q_f³)/a1 = 234.9224 K: a loop of 0.078 K, inside one step of a 0.5 K grid."""
    from symstrain import LandauModel
    from symstrain.landau import phase_diagram

    a1, C, b, T_SC, D = 0.6, 35.0, 10.0, 235.0, -2.0
    qf = np.sqrt(2 * D ** 2 / (3 * b * C))
    T_down = T_SC - (2 * D ** 2 * qf / b - C * qf ** 3) / a1
    df = phase_diagram(LandauModel.paper(), "D", [D], "E", [0.0], T=np.linspace(150, 320, 341))
    row = df.iloc[0]
    assert row["regime"] == "first-order SC + SB, hysteresis"
    assert row["T_up"] == pytest.approx(T_SC, abs=1e-3) and row["T_down"] == pytest.approx(T_down, abs=1e-3)


def test_notebook_04s_words_on_the_pccn_rows_hold():
    """Sweep 24: notebook 04 said η_strain is NaN and η_intensity 0 in the Pccn rows of the heating series; the
    reverse is true, as its own table showed. What the text now says, checked: in a row whose child has the parent's
    group, η_strain and η_modes are 0 (every symmetry-breaking component is zero by symmetry) and η_intensity is NaN
    (no symmetry-breaking reflection to sum over)."""
    import symstrain as ss
    from symstrain.landau import LandauModel
    from symstrain.models import model_pair

    ls, _ = model_pair()
    heat = ss.model_series(np.array([200.0, 280.0]), LandauModel.paper(), branches=("heating",))
    op = ss.order_parameters(ls, [it["phase"] for it in heat], dmin=1.5)
    pccn, p21c = op[op.spacegroup == "P c c n"], op[op.spacegroup != "P c c n"]
    assert len(pccn) == 1 and len(p21c) == 1
    row = pccn.iloc[0]
    assert row["eta_strain"] == 0 and row["eta_modes"] == 0 and np.isnan(row["eta_intensity"])
    assert p21c[["eta_strain", "eta_intensity", "eta_modes"]].iloc[0].gt(0).all()


def test_a_refutation_passed_on_says_why_and_relate_takes_paths(tmp_path):
    """Sweep 24 F4: relate(hs, ls) — the wrong way round — returns a Refutation; strain() of it said "no child cell
    given", reflections() and symmetrize() raised AttributeErrors, and relate(ls, "file.cif") raised one too. Now
    each says why there is no relation (NotSubgroupError: P2₁/c's point group 2/m, order 4, does not hold mmm's 8,
    and the reverse order holds), and relate reads a path: the same t2 relation of index 2 as from Phases."""
    import symstrain
    from symstrain.domains import domain_states
    from symstrain.errors import NotSubgroupError, SymstrainInputError
    from symstrain.models import model_pair
    from symstrain.writer import write_cif

    ls, hs = model_pair()
    refuted = symstrain.relate(hs, ls)
    assert refuted.holds is False
    for fn in (symstrain.strain, symstrain.reflections, symstrain.symmetrize, domain_states):
        with pytest.raises(NotSubgroupError, match=r"does not divide the parent's \(2/m, order 4\).*swap PARENT"):
            fn(refuted)
    with pytest.raises(SymstrainInputError, match="needs the Relation"):
        symstrain.reflections("not a relation")
    path = write_cif(hs, tmp_path / "hs.cif")
    by_path, by_phase = symstrain.relate(ls, str(path)), symstrain.relate(ls, hs)
    assert by_path.holds and (by_path.index, by_path.basis) == (by_phase.index, by_phase.basis) == (2, by_phase.basis)
    with pytest.raises(SymstrainInputError, match="needs a Phase"):
        symstrain.relate(ls, 42)



def test_the_package_level_model_series_stays_the_function():
    """The package exported model_series() from a module of the same name: once that module was imported (the demo
    and model-series commands do, so does 'from symstrain.model_series import …'), symstrain.model_series was the
    module and notebook 04's ss.model_series(...) raised "'module' object is not callable" (the full test suite met
    it). The module is series_models; the function stays what the package gives, whatever is imported first."""
    import importlib

    import symstrain

    importlib.import_module("symstrain.series_models")
    importlib.import_module("symstrain.cli.demo")
    assert callable(symstrain.model_series) and symstrain.model_series.__name__ == "model_series"
    import os
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules([os.path.dirname(symstrain.__file__)])}
    assert not modules & set(symstrain.__all__)  # no exported name is also a submodule's


def test_a_polar_group_in_a_supercell_gets_its_conventional_cell(tmp_path):
    """Sweep 25: the conventional basis came from spglib's symmetry of one general orbit, which for a polar group lies
    at one height along the polar axis and gains the mirror across it (P4mm seen as P4/mmm, 16 operations against 8):
    the check failed and the Hermite basis stayed (a = 3.9, b = 5.5 Å, γ = 45°). BaTiO₃ P4mm written in its
    (a+b, −a+b, 2c) supercell with the 32 operators that cell needs reads back in its own cell, a = 3.992,
    c = 4.036 Å, Z = 1 (the file's 4), 5 atoms."""
    import gemmi

    from symstrain.cif import read_cif
    from symstrain.expand import expand_to_cell
    from symstrain.ops import SymOps

    P = np.array([[1, -1, 0], [1, 1, 0], [0, 0, 2]], dtype=float)
    ops = [gemmi.Op(t) for t in [o.triplet() for o in gemmi.SpaceGroup("P 4 m m").operations()]]
    big = SymOps(np.array([o.rot for o in ops]) // 24, np.array([o.tran for o in ops]) / 24).in_basis(P)
    triplets = []
    for R, t in zip(big.rotations, big.translations):
        op = gemmi.Op()
        op.rot = (np.rint(R) * 24).astype(int).tolist()
        op.tran = (np.rint((t % 1) * 24).astype(int) % 24).tolist()
        triplets.append(op.triplet())
    Pi = np.linalg.inv(P)
    atoms = [(lab, el, *(Pi @ np.array(x)) % 1) for lab, el, x in
             (("Ba1", "Ba", (0, 0, 0)), ("Ti1", "Ti", (0.5, 0.5, 0.515)), ("O1", "O", (0.5, 0.5, 0.98)),
              ("O2", "O", (0.5, 0, 0.48)))]
    from cif_text import cif_text

    A = np.diag([3.992, 3.992, 4.036]) @ P
    L = np.linalg.norm(A, axis=0)
    text = cif_text("big", triplets, atoms, tuple(L), (90, 90, 90), digits=9)
    (tmp_path / "big.cif").write_text(text.replace("loop_", "_cell_formula_units_Z 4\n_chemical_formula_sum "
                                                            "'Ba O3 Ti'\nloop_", 1))
    ph = read_cif(tmp_path / "big.cif")
    assert len(triplets) == 32 and ph.spacegroup.number == 99 and ph.spacegroup.order == 8
    assert ph.cell.params == pytest.approx((3.992, 3.992, 4.036, 90, 90, 90), abs=1e-6)
    assert ph.z == 1 and len(expand_to_cell(ph)[0]) == 5


def test_cell_only_parents_written_in_other_ways(tmp_path, capsys):
    """Sweep 25 F1, F2: a cell-only parent whose operator loop comes last (as a file stripped of its atoms, or cut
    short, looks) was refused; a file whose first block is 'data_global', or whose first block with a cell names no
    group, was read from the wrong block. Each now gives the cubic parent: index 6 against BaTiO₃ P4mm."""
    import json

    import gemmi

    from symstrain.cli import main

    (tmp_path / "child.cif").write_text(BTO_P4MM)
    ops = "loop_\n_space_group_symop_operation_xyz\n" + "\n".join(
        f"'{o.triplet()}'" for o in gemmi.SpaceGroup("P m -3 m").operations()) + "\n"
    cell = "".join(line + "\n" for line in CUBIC_CELL_ONLY.splitlines()[1:7])
    variants = {
        "ops_last.cif": "data_cubic\n" + cell + ops,
        "global_first.cif": "data_global\n_journal_year 2026\n" + CUBIC_CELL_ONLY,
        "cell_without_group_first.cif": "data_cell\n" + cell + "\n" + CUBIC_CELL_ONLY,
    }
    for name, text in variants.items():
        (tmp_path / name).write_text(text)
        assert main(["relate", str(tmp_path / name), str(tmp_path / "child.cif"), "--json"]) == 0, name
        doc = json.loads(capsys.readouterr().out)
        assert doc["index"] == 6 and doc["parent"]["spacegroup"]["number"] == 221, name


@pytest.mark.parametrize("args, words", [
    (["reflections", "{LS}", "{HS}", "--dmin", "1e-308"], "is outside 0.01–1e+06 Å"),
    (["domains", "{LS}", "{HS}", "--dmin", "1e308"], "--dmin: d_min = 1e+308 Å is outside 0.01–1e+06 Å"),
    (["domains", "{LS}", "{HS}", "--wavelength", "1e308"], "--wavelength: must be a wavelength in Å"),
    (["domains", "{LS}", "{HS}", "--hkl", "99999999999999999999999,1,1"], "indices above 1000"),
    (["pseudo", "{HS}", "--max-distance", "1e308"], "at most 10"),
    (["model-series", "--tmin", "1e308", "--tmax", "inf"], "tmin ≤ tmax ≤ 10⁴ K"),
    (["domains", "{LS}", "{HS}", "--dmin", "-1"], "--dmin: d_min must be a positive number of Å"),
    (["landau", "--phase-diagram", "B=nan:1:3"], "lo and hi must be finite"),
    (["modes", "{LS}", "{HS}", "--threshold", "nan"], "--threshold: must be an amplitude"),
    (["fit", "--eta", "{ETA_HUGE}"], "is no order parameter"),
    (["fit", "--q", "{Q_SIGMA_TINY}"], "sigma must lie between 1e-09 and 1000"),
    (["reflections", "{LS}", "{HS}", "--hkl", "{HKL_HUGE}"], "is no measurement"),
    (["reflections", "{LS}", "{HS}", "--hkl", "{HKL_UNKNOWN}"], "none of the 2 reflections has an intensity"),
])
def test_nonsense_option_values_are_one_line_errors(args, words, tmp_path, capsys):
    """Sweep 26: these values ended in 'internal error' (exit 70: ZeroDivisionError, OverflowError, a TypeError
    from gemmi, numpy's 'Maximum allowed size exceeded'); each is now a one-line error naming the option (exit 2)."""
    from pathlib import Path

    from symstrain.cli import main

    cifs = Path(__file__).resolve().parents[1] / "cifs"
    rows = "".join(f"{T},{v},heating,{{s}}\n" for T, v in ((200, 0.1), (210, 0.2), (220, 0.3), (230, 1e308)))
    files = {"{ETA_HUGE}": ("eta.csv", "T,eta,branch,sigma\n" + rows.format(s=0.01)),
             "{Q_SIGMA_TINY}": ("q.csv", "T,q,branch,sigma\n" + rows.replace("1e+308", "0.4").format(s=1e-300)),
             "{HKL_HUGE}": ("huge.hkl", "   1   0   0 1e308   1.0\n   0   1   0   10.0    1.0\n"
                                        "   0   0   0    0.0    0.0\n"),
             "{HKL_UNKNOWN}": ("q.cif", "data_r\nloop_\n_refln_index_h\n_refln_index_k\n_refln_index_l\n"
                               "_refln_F_squared_meas\n_refln_F_squared_sigma\n1 0 0 ? ?\n0 1 0 ? ?\n")}
    names = {"{LS}": str(cifs / "model_LS_Pccn_90K.cif"), "{HS}": str(cifs / "model_HS_P21c_300K.cif")}
    for key, (name, text) in files.items():
        (tmp_path / name).write_text(text)
        names[key] = str(tmp_path / name)
    argv = [names.get(a, a) for a in args]
    if argv[0] in ("reflections", "model-series", "landau", "modes", "fit"):
        argv += ["--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("symstrain: error: ") and words in err and "\n" not in err


def test_more_jobs_than_files_starts_no_more_workers_than_files(capsys):
    """Sweep 26: --jobs 100000 on two files forked thousands of processes and ran past a 60 s limit. At most one
    worker per item (and 4 per CPU): the two files are read as with --jobs 2."""
    from pathlib import Path

    from symstrain.cli import main

    cifs = Path(__file__).resolve().parents[1] / "cifs"
    files = [str(cifs / "model_LS_Pccn_90K.cif"), str(cifs / "model_HS_P21c_300K.cif")]
    started = time.monotonic()
    assert main(["info", *files, "--jobs", "100000", "--json"]) == 0
    assert time.monotonic() - started < 30
    import json

    assert json.loads(capsys.readouterr().out)["n_read"] == 2
