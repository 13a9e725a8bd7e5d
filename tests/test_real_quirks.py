"""Quirks of real CIFs met in a sweep over public files nobody had shown symstrain (PyXtal's AMCSD files, the COD's
tool tests), each as a minimal inline reproduction with the expected answer derived by hand."""

from __future__ import annotations

import numpy as np
import pytest

from symstrain.cif import read_cif
from symstrain.structure_info import info

#: a cubic cell of 5.64 Å in F m -3 m (the cell of both rock-salt files below)
CUBIC_FM3M = """_cell_length_a 5.64
_cell_length_b 5.64
_cell_length_c 5.64
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'F m -3 m'
"""

#: rock salt, F m -3 m by its H-M symbol alone: Na at 4a and Cl at 4b, 4 + 4 = 8 atoms in the cell (by hand)
NACL = """data_global
_chemical_name_mineral 'Halite'
{formula}
""" + CUBIC_FM3M + """loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Na 0 0 0
Cl 0.5 0.5 0.5
"""


def _codes(phase):
    return [w.code for w in phase.warnings]


@pytest.mark.parametrize("formula", [
    "_chemical_formula_sum 'Na Cl'\n_chemical_formula_sum ''",  # as the AMCSD files write it
    "_chemical_formula_sum ''\n_chemical_formula_sum 'Na Cl'",  # the known value second
    "_chemical_formula_sum 'Na Cl'\n_CHEMICAL_FORMULA_SUM 'Na  Cl'",  # tags and values compared as CIF does
])
def test_repeated_tag_with_one_known_value_is_read_with_a_warning(text_file, formula):
    # AMCSD files (PyXtal's database) give _chemical_formula_sum twice, the second ''; gemmi refuses a duplicate tag
    path = text_file("amcsd.cif", NACL.format(formula=formula))
    ph = read_cif(path)
    assert ph.formula == "Na Cl"
    assert _codes(ph).count("duplicate_tag") == 1
    assert ph.spacegroup.number == 225
    assert info(path).n_atoms_cell == 8


def test_repeated_tag_that_is_not_read_is_a_warning(text_file):
    path = text_file("journal.cif", NACL.format(formula="_journal_year 1975\n_journal_year 1976"))
    ph = read_cif(path)
    assert _codes(ph) == ["duplicate_tag"] and "_journal_year" in ph.warnings[0]
    assert ph.spacegroup.number == 225


def test_repeated_read_tag_with_values_that_disagree_is_refused(expect_refusal):
    text = NACL.format(formula="").replace("_cell_length_a 5.64", "_cell_length_a 5.64\n_cell_length_a 5.70")
    expect_refusal(read_cif, "two_a.cif", text, match=r"_cell_length_a is given 2 times with different values "
                                                     r"\('5.64', '5.70'\)")


def test_read_tag_repeated_in_a_loop_is_refused(expect_refusal):
    text = NACL.format(formula="_atom_site_fract_x 0.25")
    expect_refusal(read_cif, "loop.cif", text, match=r"_atom_site_fract_x is given 2 times \(in a loop\)")


def test_repeated_block_name_still_refused(expect_refusal):
    text = NACL.format(formula="_journal_year 1975\n_journal_year 1975") + NACL.format(formula="")
    expect_refusal(read_cif, "two_blocks.cif", text, match="duplicate block name")


#: rock salt with a calc-flag column; {extra} adds sites
NACL_FLAGS = """data_flags
_chemical_formula_sum 'H Na Cl'
""" + CUBIC_FM3M + """loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
_atom_site_occupancy
_atom_site_calc_flag
Na Na 0 0 0 1. d
Cl Cl 0.5 0.5 0.5 1. d
{extra}
"""


