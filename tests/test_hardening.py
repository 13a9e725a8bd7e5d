"""Issue 11, reading part: every bad input below is built here, from the bundled model CIF (cifs/) or written out
in the test, and must give a Phase (with the stated coded warning) or one SymstrainInputError naming the file and
the item — never another exception, a crash, a silent wrap, or a numpy warning.

Expected values are derived independently (closed forms, gemmi's tables, numpy), not copied from symstrain.
"""

from __future__ import annotations

import math
import pickle
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from symstrain import cif_values
from symstrain.cif import list_blocks, phase_from_block, read_cif
from symstrain.cif_values import parse_number
from symstrain.errors import SymstrainInputError, WarningText
from symstrain.detect import detect_symmetry
from symstrain.expand import expand_to_cell
from symstrain.ops import SymOps

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "cifs" / "model_LS_Pccn_90K.cif"  # P c c n, 8 operators, 40 sites, T 90 K, Z 4


def model_text() -> str:
    """The bundled model CIF with runs of blanks folded to one (the line patterns below assume single spaces)."""
    return re.sub(r"[ \t]+", " ", MODEL.read_text())


def mutate(text: str, pattern: str, repl: str, count: int = 1) -> str:
    """``text`` with the first ``count`` matches of the line regex ``pattern`` replaced (must match)."""
    new, n = re.subn(pattern, repl, text, count=count, flags=re.M)
    assert n == count, f"pattern {pattern!r} matched {n} times"
    return new


def write(tmp_path, text, name="t.cif") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def refused(path, *needles):
    """Read ``path``: must raise SymstrainInputError on one line naming the file and every needle."""
    with pytest.raises(SymstrainInputError) as ei:
        read_cif(path)
    msg = str(ei.value)
    assert ei.value.source == str(path) and "\n" not in msg
    for n in needles:
        assert n in msg, (n, msg)
    return msg


def codes(phase) -> list[str]:
    return [w.code for w in phase.warnings]


P1_HEAD = ("data_t\n_cell_length_a 10\n_cell_length_b 11\n_cell_length_c 12\n_cell_angle_alpha 90\n"
           "_cell_angle_beta 90\n_cell_angle_gamma 90\n")
ATOM_COLS = ("loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
             "_atom_site_fract_z\n_atom_site_occupancy\n_atom_site_U_iso_or_equiv\n")


def p1_file(tmp_path, atoms, head=P1_HEAD, extra="", sym="_symmetry_space_group_name_H-M 'P 1'\n", name="t.cif"):
    return write(tmp_path, head + sym + extra + ATOM_COLS + "".join(a + "\n" for a in atoms), name)


# ----------------------------------------------------------------------------- item 1: finite numbers


@pytest.mark.parametrize("text", ["1e309", "-1e309", "1e309(2)", "1.0(2)e400", "1(" + "9" * 400 + ")",
                                  "9" * 400, "1.5e999"])
def test_parse_number_refuses_non_finite(text):
    with pytest.raises(cif_values.NotFiniteError):
        parse_number(text)


@pytest.mark.parametrize("text,value", [("1/4", 0.25), ("-1/3", -1 / 3), ("+2/3", 2 / 3), ("3/2", 1.5)])
def test_parse_number_fractions_only_when_asked(text, value):
    assert parse_number(text, fractions=True) == (pytest.approx(value, abs=0), None)
    with pytest.raises(ValueError):
        parse_number(text)
    with pytest.raises(ValueError):
        parse_number("1/0", fractions=True)


def test_infinite_coordinate_refused_naming_atom_and_item(tmp_path):
    # the fast number path used to let 1e309 through as inf, and `info` then died inside spglib (exit 139)
    p = write(tmp_path, mutate(model_text(), r"^Fe1 Fe 0\.25 ", "Fe1 Fe 1e309 "))
    refused(p, "'Fe1'", "_atom_site_fract_x", "not a finite number")


@pytest.mark.parametrize("pattern,repl,needles", [
    (r"^_cell_length_b .*$", "_cell_length_b 1e309", ["_cell_length_b", "finite"]),
    (r"^_cell_angle_beta .*$", "_cell_angle_beta -1e309", ["_cell_angle_beta", "finite"]),
    (r"^(Fe1 Fe 0\.25 0\.25 0\.151 )0\.02", r"\g<1>1e309", ["'Fe1'", "U_iso", "finite"]),
    (r"^(Fe1 Fe 0\.25 0\.25 0\.151 0\.02 Uiso )1\.0", r"\g<1>1e309", ["'Fe1'", "occupancy", "finite"]),
])
def test_every_number_finite_or_refused(tmp_path, pattern, repl, needles):
    refused(write(tmp_path, mutate(model_text(), pattern, repl)), *needles)


