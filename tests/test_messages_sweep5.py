"""Three messages the sweep-5 real-data run found wanting (REPORT.md F7): full Hermann–Mauguin symbols ('P 4/m 2/m
2/m', as ISODISTORT writes them) read as the group they name; a file cut inside or right after its operator loop
said to be cut short; a refused relation whose child is of the other hand (P6₂22 → P3₁21) naming the enantiomorph.
Every input is built here (tmp_path or in memory)."""

from __future__ import annotations

import json

import gemmi
import numpy as np
import pytest
import spglib

from symstrain.cif import read_cif
from symstrain.cif_symbols import sg_from_hm, short_from_full
from symstrain.errors import SymstrainInputError
from symstrain.ops import SymOps
from symstrain.phase import Cell, Phase, SpaceGroupInfo
from symstrain.relation import ENANTIOMORPHS, relate
from symstrain.spacegroup import spglib_call


def _key(sg) -> tuple:
    return SymOps.from_gemmi(sg.operations()).key()


def _cif(path, symbol=None, ops=None, atoms=True, cell=("3.9", "3.9", "7.8", "90", "90", "90"), tail=""):
    lines = ["data_t"] + [f"_cell_{t} {v}" for t, v in zip(
        ("length_a", "length_b", "length_c", "angle_alpha", "angle_beta", "angle_gamma"), cell)]
    if symbol is not None:
        lines.append(f"_symmetry_space_group_name_H-M '{symbol}'")
    if ops is not None:
        lines += ["loop_", "_symmetry_equiv_pos_site_id", "_symmetry_equiv_pos_as_xyz"]
        lines += [f"{i + 1} '{o}'" for i, o in enumerate(ops)]
    if atoms:
        lines += ["loop_", "_atom_site_label", "_atom_site_type_symbol", "_atom_site_fract_x", "_atom_site_fract_y",
                  "_atom_site_fract_z", "Sr1 Sr 0 0 0", "Ti1 Ti 0.5 0.5 0.25", "O1 O 0.5 0.5 0"]
    path.write_text("\n".join(lines) + "\n" + tail)
    return path


def _triplets(symbol: str) -> list[str]:
    return [op.triplet() for op in gemmi.find_spacegroup_by_name(symbol).operations()]


# ----------------------------------------------------------------------------- 1. full H-M symbols


@pytest.mark.parametrize("full,xhm,number", [
    # full symbols as in ITA Vol. A (2016), checked by hand against its tables
    ("P 4/m 2/m 2/m", "P 4/m m m", 123),
    ("P4/m2/m2/m", "P 4/m m m", 123),
    ("P 2/m 2/m 2/m", "P m m m", 47),
    ("P 21/b 21/n 21/m", "P b n m", 62),
    ("C 2/m 2/c 21/m", "C m c m", 63),
    ("C 2/m 2/m 2/e", "C m m a", 67),
    ("I 41/a 2/m 2/d", "I 41/a m d:1", 141),
    ("I 4_1/a 2/m 2/d:2", "I 41/a m d:2", 141),
    ("I 41/a 2/m 2/d (origin choice 2)", "I 41/a m d:2", 141),
    ("P 4/n 21/m 2/m", "P 4/n m m:1", 129),
    ("P 6_3/m 2/m 2/c", "P 63/m m c", 194),
    ("P -3 2/m 1", "P -3 m 1", 164),
    ("P -3 1 2/c", "P -3 1 c", 163),
    ("R -3 2/m", "R -3 m:H", 166),
    ("R -3 2/c (rhombohedral axes)", "R -3 c:R", 167),
    ("P 2/m -3", "P m -3", 200),
    ("I 21/a -3", "I a -3", 206),
    ("F 4/m -3 2/m", "F m -3 m", 225),
    ("P 42/m -3 2/n", "P m -3 n", 223),
    ("F 41/d -3 2/m:2", "F d -3 m:2", 227),
    ("I 41/a -3 2/d", "I a -3 d", 230),
])
def test_full_symbol_is_read_as_its_short_symbol(full, xhm, number):
    sg = sg_from_hm(full)
    assert sg is not None and (sg.xhm(), sg.number) == (xhm, number)


def test_short_from_full_keeps_what_is_no_full_symbol_out():
    assert short_from_full("P 4/m 2/m 2/m") == "P 4/m m m"
    assert short_from_full("P 21/b 21/n 21/m") == "P b n m"
    assert short_from_full("F 41/d -3 2/m:2") == "F d -3 m:2"
    # nothing to drop: short symbols, monoclinic symbols (full = short in gemmi), one axis
    for symbol in ("P 4/m m m", "P 1 21/c 1", "P 21/c", "P 4/m", "P m m m"):
        assert short_from_full(symbol) is None
    # no axis of these kinds stands over a plane there
    for symbol in ("P 3/m 2/m 2/m", "P 2/m 4/m 2/m", "P 6/m -3 2/m", "P 4/m 2/m 2/q", "Q 2/m 2/m 2/m"):
        assert short_from_full(symbol) is None
    assert sg_from_hm("P 3/m 2/m 2/m") is None