@pytest.mark.parametrize("extra, dummies", [
    ("H8 H1+ -1. -1. -1. 5. dum", ["H8"]),  # COD 1000451: five unlocated H parked at -1,-1,-1 with occupancy 5
    ("H1 H1+ -1. -1. -1. 1. dum", ["H1"]),  # COD 1100015: read as an H on the Na site before
    ("Cg1 C 0.25 0.25 0.25 . DUM\nCp2 C . . . . dum", ["Cg1", "Cp2"]),  # ring centroids (COD 2013971, 2009668)
])
def test_dummy_sites_are_no_atoms(text_file, extra, dummies):
    path = text_file("dummy.cif", NACL_FLAGS.format(extra=extra))
    ph = read_cif(path)
    assert [a.label for a in ph.atoms] == ["Na", "Cl"]
    notes = [w for w in ph.warnings if w.code == "dummy_site"]
    assert len(notes) == 1 and all(d in notes[0] for d in dummies)
    result = info(path)
    assert result.n_atoms_cell == 8 and result.contacts == ()


def test_only_dummy_sites_is_refused(expect_refusal):
    text = NACL_FLAGS.format(extra="").replace(" d\n", " dum\n")
    expect_refusal(read_cif, "all_dummy.cif", text, match="every atom site is a dummy")


def test_optional_tag_repeated_with_values_that_disagree_is_not_used(text_file):
    # a JOC supplement (COD tests jo026649z) gives _diffrn_ambient_temperature as 298 and as 298(2): the temperature is
    # optional, so it is left unused (the next temperature item is read) rather than the structure refused
    extra = "_diffrn_ambient_temperature 298\n_cell_measurement_temperature 100(1)\n_diffrn_ambient_temperature 298(2)"
    ph = read_cif(text_file("temps.cif", NACL.format(formula=extra)))
    assert (ph.temperature, ph.temperature_su, ph.temperature_source) == (100.0, 1.0, "_cell_measurement_temperature")
    assert _codes(ph) == ["duplicate_tag"] and "not used" in ph.warnings[0]
    assert ph.spacegroup.number == 225


#: dyscrasite Ag3Sb (PyXtal's AMCSD file 'Pmm2.cif'), P m m 2: four atoms, polar along z
AG3SB = """data_dyscrasite
_cell_length_a 3.008
_cell_length_b 4.828
_cell_length_c 5.214
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P m m 2'
loop_
_space_group_symop_operation_xyz
'x,y,z'
'x,-y,z'
'-x,y,z'
'-x,-y,z'
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Sb 0 0 -0.02488
Ag1 0.5 0 0.5
Ag2 0 0.5 0.64808
Ag3 0.5 0.5 0.16016
"""