@pytest.mark.parametrize("value", ["1e309", "??", "n/a"])
def test_cell_volume_only_checks_the_cell(tmp_path, value):
    """_cell_volume is computed from the cell; the item only checks it. One that is no number ('??' in 4 of IZA's 85
    zeolite files, sweep 14; 1e309) is not used, with a warning — it made the whole file unreadable, while a wrong
    number only warned."""
    ph = read_cif(write(tmp_path, mutate(model_text(), r"^_cell_volume .*$", f"_cell_volume {value}")))
    assert "cell_volume_not_used" in codes(ph)
    a, b, c = ph.cell.params[:3]
    assert ph.cell.volume == pytest.approx(a * b * c, rel=1e-12)  # (the model cell is orthorhombic)


def test_it_number_overflow(tmp_path):
    # no operators, no symbols: the IT number is the only item, so an unusable one is an error (was OverflowError)
    text = re.sub(r"^(_space_group_name_H-M_alt|_space_group_name_Hall) .*$", "", model_text(), flags=re.M)
    text = mutate(re.sub(r"loop_\n_space_group_symop_id\n_space_group_symop_operation_xyz\n(\d .*\n)+", "", text),
                  r"^_space_group_IT_number 56$", "_space_group_IT_number 1e309")
    refused(write(tmp_path, text), "_space_group_IT_number", "'1e309'", "1–230")
    # next to operators it only checks them: a warning, and the operators' group
    ph = read_cif(write(tmp_path, mutate(model_text(), r"^_space_group_IT_number 56$", "_space_group_IT_number 1e309"),
                        "b.cif"))
    assert ph.spacegroup.number == 56 and "number_not_used" in codes(ph)


def test_info_on_infinite_coordinate_is_one_line_exit_2(tmp_path, symstrain_cli):
    p = write(tmp_path, mutate(model_text(), r"^Fe1 Fe 0\.25 ", "Fe1 Fe 1e309 "))
    r = symstrain_cli("info", p, cwd=ROOT)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stderr.splitlines() == [r.stderr.strip()] and r.stderr.startswith(f"symstrain: error: {p}:")


# ----------------------------------------------------------------------------- item 2: bytes that are not UTF-8


def test_non_utf8_in_symbol_is_an_error_naming_the_item(tmp_path):
    data = model_text().encode().replace(b"_space_group_name_H-M_alt 'P c c n'",
                                         b"_space_group_name_H-M_alt 'P c\xe9c n'")
    refused(write(tmp_path, data), "_space_group_name_H-M_alt", "not UTF-8")


def test_non_utf8_in_operator_is_an_error_naming_the_item(tmp_path):
    data = model_text().encode().replace(b"\n2 -x+1/2,-y+1/2,z\n", b"\n2 '-x+1/2,-y\xff+1/2,z'\n")
    refused(write(tmp_path, data), "_space_group_symop_operation_xyz", "not UTF-8")


def test_non_utf8_in_label_and_formula_read_with_replacement_and_warning(tmp_path):
    data = model_text().encode()
    data = data.replace(b"\nFe1 Fe ", b"\n'Fe\xe91' Fe ").replace(b"'C42 H28 Fe N6 S2'", b"'C42 H28 Fe N6 S2\xb7'")
    ph = read_cif(write(tmp_path, data))
    assert ph.atoms[0].label == "Fe\ufffd1" and ph.atoms[0].element == "Fe"
    w = [w for w in ph.warnings if w.code == "non_utf8_text"]
    assert len(w) == 1 and "_atom_site_label" in w[0] and "_chemical_formula_sum" in w[0]
    assert len(ph.atoms) == 40


def test_bare_value_outside_ascii_is_refused_naming_its_line_and_value(tmp_path):
    """gemmi's grammar takes characters outside ASCII only inside quotes or text fields; its own message names the
    loop ('Wrong number of values in loop' at the loop's first line). The refusal names the line and the value."""
    text = model_text()
    lines = text.splitlines()
    n = next(i for i, ln in enumerate(lines, start=1) if ln.startswith("N1A "))
    for raw, shown, what in (("N1\u00e9".encode(), "N1\u00e9", "outside ASCII"),
                             (b"N1\xe9", "N1\ufffd", "not UTF-8")):
        data = text.encode().replace(b"\nN1A ", b"\n" + raw + b" ")
        msg = refused(write(tmp_path, data), f"line {n}:", repr(shown), what, "quote the value")
        assert "loop" not in msg
    # quoted, the same characters are read (as before)
    ph = read_cif(write(tmp_path, text.replace("\nN1A ", "\n'N1\u00e9' ")))
    assert any(a.label == "N1\u00e9" for a in ph.atoms)