def test_every_full_symbol_of_spglib_names_the_group_of_its_hall_number():
    """spglib's full symbol of each of its 530 Hall numbers (an independent source) is read as the group with the same
    operations; a full symbol that two Hall numbers share (the origin choices, hexagonal/rhombohedral axes) is read
    as the short symbol of the same type is (gemmi's first setting)."""
    types = [spglib_call(spglib.get_spacegroup_type, hall) for hall in range(1, 531)]
    by_full: dict[str, list[int]] = {}
    for hall, t in enumerate(types, start=1):
        by_full.setdefault(t.international_full, []).append(hall)
    wrong, read_only_now = [], 0
    for hall, t in enumerate(types, start=1):
        full = t.international_full
        sg = sg_from_hm(full)
        if sg is None:
            wrong.append((hall, full, None))
            continue
        read_only_now += short_from_full(full) is not None
        if len(by_full[full]) > 1:
            want = _key(sg_from_hm(t.international))
        else:
            db = spglib_call(spglib.get_symmetry_from_database, hall)
            want = SymOps(db["rotations"], np.mod(db["translations"], 1.0)).key()
        if _key(sg) != want:
            wrong.append((hall, full, sg.xhm()))
    assert wrong == []
    assert read_only_now >= 180  # read only through short_from_full (187 with spglib 2.8): gemmi reads the rest


def test_full_symbol_with_operators_gives_no_symbol_warning(tmp_path):
    ph = read_cif(_cif(tmp_path / "sto.cif", "P 4/m 2/m 2/m", _triplets("P 4/m m m")))
    assert (ph.spacegroup.number, ph.spacegroup.hm) == (123, "P 4/m m m")
    assert [w.code for w in ph.warnings] == []


def test_full_symbol_alone_names_the_group(tmp_path):
    ph = read_cif(_cif(tmp_path / "sto.cif", "P 4/m 2/m 2/m"))
    assert (ph.spacegroup.number, ph.spacegroup.hm, ph.spacegroup.source) == (123, "P 4/m m m", "H-M")


def test_full_symbol_of_two_origins_is_compared_like_its_short_symbol(tmp_path):
    """'P 4/n 2/b 2/m' is either origin choice, as 'P 4/n b m' is: operators of origin choice 2 are another origin
    of the symbol's group (not an unrecognised symbol)."""
    ph = read_cif(_cif(tmp_path / "p4nbm.cif", "P 4/n 2/b 2/m", _triplets("P 4/n b m:2"), cell=("6", "6", "5", "90",
                                                                                                  "90", "90")))
    assert ph.spacegroup.number == 125
    assert [w.code for w in ph.warnings] == ["symbol_other_setting"]


# ----------------------------------------------------------------------------- 2. a file cut in its operator loop


def test_file_cut_inside_the_operator_loop_is_said_to_be_cut(tmp_path):
    ops = _triplets("P m -3 m")[:28]  # 28 of 48: no group
    path = _cif(tmp_path / "cut.cif", "P m -3 m", ops, atoms=False, cell=("4", "4", "4", "90", "90", "90"))
    with pytest.raises(SymstrainInputError) as info:
        read_cif(path)
    assert info.value.problem.startswith(
        "the file ends in its symmetry-operator loop _symmetry_equiv_pos_as_xyz and has no atom sites: the operator "
        "list is probably cut short (the 28 symmetry operators in _symmetry_equiv_pos_as_xyz do not form a group: ")


def test_file_cut_right_after_the_operator_loop_is_said_to_be_cut(tmp_path):
    path = _cif(tmp_path / "cut.cif", "P 4/m m m", _triplets("P 4/m m m"), atoms=False)
    with pytest.raises(SymstrainInputError) as info:
        read_cif(path)
    assert info.value.problem == ("no atom sites: the file ends in its symmetry-operator loop "
                                  "_symmetry_equiv_pos_as_xyz, so it is probably cut short")