def test_pseudo_answers_when_some_candidate_has_no_symmetric_average(text_file, symstrain_cli):
    # several index-2/4 candidates of this structure pair its three Ag sites inconsistently under the lost operations,
    # so their averaged structure has no parent symmetry and no irrep: the whole command used to fail (exit 2, naming
    # "pseudo-25" as the bad input). The centrosymmetric P m m m must still be found, its distortion the polar z mode,
    # which transforms as B1u in mmm (character table of D2h)
    import json

    from symstrain.contract import validate

    path = text_file("ag3sb.cif", AG3SB)
    proc = symstrain_cli("pseudo", path, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    validate("pseudo", doc)
    found = {(c["spacegroup"]["number"], c["index"]): c["irrep"] for c in doc["candidates"]}
    assert found.get((47, 2)) == "B1u"
    assert all(isinstance(v, str) and v for v in found.values())


@pytest.mark.parametrize("symbol, number, xhm, n_general", [
    ("P2(1)/c", 14, "P 1 21/c 1", 4),  # COD tests converted_new7000002: no operators, so the symbol is all there is
    ("P2(1)2(1)2(1)", 19, "P 21 21 21", 4),
    ("P6(3)/mmc", 194, "P 63/m m c", 24),  # multiplicities of the general positions from ITA
])
def test_screw_axis_subscript_in_parentheses(text_file, symbol, number, xhm, n_general):
    # SHELXTL writes screw axes as 2(1), 6(3): the group is the one with the subscript written plainly
    cell = "_cell_angle_gamma 120" if number == 194 else "_cell_angle_gamma 90"
    text = (f"data_shelxtl\n_cell_length_a 7.1\n_cell_length_b {7.1 if number == 194 else 8.2}\n_cell_length_c 9.3\n"
            f"_cell_angle_alpha 90\n_cell_angle_beta 90\n{cell}\n_symmetry_space_group_name_H-M '{symbol}'\n"
            "loop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nC1 0.11 0.17 0.23\n")
    path = text_file("shelxtl.cif", text)
    ph = read_cif(path)
    assert (ph.spacegroup.number, ph.spacegroup.hm, ph.spacegroup.source) == (number, xhm, "H-M")
    assert info(path).n_atoms_cell == n_general


#: PyXtal's 'dist_6_1.cif', Pr(OH)3 written in P m (one of its mirrors only): 14 atoms
PR_OH3 = """data_from_pyxtal
_cell_length_a 6.552521
_cell_length_b 3.746938
_cell_length_c 6.574206
_cell_angle_alpha 90
_cell_angle_beta 119.133402
_cell_angle_gamma 90
loop_
_symmetry_equiv_pos_as_xyz
'x, y, z'
'x, -y, z'
loop_
_atom_site_label
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Pr1 Pr 0.671517 0.0 0.328734
Pr2 Pr 0.330775 0.5 0.663204
H1 H 0.845421 0.5 0.700867
H2 H 0.858107 0.5 0.121573
H3 H 0.708558 0.0 0.849799
H4 H 0.293448 0.5 0.142286
H5 H 0.143953 0.0 0.869053
H6 H 0.156897 0.0 0.291312
O1 O 0.914160 0.5 0.598961
O2 O 0.692279 0.5 0.074340
O3 O 0.602685 0.0 0.682542
O4 O 0.399633 0.5 0.309400
O5 O 0.310063 0.0 0.917436
O6 O 0.088101 0.0 0.393138
"""


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # spglib's own, about its error handling
def test_pseudo_finishes_where_the_sparse_matching_never_returned(text_file, symstrain_cli):
    # one candidate's pairing graph (6 x 6) sent scipy's min_weight_full_bipartite_matching into an endless loop:
    # 'symstrain pseudo' never returned. The closest supergroup must be the group spglib finds at 0.01 A (the oracle)
    import json

    import spglib

    rows = [line.split() for line in PR_OH3.split("_atom_site_fract_z\n")[1].splitlines()]
    a, b, c, beta = 6.552521, 3.746938, 6.574206, np.radians(119.133402)
    lattice = [[a, 0, 0], [0, b, 0], [c * np.cos(beta), 0, c * np.sin(beta)]]
    # every site lies on a mirror of P m (y = 0 or 1/2), so the sites are the whole cell
    positions = [(r[1], tuple(map(float, r[2:5]))) for r in rows]
    numbers = [{"Pr": 59, "H": 1, "O": 8}[e] for e, _ in positions]
    expected = spglib.get_symmetry_dataset((lattice, [p for _, p in positions], numbers), symprec=0.01).number
    assert expected == 11

    proc = symstrain_cli("pseudo", text_file("proh3.cif", PR_OH3), "--json", timeout=60)
    assert proc.returncode == 0, proc.stderr
    first = json.loads(proc.stdout)["candidates"][0]
    assert (first["spacegroup"]["number"], first["index"]) == (expected, 2)
    assert first["max_displacement"]["value"] < 0.01


def test_matching_of_a_graph_the_sparse_solver_never_finished():
    # the 6 x 6 graph (squared distances, Å²) of that candidate; the minimum weight checked against all 720 permutations
    import itertools

    from scipy.sparse import csr_matrix

    from symstrain.pairing import _min_weight_matching

    edges = {(0, 1): 1.44453168, (0, 2): 3.45349496, (0, 4): 3.68196892, (1, 0): 1.44453168, (1, 2): 3.45349496,
             (1, 3): 3.68196892, (2, 0): 3.45349496, (2, 1): 3.45349496, (2, 5): 3.67543971, (3, 1): 3.68196892,
             (3, 5): 2.28050049, (4, 0): 3.68196892, (4, 5): 2.28050049, (5, 2): 3.67543971, (5, 3): 2.28050049,
             (5, 4): 2.28050049}
    i, j = zip(*edges)
    graph = csr_matrix((list(edges.values()), (i, j)), shape=(6, 6))
    best = min(sum(edges[k, p[k]] for k in range(6)) for p in itertools.permutations(range(6))
               if all((k, p[k]) in edges for k in range(6)))
    r, c = _min_weight_matching(graph)
    assert sorted(r.tolist()) == list(range(6)) and sorted(c.tolist()) == list(range(6))
    assert sum(edges[a, b] for a, b in zip(r.tolist(), c.tolist())) == pytest.approx(best, rel=1e-12)


def test_dotted_ddlm_names_are_read_as_the_core_names(tmp_path):
    """A block with DDLm/mmCIF names (_cell.length_a, _atom_site.fract_x, _space_group.name_H-M_alt: the aliases of
    the core names) is read as if written with the core names: rock salt, 4 + 4 atoms (by hand)."""
    text = NACL.format(formula="").replace(CUBIC_FM3M, CUBIC_FM3M.replace("_cell_", "_cell.").replace(
        "_symmetry_space_group_name_H-M", "_space_group.name_H-M_alt")).replace("_atom_site_", "_atom_site.")
    assert "_cell.length_a 5.64" in text and "_cell_length_a" not in text and "_atom_site.fract_x" in text
    path = tmp_path / "dotted.cif"
    path.write_text(text)
    ph = read_cif(path)
    assert ph.cell.a == 5.64 and ph.spacegroup.number == 225
    assert info(path).n_atoms_cell == 8


def test_mmcif_cartesian_sites_with_the_mmcif_transformation_are_read(tmp_path):
    """mmCIF gives Cartesian sites and the map to fractions as _atom_sites.fract_transf_matrix[i][j] (a loop of one
    row). Orthorhombic 10 × 20 × 25 Å: the map is diag(1/10, 1/20, 1/25), so Cartn (1, 2, 5) is (0.1, 0.1, 0.2)."""
    text = """data_1ABC
_cell.length_a 10
_cell.length_b 20
_cell.length_c 25
_cell.angle_alpha 90
_cell.angle_beta 90
_cell.angle_gamma 90
_symmetry.space_group_name_H-M 'P 1'
loop_
_atom_sites.entry_id
_atom_sites.fract_transf_matrix[1][1]
_atom_sites.fract_transf_matrix[1][2]
_atom_sites.fract_transf_matrix[1][3]
_atom_sites.fract_transf_matrix[2][1]
_atom_sites.fract_transf_matrix[2][2]
_atom_sites.fract_transf_matrix[2][3]
_atom_sites.fract_transf_matrix[3][1]
_atom_sites.fract_transf_matrix[3][2]
_atom_sites.fract_transf_matrix[3][3]
_atom_sites.fract_transf_vector[1]
_atom_sites.fract_transf_vector[2]
_atom_sites.fract_transf_vector[3]
1ABC 0.1 0 0 0 0.05 0 0 0 0.04 0 0 0
loop_
_atom_site.group_PDB
_atom_site.id
_atom_site.type_symbol
_atom_site.label_atom_id
_atom_site.Cartn_x
_atom_site.Cartn_y
_atom_site.Cartn_z
_atom_site.occupancy
ATOM 1 N N 1.0 2.0 5.0 1.00
ATOM 2 C CA 4.0 10.0 20.0 1.00
"""
    path = tmp_path / "1abc.cif"
    path.write_text(text)
    ph = read_cif(path)
    xyz = np.array([a.xyz for a in ph.atoms])
    assert xyz == pytest.approx(np.array([[0.1, 0.1, 0.2], [0.4, 0.5, 0.8]]), abs=1e-12)
    assert [a.element for a in ph.atoms] == ["N", "C"]


def test_two_dotted_names_for_one_core_name_are_not_guessed(tmp_path):
    """_cell.length_a 5.64 and _cell_length.a 5.70 both stand for _cell_length_a: which holds cannot be told, so
    neither is read and the cell is refused, naming the item."""
    from symstrain.errors import SymstrainInputError

    text = NACL.format(formula="").replace(CUBIC_FM3M, CUBIC_FM3M.replace("_cell_", "_cell.").replace(
        "_cell.length_b", "_cell_length.a 5.70\n_cell.length_b"))
    path = tmp_path / "twice.cif"
    path.write_text(text)
    with pytest.raises(SymstrainInputError) as err:
        read_cif(path)
    assert "\n" not in str(err.value) and "_cell_length_a is missing" in str(err.value)


def test_scan_reads_a_repeated_tag_and_non_utf8_text_as_info_does(tmp_path):
    """`scan` parsed each file again with gemmi's strict reader: the 218 AMCSD files that give a tag twice were
    failures ("RuntimeError: duplicate tag") in the catalogue while `info` read them; and bytes that are not UTF-8 in
    a title were read without the reader's warning. Each row must be info's reading of the block."""
    pytest.importorskip("duckdb")
    from symstrain.catalogue import Catalogue
    from symstrain.cli import main

    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "amcsd.cif").write_text(NACL.format(formula="_chemical_formula_sum 'Na Cl'\n_chemical_formula_sum ''"))
    (folder / "latin1.cif").write_bytes(NACL.format(formula="_publ_section_title 'sel gemme \xe9'").encode("latin-1"))
    cat = tmp_path / "cat.duckdb"
    assert main(["scan", str(folder), "--catalogue", str(cat), "--no-progress"]) == 0
    with Catalogue(cat, create=False) as c:
        rows = c.rows().set_index(c.rows()["file"].map(lambda f: f.rsplit("/", 1)[-1]))
    for name, code in (("amcsd.cif", "duplicate_tag"), ("latin1.cif", "non_utf8_text")):
        row = rows.loc[name]
        assert row["status"] == "ok" and row["declared_number"] == 225 and row["detected_number"] == 225
        assert code in [w["code"] for w in row["warnings"]]