def test_cif2_list_value_is_refused_as_such(tmp_path):
    """A CIF 2.0 list (``_cell_length_a [4.0094 4.0094]``, sweep 6) is not CIF 1.1: gemmi says only "parse error"; the
    refusal names the line, the value and what it is."""
    text = "#\\#CIF_2.0\n" + model_text().replace("_cell_length_a ", "_cell_length_a [4.0094 4.0094] #", 1)
    n = next(i for i, ln in enumerate(text.splitlines(), start=1) if ln.startswith("_cell_length_a"))
    refused(write(tmp_path, text.encode()), f"line {n}:", "'[4.0094 4.0094]'", "CIF 2.0 list")


def test_cif2_list_in_a_loop_is_refused_as_such(tmp_path):
    """A CIF 2.0 file writing each site's coordinates as one list (``_atom_site.fract_xyz [0 0 0]``, COMCIFS'
    multi-block example, sweep 13): gemmi counts the list's items as values and says "Wrong number of values in
    loop", which read as "truncated or broken loop". The refusal names the list and its line; without the CIF 2.0
    magic the loop message stays."""
    body = ("data_x\n_cell_length_a 5\n_cell_length_b 5\n_cell_length_c 5\n_cell_angle_alpha 90\n"
            "_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_space_group_name_H-M 'P 1'\n"
            "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_xyz\nC1 C [0 0 0]\n"
            "C2 C [0.5 0.5 0.5]\n")
    n = body.splitlines().index("C1 C [0 0 0]") + 2  # (after the magic line)
    refused(write(tmp_path, ("#\\#CIF_2.0\n" + body).encode()), f"line {n}:", "'[0 0 0]'", "CIF 2.0 list")
    refused(write(tmp_path, body.encode()), "truncated or broken loop")


def test_block_header_with_words_after_its_name_is_refused_as_such(tmp_path):
    """Jmol's sample files write ``data_maleic.1     Pc`` and ``data_Modulated structure of Sr2Nb2O7`` (sweep 8): a
    block name is one word, and gemmi says only "parse error" at line 1. The refusal names the line, the name and the
    words after it; a comment or a tag after the name stays valid CIF (read as before)."""
    lines = model_text().splitlines()
    n = next(i for i, ln in enumerate(lines) if ln.startswith("data_"))

    def with_header(header):
        return "\n".join(lines[:n] + [header] + lines[n + 1:]) + "\n"

    for header, name, rest in (("data_maleic.1     Pc", "'data_maleic.1'", "'Pc'"),
                               ("data_Modulated structure of Sr2Nb2O7  # title", "'data_Modulated'",
                                "'structure of Sr2Nb2O7'")):
        msg = refused(write(tmp_path, with_header(header)), f"line {n + 1}:", name, rest, "one word")
        assert "parse error" not in msg
    ph = read_cif(write(tmp_path, with_header("data_maleic   # Pc")))
    assert ph.block == "maleic" and len(ph.atoms) == len(read_cif(write(tmp_path, model_text(), "m.cif")).atoms)


def test_phase_from_block_of_a_caller_read_non_utf8_block(tmp_path):
    import gemmi

    data = model_text().encode().replace(b"_space_group_name_H-M_alt 'P c c n'", b"_space_group_name_H-M_alt 'P\xffc'")
    block = gemmi.cif.read(str(write(tmp_path, data)))[0]
    with pytest.raises(SymstrainInputError, match="not UTF-8"):
        phase_from_block(block, "mem")