def test_operators_that_are_no_group_keep_their_message_when_the_file_goes_on(tmp_path):
    """Not a cut: atoms follow the bad operator list, or something else ends the file; either way the old message,
    and only the cut file gets the new one."""
    ops = _triplets("P m -3 m")[:28]
    closure = "the 28 symmetry operators in _symmetry_equiv_pos_as_xyz do not form a group: "
    cell = ("4", "4", "4", "90", "90", "90")
    for name, kw in (("atoms.cif", {}), ("tail.cif", {"atoms": False, "tail": "_refine_ls_R_factor_all 0.01\n"})):
        with pytest.raises(SymstrainInputError) as info:
            read_cif(_cif(tmp_path / name, "P m -3 m", ops, cell=cell, **kw))
        assert info.value.problem.startswith(closure)
    with pytest.raises(SymstrainInputError) as info:
        read_cif(_cif(tmp_path / "cut.cif", "P m -3 m", ops, cell=cell, atoms=False))
    assert not info.value.problem.startswith(closure)


def test_cut_file_is_one_line_and_exit_2(tmp_path, symstrain_cli):
    path = _cif(tmp_path / "cut.cif", "P m -3 m", _triplets("P m -3 m")[:28], atoms=False,
                cell=("4", "4", "4", "90", "90", "90"))
    run = symstrain_cli("info", path)
    assert run.returncode == 2 and run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"symstrain: error: {path}: the file ends in its symmetry-operator loop")
    assert "probably cut short" in lines[0]


# ----------------------------------------------------------------------------- 3. the enantiomorph named


def _phase(symbol, cell, name):
    return Phase(cell, SpaceGroupInfo.from_gemmi(gemmi.find_spacegroup_by_name(symbol), "H-M"), (), source=name)


QUARTZ_HT = Cell(5.01, 5.01, 5.47, 90, 90, 120)
QUARTZ_LT = Cell(4.91, 4.91, 5.40, 90, 90, 120)


def test_quartz_of_the_other_hand_is_refused_naming_the_enantiomorph():
    parent = _phase("P 62 2 2", QUARTZ_HT, "ht")
    assert relate(parent, _phase("P 32 2 1", QUARTZ_LT, "lt")).holds
    ref = relate(parent, _phase("P 31 2 1", QUARTZ_LT, "lt-other-hand"))
    assert not ref.holds
    assert "some child operation is not a parent operation" in ref.reason
    assert ref.reason.endswith(
        "; but the child's group is a subgroup of P 64 2 2 (181), the enantiomorph of the parent's P 62 2 2 (180): "
        "the two structures are of opposite hand (the child's mirror image would relate)")
    # a parent of a type that is its own mirror image: nothing said of hands (P3₁21 needs a tripled c under P622)
    ref = relate(_phase("P 6 2 2", QUARTZ_HT, "p622"), _phase("P 31 2 1", QUARTZ_LT, "lt-other-hand"))
    assert not ref.holds and "enantiomorph" not in ref.reason
    # both hands: the P3₂21 child refused by a P6₄22 parent names P6₂22
    ref = relate(_phase("P 64 2 2", QUARTZ_HT, "ht-other-hand"), _phase("P 32 2 1", QUARTZ_LT, "lt"))
    assert "a subgroup of P 62 2 2 (180), the enantiomorph of the parent's P 64 2 2 (181)" in ref.reason


@pytest.mark.parametrize("a", sorted(ENANTIOMORPHS))
def test_each_enantiomorphic_pair_is_named(a):
    b = ENANTIOMORPHS[a]
    assert len(ENANTIOMORPHS) == 22 and ENANTIOMORPHS[b] == a
    ga, gb = gemmi.find_spacegroup_by_number(a), gemmi.find_spacegroup_by_number(b)
    cell = Cell(6, 6, 6, 90, 90, 90) if a in (212, 213) else (
        Cell(5, 5, 7, 90, 90, 90) if a < 143 else Cell(5, 5, 7, 90, 90, 120))
    ref = relate(_phase(ga.xhm(), cell, "p"), _phase(gb.xhm(), cell, "c"))
    assert not ref.holds
    assert f"the enantiomorph of the parent's {ga.xhm()} ({a})" in ref.reason


def test_enantiomorph_in_relate_json(tmp_path, symstrain_cli):
    def write(name, symbol, cell):
        return _cif(tmp_path / name, symbol, _triplets(symbol), cell=cell, atoms=False,
                    tail="loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
                         "_atom_site_fract_z\nSi1 Si 0.5 0 0\n")

    ht = write("ht.cif", "P 62 2 2", ("5.01", "5.01", "5.47", "90", "90", "120"))
    lt = write("lt.cif", "P 31 2 1", ("4.91", "4.91", "5.40", "90", "90", "120"))
    run = symstrain_cli("relate", ht, lt, "--json")
    assert run.returncode == 1
    out = json.loads(run.stdout)
    assert out["status"] == "refuted" and out["holds"] is False
    assert out["reason"].endswith("the two structures are of opposite hand (the child's mirror image would relate)")
    assert "P 64 2 2 (181)" in out["reason"]