def _cubic_block(symbol_line: str, site: str, a: float = 3.5666) -> str:
    return f"""data_x
_cell_length_a {a}
_cell_length_b {a}
_cell_length_c {a}
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
{symbol_line}
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
C {site}
"""


@pytest.mark.parametrize("symbol, site", [
    ("'F d -3 m {origin @ centre (-3m)}'", "0.125 0.125 0.125"),  # COD 2101499 (diamond)
    ("'F d -3 m (origin choice 2)'", "0.125 0.125 0.125"),
    ("'F d -3 m Z'", "0.125 0.125 0.125"),  # ICSD: Z = origin choice 2, at the centre
    ("'F d -3 m S'", "0 0 0"),  # ICSD: S = origin choice 1
    ("'F d -3 m (origin choice 1)'", "0 0 0"),
])
def test_setting_written_after_the_symbol_is_read(tmp_path, symbol, site):
    """Diamond: 8a of Fd-3m is (1/8, 1/8, 1/8) in origin choice 2 and (0, 0, 0) in origin choice 1 (ITA); either way
    8 atoms in the cell. In the other origin choice the same coordinates are 16c (16 atoms), so the count checks that
    the setting was read, not only the group."""
    path = tmp_path / "diamond.cif"
    path.write_text(_cubic_block(f"_symmetry_space_group_name_H-M {symbol}", site))
    ph = read_cif(path)
    assert ph.spacegroup.number == 227
    assert info(path).n_atoms_cell == 8