def test_binary_file_is_not_a_cif(tmp_path):
    refused(write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not a text file")


def test_gzipped_cif_read_and_broken_gzip_refused(tmp_path):
    import gzip

    packed = gzip.compress(model_text().encode())
    assert read_cif(write(tmp_path, packed, "m.cif.gz")).spacegroup.number == 56
    refused(write(tmp_path, packed[:20] + b"\xff" * 30 + packed[50:], "bad.cif.gz"), "cannot read")
    refused(write(tmp_path, packed[:30], "short.cif.gz"), "cannot read")


# ----------------------------------------------------------------------------- item 4: plausibility limits


@pytest.mark.parametrize("a,needle", [("1e9", "plausible range"), ("1e-9", "plausible range"),
                                      ("0.4", "plausible range"), ("1000.5", "plausible range")])
def test_cell_length_limits(tmp_path, a, needle):
    refused(write(tmp_path, mutate(model_text(), r"^_cell_length_a .*$", f"_cell_length_a {a}")), "length a", needle)


def test_flattened_cell_refused_with_its_spacing(tmp_path):
    # a = b = c = 10 Å, all angles 119.99°: a real (tiny) volume but lattice planes 0.3 Å apart
    ang = 119.99
    head = "data_t\n" + "".join(f"_cell_length_{k} 10\n" for k in "abc") + "".join(
        f"_cell_angle_{k} {ang}\n" for k in ("alpha", "beta", "gamma"))
    p = p1_file(tmp_path, ["C1 C 0.1 0.1 0.1 1 0.01"], head=head)
    # oracle: interplanar spacing d100 = 1/|a*| from the reciprocal of the cell matrix (numpy, not symstrain)
    c = math.cos(math.radians(ang))
    s = math.sin(math.radians(ang))
    A = np.array([[10, 10 * c, 10 * c], [0, 10 * s, 10 * (c - c * c) / s], [0, 0, 0]], dtype=float)
    A[2, 2] = math.sqrt(100 - A[0, 2] ** 2 - A[1, 2] ** 2)
    d100 = 1 / np.linalg.norm(np.linalg.inv(A)[0])
    assert d100 < cif_values.MIN_SPACING
    refused(p, "squashed flat", f"{d100:.3g} Å")


def test_cell_that_cannot_hold_its_atoms(tmp_path):
    # 200 distinct carbon sites in a 5 × 5 × 5 Å cell: 0.625 Å³ per atom, less than any solid
    rng = np.random.default_rng(1)
    atoms = [f"C{i} C {x:.5f} {y:.5f} {z:.5f} 1 0.01" for i, (x, y, z) in enumerate(rng.random((200, 3)))]
    head = P1_HEAD.replace("10\n", "5\n").replace("11\n", "5\n").replace("12\n", "5\n")
    refused(p1_file(tmp_path, atoms, head=head), "cannot hold its atoms", f"{125 / 200:.3g} Å³ per atom")


def test_expanded_atom_caps(tmp_path, monkeypatch):
    # P c c n has 8 operations; Fe1 (1/4, 1/4, z) lies on the 2-fold axis -x+1/2,-y+1/2,z (multiplicity 4), the
    # other 39 sites are general (8): 40 × 8 = 320 images, 39 × 8 + 4 = 316 atoms in the cell
    monkeypatch.setattr(cif_values, "MAX_EXPANSION", 319)
    refused(write(tmp_path, model_text()), "40 sites × 8 operations = 320", "319")
    monkeypatch.setattr(cif_values, "MAX_EXPANSION", 320)
    monkeypatch.setattr(cif_values, "MAX_CELL_ATOMS", 315)
    refused(write(tmp_path, model_text(), "b.cif"), "316 atoms in the cell", "315")
    monkeypatch.setattr(cif_values, "MAX_CELL_ATOMS", 316)
    ph = read_cif(write(tmp_path, model_text(), "c.cif"))
    assert len(ph.atoms) == 40 and len(expand_to_cell(ph)[0]) == 316


def test_cell_count_uses_site_multiplicity(tmp_path, monkeypatch):
    # F m -3 m, a = 4 Å: Na at 4a (multiplicity 4) and Cl at 4b (4) are 8 atoms in the cell, not 2 × 192
    import gemmi

    ops = [op.triplet() for op in gemmi.SpaceGroup("F m -3 m").operations()]
    text = ("data_nacl\n" + "".join(f"_cell_length_{k} 4\n" for k in "abc")
            + "".join(f"_cell_angle_{k} 90\n" for k in ("alpha", "beta", "gamma"))
            + "loop_\n_symmetry_equiv_pos_as_xyz\n" + "".join(f"'{o}'\n" for o in ops)
            + ATOM_COLS + "Na1 Na 0 0 0 1 0.01\nCl1 Cl 0.5 0.5 0.5 1 0.01\n")
    monkeypatch.setattr(cif_values, "MAX_CELL_ATOMS", 8)
    assert len(expand_to_cell(read_cif(write(tmp_path, text)))[0]) == 8
    monkeypatch.setattr(cif_values, "MAX_CELL_ATOMS", 7)
    refused(write(tmp_path, text, "b.cif"), "8 atoms in the cell")
    # 64 Å³ hold 8 atoms; at a = 1.9 Å (6.9 Å³) they do not fit
    monkeypatch.setattr(cif_values, "MAX_CELL_ATOMS", 8)
    refused(write(tmp_path, text.replace("_length_a 4", "_length_a 1.9").replace("_length_b 4", "_length_b 1.9")
                  .replace("_length_c 4", "_length_c 1.9"), "c.cif"), "cannot hold its atoms")


@pytest.mark.parametrize("x,needle", [("1e308", "outside ±10"), ("10.5", "outside ±10"), ("-11", "outside ±10")])
def test_coordinate_bound_no_silent_wrap(tmp_path, x, needle):
    refused(write(tmp_path, mutate(model_text(), r"^Fe1 Fe 0\.25 ", f"Fe1 Fe {x} ")), "'Fe1'", needle)


def test_coordinates_outside_the_cell_within_bound_are_kept(tmp_path):
    ph = read_cif(write(tmp_path, mutate(model_text(), r"^Fe1 Fe 0\.25 ", "Fe1 Fe 1.25 ")))
    assert ph.atoms[0].xyz[0] == 1.25


@pytest.mark.parametrize("occ,needle", [("1.5", "above 1.1"), ("inf", "not a number"), ("nan", "not a number"),
                                        ("-0.2", "negative")])
def test_occupancy_limits(tmp_path, occ, needle):
    refused(p1_file(tmp_path, [f"C1 C 0.1 0.1 0.1 {occ} 0.01"]), "'C1'", needle)


def test_occupancy_slightly_above_one_and_fraction(tmp_path):
    ph = read_cif(p1_file(tmp_path, ["C1 C 0.1 0.1 0.1 1.05(3) 0.01", "C2 C 0.3 0.3 0.3 1/3 0.01"]))
    assert [a.occupancy for a in ph.atoms] == [1.05, pytest.approx(1 / 3, abs=0)]
    assert "occupancy_above_one" in codes(ph)


def test_displacement_limits(tmp_path):
    refused(p1_file(tmp_path, ["C1 C 0.1 0.1 0.1 1 50"]), "'C1'", "U_iso", "plausible")
    refused(p1_file(tmp_path, ["C1 C 0.1 0.1 0.1 1 -2"], name="b.cif"), "'C1'", "U_iso")
    ph = read_cif(p1_file(tmp_path, ["C1 C 0.1 0.1 0.1 1 -0.004(2)", "C2 C 0.3 0.3 0.3 1 n/a"], name="c.cif"))
    assert ph.atoms[0].u_iso == -0.004 and ph.atoms[1].u_iso is None
    assert {"negative_u", "u_not_number"} <= set(codes(ph))


def test_b_iso_limit_uses_u(tmp_path):
    # B = 8π²U: B = 700 Å² is U = 8.87 Å² (accepted), B = 800 Å² is U = 10.13 Å² (refused)
    text = ATOM_COLS.replace("U_iso_or_equiv", "B_iso_or_equiv")
    ok = write(tmp_path, P1_HEAD + text + "C1 C 0.1 0.1 0.1 1 700\n")
    assert read_cif(ok).atoms[0].u_iso == pytest.approx(700 / (8 * math.pi**2))
    refused(write(tmp_path, P1_HEAD + text + "C1 C 0.1 0.1 0.1 1 800\n", "b.cif"), "B_iso")


def test_aniso_non_finite_refused(tmp_path):
    extra = ("loop_\n_atom_site_aniso_label\n_atom_site_aniso_U_11\n_atom_site_aniso_U_22\n_atom_site_aniso_U_33\n"
             "_atom_site_aniso_U_12\n_atom_site_aniso_U_13\n_atom_site_aniso_U_23\nC1 0.01 0.01 1e309 0 0 0\n")
    refused(write(tmp_path, P1_HEAD + ATOM_COLS + "C1 C 0.1 0.1 0.1 1 0.01\n" + extra), "'C1'", "U_33", "finite")


def test_aniso_off_diagonal_of_either_sign(tmp_path):
    """U23 = −1.24 Å² beside U22 = 0.5, U33 = 6.12 (|U23| ≤ √(U22·U33) = 1.75: a real ellipsoid; sweep 13's
    PF_sd_1615854 was refused as "outside −1…10"). An off-diagonal beyond ±10 Å² and a diagonal below −1 stay
    refused."""
    head = ("loop_\n_atom_site_aniso_label\n_atom_site_aniso_U_11\n_atom_site_aniso_U_22\n_atom_site_aniso_U_33\n"
            "_atom_site_aniso_U_12\n_atom_site_aniso_U_13\n_atom_site_aniso_U_23\n")
    base = P1_HEAD + ATOM_COLS + "C1 C 0.1 0.1 0.1 1 0.01\n" + head
    ph = read_cif(write(tmp_path, base + "C1 0.3 0.5 6.12 0.1 -0.2 -1.24\n"))
    assert ph.atoms[0].u_aniso == pytest.approx((0.3, 0.5, 6.12, 0.1, -0.2, -1.24))
    refused(write(tmp_path, base + "C1 0.3 0.5 6.12 0.1 -0.2 -11\n", "b.cif"), "'C1'", "U_23")
    refused(write(tmp_path, base + "C1 -1.5 0.5 6.12 0.1 -0.2 -1\n", "c.cif"), "'C1'", "U_11")


@pytest.mark.parametrize("value,code", [("-5", "temperature_implausible"), ("20000", "temperature_implausible"),
                                        ("1e309", "temperature_not_number")])
def test_temperature_limits(tmp_path, value, code):
    ph = read_cif(write(tmp_path, mutate(model_text(), r"^_diffrn_ambient_temperature .*$",
                                         f"_diffrn_ambient_temperature {value}")))
    assert ph.temperature is None and code in codes(ph)


@pytest.mark.parametrize("z", ["'see paper'", "1e309", "0", "-4", "20000"])
def test_z_text_or_implausible_is_warning(tmp_path, z):
    ph = read_cif(write(tmp_path, mutate(model_text(), r"^_cell_formula_units_Z .*$", f"_cell_formula_units_Z {z}")))
    assert ph.z is None and "z_not_used" in codes(ph)


def test_no_numpy_warning_on_large_valid_cell(tmp_path):
    # the largest accepted cell: V = 1e9 Å³ is finite, and nothing on the way warns
    head = "data_t\n" + "".join(f"_cell_length_{k} 1000\n" for k in "abc") + "".join(
        f"_cell_angle_{k} 90\n" for k in ("alpha", "beta", "gamma"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ph = read_cif(p1_file(tmp_path, ["C1 C 0.1 0.1 0.1 1 0.01", "O1 O 0.5 0.5 0.5 1 0.01"], head=head))
        assert ph.cell.volume == pytest.approx(1e9)
        detect_symmetry(ph)


# ----------------------------------------------------------------------------- item 3: duplicate sites


def test_ten_thousand_copies_of_one_atom_line_merged_before_any_pair_search(tmp_path):
    line = "Fe1 Fe 0.25 0.25 0.151 0.02 Uiso 1.0\n"
    text = model_text().replace(line, line * 10_000)
    t0 = time.perf_counter()
    ph = read_cif(write(tmp_path, text))
    ref = read_cif(MODEL)
    assert len(ph.atoms) == len(ref.atoms) == 40
    w = [w for w in ph.warnings if w.code == "duplicate_sites_merged"]
    assert len(w) == 1 and "9999" in w[0] and "Fe1=Fe1" in w[0]
    assert len(expand_to_cell(ph)[0]) == len(expand_to_cell(ref)[0])
    assert time.perf_counter() - t0 < 10


def test_coincident_sites_merge_only_when_same_element_occupancy_and_group(tmp_path):
    atoms = ["Al1 Al 0 0 0 0.97 0.01", "Fe1 Fe 0 0 0 0.03 0.01",  # a mixed site: kept
             "O1 O 0.2 0.3 0.4 1 0.01", "O1b O 1.2 0.3 -0.6 1 0.02",  # O1 written again one cell away: merged
             "O2 O 0.5 0.5 0.5 0.5 0.01", "O2b O 0.5 0.5 0.5 0.4 0.01"]  # other occupancy: kept
    ph = read_cif(p1_file(tmp_path, atoms))
    assert [a.label for a in ph.atoms] == ["Al1", "Fe1", "O1", "O2", "O2b"]
    assert "duplicate_sites_merged" in codes(ph)


# ----------------------------------------------------------------------------- item 5: operators and closure


def test_closure_defect_on_every_tabulated_setting():
    import gemmi

    for sg in gemmi.spacegroup_table_itb():
        ops = SymOps.from_gemmi(sg.operations())
        assert ops.closure_defect() is None, sg.xhm()
        if len(ops) > 2:  # drop one non-identity operation: no longer closed
            keep = np.ones(len(ops), dtype=bool)
            keep[len(ops) // 2] = False
            assert ops.subset(keep).closure_defect() is not None, sg.xhm()


def test_pure_translation_that_breaks_closure_refused(tmp_path):
    # P c c n with one operator replaced by x,y,z+1/3: used to be read as a smaller cell without a closure check
    p = write(tmp_path, mutate(model_text(), r"^6 x\+1/2,y\+1/2,-z$", "6 x,y,z+1/3"))
    refused(p, "do not form a group")


def _ops_cif(ops, cell=("8.8", "5.8", "13.1", "90", "90", "90"), extra="", atoms=("Ca1 Ca 0.1 0.2 0.3 1 0.01",)):
    head = "data_t\n" + "".join(f"_cell_{k} {v}\n" for k, v in zip(
        ("length_a", "length_b", "length_c", "angle_alpha", "angle_beta", "angle_gamma"), cell))
    return head + extra + "loop_\n_symmetry_equiv_pos_as_xyz\n" + "".join(f"'{o}'\n" for o in ops) + ATOM_COLS + \
        "".join(a + "\n" for a in atoms)


def test_centred_list_with_a_half_translation_refused(tmp_path):
    # C m c m from gemmi's table with one operation replaced by x+1/2,y,z: no halved cell, an error
    import gemmi

    ops = [op.triplet() for op in gemmi.SpaceGroup("C m c m").operations()]
    assert len(ops) == 16
    ops[9] = "x+1/2,y,z"
    refused(write(tmp_path, _ops_cif(ops)), "do not form a group")


def test_real_lawsonite_cmcm_with_a_half_translation_refused(tmp_path, shared_cifs):
    text = (shared_cifs / "lawsonite" / "9002550.cif").read_text()
    refused(write(tmp_path, mutate(text, r"^1/2\+x,-y,-z$", "x+1/2,y,z")), "do not form a group")


def test_pure_translation_group_still_shrinks_the_cell(tmp_path):
    # x,y,z; x,y,z+1/3; x,y,z+2/3 is a group: the true lattice has c/3 (closed form)
    p = write(tmp_path, _ops_cif(["x,y,z", "x,y,z+1/3", "x,y,z+2/3"], atoms=("C1 C 0.1 0.2 0.05 1 0.01",)))
    ph = read_cif(p)
    assert ph.cell.c == pytest.approx(13.1 / 3) and ph.spacegroup.number == 1
    assert "true_lattice_smaller" in codes(ph)


def test_pm_operators_with_it_number_8_read_as_pm(tmp_path):
    # as in a real PMN-PT file: monoclinic Pm operators, _symmetry_Int_Tables_number 8 (Cm)
    cell = ("4.02", "4.01", "4.03", "90", "90.12", "90")
    atoms = ("Pb1 Pb 0 0 0 1 0.02", "Ti1 Ti 0.5 0.5 0.52 1 0.01", "O1 O 0.5 0.5 0.0 1 0.01",
             "O2 O 0.5 0 0.5 1 0.01", "O3 O 0 0.5 0.5 1 0.01")
    p = write(tmp_path, _ops_cif(["x,y,z", "x,-y,z"], cell=cell, atoms=atoms,
                                 extra="_symmetry_Int_Tables_number 8\n"))
    ph = read_cif(p)
    assert (ph.spacegroup.number, ph.spacegroup.order) == (6, 2)
    w = [w for w in ph.warnings if w.code == "number_disagrees"]
    assert len(w) == 1 and "8" in w[0]


def test_operators_win_over_a_disagreeing_symbol(tmp_path):
    ops = ["x,y,z", "-x,y+1/2,-z+1/2", "-x,-y,-z", "x,-y+1/2,z+1/2"]
    ph = read_cif(write(tmp_path, _ops_cif(ops, extra="_symmetry_space_group_name_H-M 'P b c a'\n")))
    assert ph.spacegroup.number == 14 and "symbol_disagrees" in codes(ph)


def test_fractional_rotation_entries_refused(tmp_path):
    refused(write(tmp_path, _ops_cif(["x,y,z", "x/2,y,z"])), "not a crystallographic operation")


def test_first_bad_operator_is_the_one_named(tmp_path):
    """Operators are judged in the order written: a fractional matrix before an unreadable triplet is named as such,
    and an unreadable triplet before a fractional matrix is named as unreadable."""
    with pytest.raises(SymstrainInputError, match=r"'x/2,y,z'.*not a crystallographic operation"):
        read_cif(write(tmp_path, _ops_cif(["x,y,z", "-x,-y,-z", "x/2,y,z", "q,y,z", "y/3,x,z"])))
    with pytest.raises(SymstrainInputError, match=r"cannot read symmetry operator 'q,y,z'"):
        read_cif(write(tmp_path, _ops_cif(["x,y,z", "q,y,z", "x/2,y,z"])))


# ----------------------------------------------------------------------------- item 8: what a careful reader takes


@pytest.mark.parametrize("null", ["?", "."])
def test_dummy_atom_with_unknown_coordinate_skipped(tmp_path, null):
    p = write(tmp_path, mutate(model_text(), r"^(H3A H 0\.055033) 0\.454413", rf"\1 {null}"))
    ph = read_cif(p)
    assert len(ph.atoms) == 39 and "H3A" not in [a.label for a in ph.atoms]
    w = [w for w in ph.warnings if w.code == "site_without_coordinates"]
    assert len(w) == 1 and "H3A" in w[0]


def test_all_coordinates_unknown_is_an_error(tmp_path):
    refused(p1_file(tmp_path, ["C1 C ? ? ? 1 0.01"]), "no atom site with known coordinates")


def test_coordinates_as_fractions(tmp_path):
    ph = read_cif(p1_file(tmp_path, ["C1 C 1/4 -1/3 0.5 1 0.01"]))
    assert ph.atoms[0].xyz.tolist() == [0.25, -1 / 3, 0.5]
    refused(p1_file(tmp_path, ["C1 C 1/0 0 0 1 0.01"], name="b.cif"), "'C1'", "not a number")


def test_multi_block_names_the_readable_blocks(tmp_path):
    good = model_text()
    broken = mutate(good.replace("data_model_LS_Pccn_90K", "data_broken"), r"^_cell_angle_beta .*$",
                    "_cell_angle_beta ?")
    p = write(tmp_path, broken + "\n" + good)
    assert list_blocks(p) == ["broken", "model_LS_Pccn_90K"]
    msg = refused(p, "'broken'", "_cell_angle_beta", "model_LS_Pccn_90K", "--block")
    assert msg.count("model_LS_Pccn_90K") == 1
    assert read_cif(p, block="model_LS_Pccn_90K").spacegroup.number == 56


def test_multi_block_without_readable_alternative_gives_the_plain_error(tmp_path):
    broken = mutate(model_text(), r"^_cell_angle_beta .*$", "_cell_angle_beta ?")
    p = write(tmp_path, "data_meta\n_journal_year 2001\n" + broken)
    msg = refused(p, "_cell_angle_beta")
    assert "--block" not in msg


# ----------------------------------------------------------------------------- coded warnings


def test_warnings_are_strings_with_stable_codes(tmp_path, shared_cifs):
    seen = set()
    for f in sorted((shared_cifs / "quirks").glob("*.cif")):
        try:
            ph = read_cif(f)
        except SymstrainInputError:
            continue
        for w in ph.warnings:
            assert isinstance(w, str) and isinstance(w, WarningText), (f, w)
            assert w.code in cif_values.WARNING_CODES, (f, w.code)
            assert w.record.source == str(f) and w.record.message == str(w)
            seen.add(w.code)
    assert {"occupancy_unknown", "disorder", "setting_assumed", "true_lattice_smaller"} <= seen
    w = WarningText("negative_u", "x.cif", "a  message")
    back = pickle.loads(pickle.dumps(w))
    assert back == "a message" and back.code == "negative_u" and back.record == w.record


def test_operator_list_longer_than_any_group_refused_quickly(tmp_path):
    # 24 × 24 × 4 = 2304 distinct pure translations (x+i/24, y+j/24, z+k/4) > 1536: refused before any product
    ops = [f"x+{i}/24,y+{j}/24,z+{k}/4" for i in range(24) for j in range(24) for k in range(4)]
    t0 = time.perf_counter()
    refused(write(tmp_path, _ops_cif(ops)), "2304 distinct symmetry operators")
    assert time.perf_counter() - t0 < 5


def test_closure_defect_names_a_missing_product():
    # {x,y,z; -x,-y,-z; x+1/2,y,z}: (-x,-y,-z)·(x+1/2,y,z) = -x-1/2,-y,-z ≡ -x+1/2,-y,-z is missing (by hand)
    rot = np.array([np.eye(3), -np.eye(3), np.eye(3)], dtype=int)
    trans = np.array([[0, 0, 0], [0, 0, 0], [0.5, 0, 0]])
    defect = SymOps(rot, trans).closure_defect()
    missing = SymOps.from_triplets([defect.missing])
    assert not SymOps(rot, trans).contains(missing.rotations[0], missing.translations[0])
    assert missing.contains(-np.eye(3), [0.5, 0, 0])  # the product named is the one worked out by hand


def test_cell_without_the_symmetry_of_its_operators(tmp_path):
    # P c c n operators with α = 9°: the 2-fold along c maps α to 180° − 9° = 171°, a change of 162° (closed form)
    refused(write(tmp_path, mutate(model_text(), r"^_cell_angle_alpha .*$", "_cell_angle_alpha 9")),
            "does not have the symmetry", "by up to 162°")
    # a = b tetragonal symbol P 4/m with a = 10, b = 10.05: the 4-fold swaps a and b, 0.5 % — a warning only
    head = P1_HEAD.replace("_cell_length_b 11", "_cell_length_b 10.05")
    ph = read_cif(p1_file(tmp_path, ["C1 C 0.1 0.2 0.3 1 0.01"], head=head,
                          sym="_symmetry_space_group_name_H-M 'P 4/m'\n", name="b.cif"))
    w = [w for w in ph.warnings if w.code == "metric_not_symmetric"]
    assert len(w) == 1 and "0.5 %" in w[0]


def test_spglib_failures_print_nothing(tmp_path, symstrain_cli):
    # a lone H in a C2/c-numbered cell: spglib's C code reports "ssm_get_exact_positions failed" on stderr
    cif = tmp_path / "h.cif"
    cif.write_text("data_x\n_cell_length_a 18.2917\n_cell_length_b 9.6357\n_cell_length_c 3.0355\n"
                   "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n_symmetry_Int_Tables_number 15\n"
                   "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                   "_atom_site_fract_z\nH1 H 0.9984 0.47889 0.29899\n")
    out = symstrain_cli("info", cif, drop_env=("SPGLIB_WARNING",))
    assert out.returncode == 0 and out.stderr == ""