def test_rhombohedral_symbol_with_hexagonal_axes_in_words(tmp_path):
    # R -3 m on hexagonal axes: 3a (0, 0, 0) is 3 atoms (the R centring), on rhombohedral axes 1
    text = NACL.format(formula="").replace(CUBIC_FM3M, """_cell_length_a 4.0
_cell_length_b 4.0
_cell_length_c 12.0
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 120
_symmetry_space_group_name_H-M 'R -3 m (hexagonal axes)'
""").replace("Cl 0.5 0.5 0.5\n", "")
    path = tmp_path / "r3m.cif"
    path.write_text(text)
    assert read_cif(path).spacegroup.hm == "R -3 m:H"
    assert info(path).n_atoms_cell == 3


def test_setting_words_not_understood_are_refused(tmp_path):
    from symstrain.errors import SymstrainInputError

    path = tmp_path / "odd.cif"
    path.write_text(_cubic_block("_symmetry_space_group_name_H-M 'F d -3 m {origin @ nowhere}'", "0 0 0"))
    with pytest.raises(SymstrainInputError, match="unknown space-group symbol"):
        read_cif(path)


def test_reference_setting_symbol_alone_names_the_group_with_a_warning(tmp_path):
    """diffpy's Ni_ref.cif names its group only by _space_group_name_H-M_ref 'F m -3 m': Ni at 4a, 4 atoms (fcc)."""
    path = tmp_path / "ni.cif"
    path.write_text(_cubic_block("_space_group_name_H-M_ref 'F m -3 m'", "0 0 0", a=3.562).replace("C 0 0 0", "Ni 0 0 0"))
    ph = read_cif(path)
    assert ph.spacegroup.number == 225 and ph.spacegroup.source == "H-M ref"
    assert _codes(ph) == ["reference_setting_assumed"]
    assert info(path).n_atoms_cell == 4


def _pna21_block(operators) -> str:
    ops = "\n".join(f"'{o}'" for o in operators)
    return f"""data_x
_cell_length_a 10.313
_cell_length_b 8.194
_cell_length_c 4.993
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
loop_
_symmetry_equiv_pos_as_xyz
{ops}
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Si 0.1 0.2 0.3
"""


def test_operator_list_leaving_out_only_the_identity_is_completed(tmp_path):
    """COD 8103382 lists three of Pna2₁'s four operations (x,y,z left out): the identity is added with a warning, and
    a general position has 4 images. A list that is no group even with the identity is still refused."""
    from symstrain.errors import SymstrainInputError

    path = tmp_path / "pna21.cif"
    path.write_text(_pna21_block(["1/2-x, 1/2+y, 1/2+z", "1/2+x, 1/2-y, z", "-x, -y, 1/2+z"]))
    ph = read_cif(path)
    assert ph.spacegroup.number == 33 and len(ph.spacegroup.rotations) == 4
    assert _codes(ph) == ["identity_added"]
    assert info(path).n_atoms_cell == 4
    path.write_text(_pna21_block(["1/2-x, 1/2+y, 1/2+z", "-x, -y, 1/2+z"]))  # their product is not in the list
    with pytest.raises(SymstrainInputError, match="do not form a group"):
        read_cif(path)


MONO_BLOCK = """data_mono
_cell_length_a 5.411
_cell_length_b 9.0
_cell_length_c 10.25
_cell_angle_alpha 90
_cell_angle_beta 100.3
_cell_angle_gamma 90
_symmetry_space_group_name_H-M {symbol}
loop_
_atom_site_label
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Si 0.1 0.2 0.3
"""


@pytest.mark.parametrize("symbol, hm, centring", [
    ("C2:b1", "C 1 2 1", (0.5, 0.5, 0.0)),  # diffpy's badspacegroup.cif test input: SgInfo's C 1 2 1
    ("'C 2:b2'", "A 1 2 1", (0.0, 0.5, 0.5)),  # cell choice 2: the A-centred cell
    ("'P21/c:b2'", "P 1 21/n 1", None),
    ("'C2/c:-b1'", "A 1 2/a 1", (0.0, 0.5, 0.5)),
])
def test_table_qualifier_after_the_symbol_is_read(tmp_path, symbol, hm, centring):
    """The International Tables' setting qualifier after a short symbol (SgInfo and cctbx write 'C2:b1'): the
    setting with exactly that qualifier (ITA Table 4.3.2.1), its centring checked on the operators read."""
    path = tmp_path / "mono.cif"
    path.write_text(MONO_BLOCK.format(symbol=symbol))
    ph = read_cif(path)
    assert ph.spacegroup.hm == hm
    pure = ph.spacegroup.translations[np.all(ph.spacegroup.rotations == np.eye(3, dtype=int), axis=(1, 2))]
    shifts = {tuple(np.round(t % 1.0, 6)) for t in pure} - {(0.0, 0.0, 0.0)}
    assert shifts == (set() if centring is None else {centring})


def test_unknown_table_qualifier_is_refused(tmp_path):
    from symstrain.errors import SymstrainInputError

    path = tmp_path / "mono.cif"
    path.write_text(MONO_BLOCK.format(symbol="C2:b9"))
    with pytest.raises(SymstrainInputError, match="unknown space-group symbol"):
        read_cif(path)
