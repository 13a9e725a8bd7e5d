"""Temperatures of a multi-block powder CIF (pdCIF) and ``--temperatures`` with one value per structure block.

An in-situ powder study exported as one pdCIF (TOPAS, GSAS-II; sweep 11: pdCIFplotter's ideal_condensed.cif, Al2O3 +
Si at 30–110 K) puts each refined phase in its own block and each diffractogram, with its measurement conditions, in
another: a phase block points at its pattern with ``_pd_block_diffractogram_id`` (the pattern's ``_pd_block_id``), a
pattern block lists its phases in ``_pd_phase_block_id``, and only the pattern block holds
``_diffrn_ambient_temperature``. The files are written here, modelled on that one (an overall block pointing at
everything, phase blocks, pattern blocks with a few profile points)."""

from __future__ import annotations

import json

import pytest

from symstrain.cif import read_cif, read_structures
from symstrain.cli import main
from symstrain.errors import SymstrainInputError
from symstrain.series import read_series


def phase_block(name: str, a: str, pattern: str | None) -> str:
    """A phase block of CsCl-type Pm-3m with cell ``a`` pointing at the pattern block ``pattern`` (None: no pointer,
    as GSAS-II writes them: only the pattern lists its phases)."""
    pointer = f"_pd_block_diffractogram_id {pattern}\n" if pattern else ""
    return (f"data_phase_{name}\n_pd_block_id {name}\n{pointer}\n_pd_phase_name {name}\n"
            f"_cell_length_a {a}\n_cell_length_b {a}\n_cell_length_c {a}\n"
            "_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n"
            "_symmetry_space_group_name_H-M 'P m -3 m'\n"
            "loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n"
            "_atom_site_fract_z\n_atom_site_occupancy\n_atom_site_B_iso_or_equiv\n"
            "Cs1 Cs 0 0 0 1 1.2\nCl1 Cl 0.5 0.5 0.5 1 1.5\n\n")


def pattern_block(name: str, phases, temperature: str | None) -> str:
    """A pattern block listing ``phases`` (their ``_pd_block_id``) with its temperature item (a whole line, or None)
    and a few profile points."""
    rows = "".join(f"{k + 1}\t{p}\t100.0\n" for k, p in enumerate(phases))
    t = f"{temperature}\n" if temperature else ""
    return (f"data_data_{name}\n_pd_block_id {name}\nloop_\n_pd_phase_id\n_pd_phase_block_id\n_pd_phase_mass_%\n"
            f"{rows}\n{t}loop_\n_pd_meas_2theta_scan\n_pd_meas_intensity_total\n_pd_calc_intensity_total\n"
            "5.001 43.36 25.96\n5.004 38.01 26.17\n5.007 38.32 26.37\n\n")


def write_pdcif(path, temperatures=("_diffrn_ambient_temperature 30.00", "_diffrn_ambient_temperature 50.0(2)",
                                    "_diffrn_ambient_temperature_C -173.15")):
    """Three phase blocks at three temperatures: CsCl_0 → pattern_0 and CsCl_1 → pattern_1 by their pointers, CsCl_2
    only listed by pattern_2 (the reverse link); the overall block lists every phase and pattern and gives a
    temperature of its own, which is nobody's."""
    overall = ("data_overall\n_diffrn_radiation_wavelength 0.8257653\n_diffrn_ambient_temperature 295\n"
               "loop_\n_pd_phase_block_id\nCsCl_0\nCsCl_1\nCsCl_2\n\n"
               "loop_\n_pd_block_diffractogram_id\npattern_0\npattern_1\npattern_2\n\n")
    text = (overall + phase_block("CsCl_0", "4.1200", "pattern_0") + phase_block("CsCl_1", "4.1210", "pattern_1")
            + phase_block("CsCl_2", "4.1225", None)
            + "".join(pattern_block(f"pattern_{k}", [f"CsCl_{k}"], t) for k, t in enumerate(temperatures)))
    path.write_text(text)
    return path


def run(capsys, *args):
    rc = main(list(map(str, args)))
    out, err = capsys.readouterr()
    return rc, out, err


def test_phase_blocks_take_the_temperature_of_their_pattern_block(tmp_path, capsys):
    """Each phase block, which gives no temperature, takes its pattern block's, by the reader's rules (s.u., °C),
    through the phase's pointer or the pattern's list of phases; ``temperature_source`` names the pattern block, and
    ``info`` says it. ``table`` gives a row per phase block at those temperatures, with no --temperatures."""
    f = write_pdcif(tmp_path / "insitu.cif")
    got = {name: (ph.temperature, ph.temperature_su, ph.temperature_source) for name, ph in read_structures(f)}
    assert got == {
        "phase_CsCl_0": (30.0, None, "_diffrn_ambient_temperature from pattern block data_pattern_0"),
        "phase_CsCl_1": (50.0, 0.2, "_diffrn_ambient_temperature from pattern block data_pattern_1"),
        "phase_CsCl_2": (pytest.approx(100.0), None,
                         "_diffrn_ambient_temperature_C from pattern block data_pattern_2"),
    }
    assert read_cif(f).temperature == 30.0 and read_cif(f, block="phase_CsCl_1").temperature == 50.0
    rc, out, err = run(capsys, "info", f, "--block", "phase_CsCl_1")
    assert rc == 0, err
    assert "temperature  50.0(2) K  (_diffrn_ambient_temperature from pattern block data_pattern_1)" in out
    # a phase block's own temperature stays first
    own = tmp_path / "own.cif"
    own.write_text(f.read_text().replace("_pd_phase_name CsCl_0\n", "_pd_phase_name CsCl_0\n"
                                         "_cell_measurement_temperature 31(1)\n"))
    assert (read_cif(own).temperature, read_cif(own).temperature_source) == (31.0, "_cell_measurement_temperature")

    rc, out, err = run(capsys, "table", f, "--out", tmp_path / "t", "--json", "--no-plots", "--no-detect",
                       "--no-reference")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["n_files"] == 1 and not doc["failed"]
    assert [(r["block"], r["T"]["value"], r["T"]["su"]) for r in doc["results"]] == [
        ("phase_CsCl_0", 30.0, None), ("phase_CsCl_1", 50.0, 0.2), ("phase_CsCl_2", pytest.approx(100.0), None)]


def test_patterns_at_different_temperatures_leave_the_block_refused(tmp_path, capsys):
    """A phase block linked to two patterns measured at different temperatures has no one temperature: that block is
    refused in one line naming it and both patterns (the others go on); at one temperature it is read, with the
    larger s.u."""
    f = write_pdcif(tmp_path / "two.cif")
    text = f.read_text().replace("_pd_block_diffractogram_id pattern_1\n",
                                 "loop_\n_pd_block_diffractogram_id\npattern_1\npattern_0\n")
    f.write_text(text)
    items = dict(read_structures(f))
    bad = items["phase_CsCl_1"]
    assert isinstance(bad, SymstrainInputError) and bad.source == str(f)
    assert "'phase_CsCl_1'" in bad.problem and "50 K in block 'data_pattern_1'" in bad.problem
    assert "30 K in block 'data_pattern_0'" in bad.problem and "\n" not in bad.problem
    assert items["phase_CsCl_0"].temperature == 30.0 and items["phase_CsCl_2"].temperature == pytest.approx(100.0)
    with pytest.raises(SymstrainInputError, match="measured at different ones"):
        read_cif(f, block="phase_CsCl_1")
    rc, out, err = run(capsys, "table", f, "--out", tmp_path / "t", "--json", "--no-plots", "--no-detect",
                       "--no-reference")
    doc = json.loads(out)
    assert rc == 3 and [(x["file"], x["block"]) for x in doc["failed"]] == [(str(f), "phase_CsCl_1")]
    assert len(doc["results"]) == 2
    # the same temperature in both patterns: one temperature, the larger s.u.
    f.write_text(text.replace("_diffrn_ambient_temperature 30.00", "_diffrn_ambient_temperature 50.00(5)"))
    ph = read_cif(f, block="phase_CsCl_1")
    assert (ph.temperature, ph.temperature_su) == (50.0, 0.2)
    assert ph.temperature_source == "_diffrn_ambient_temperature from pattern blocks data_pattern_0, data_pattern_1"


def test_temperatures_give_one_value_per_structure_block(tmp_path, capsys):
    """A multi-block file without temperatures anywhere: the error says how many values --temperatures needs and in
    which order, and exactly that works (one per structure block, files in order); a count that does not match is
    refused saying how many structures each file holds — the messages agree with each other."""
    f = write_pdcif(tmp_path / "noT.cif", temperatures=(None, None, None))
    single = tmp_path / "single.cif"
    single.write_text(phase_block("CsCl_9", "4.1190", None))
    rc, out, err = run(capsys, "table", f, "--out", tmp_path / "a", "--no-plots", "--no-detect",
                       "--no-reference")
    assert rc == 2 and err.count("\n") == 1 and f"{f}:phase_CsCl_0" in err
    assert "give --temperatures, 3 values: one per structure" in err and "one per file" not in err
    rc, out, err = run(capsys, "table", f, "--temperatures", "30", "--out", tmp_path / "b", "--no-plots",
                       "--no-detect", "--no-reference")
    assert rc == 2 and err.count("\n") == 1
    assert "1 temperature for 3 structures: give one per structure" in err and f"{f} holds 3 structures" in err
    rc, out, err = run(capsys, "table", f, "--temperatures", "30,50,100", "--out", tmp_path / "c", "--json",
                       "--no-plots", "--no-detect", "--no-reference")
    assert rc == 0, err
    doc = json.loads(out)
    assert [(r["block"], r["T"]["value"]) for r in doc["results"]] == [
        ("phase_CsCl_0", 30.0), ("phase_CsCl_1", 50.0), ("phase_CsCl_2", 100.0)]
    # several files: one value per structure, in the order of the files and of their blocks
    cells, _ = read_series([single, f], temperatures=[20, 30, 50, 100], detect=False)
    assert list(zip(cells["block"], cells["T"])) == [("phase_CsCl_9", 20.0), ("phase_CsCl_0", 30.0),
                                                     ("phase_CsCl_1", 50.0), ("phase_CsCl_2", 100.0)]
    with pytest.raises(SymstrainInputError, match=r"2 temperatures for 4 structures: .* holds 3 structures"):
        read_series([single, f], temperatures=[20, 30], detect=False)
    rc, out, err = run(capsys, "transitions", single, f, "--temperatures", "20,30,50,100", "--out", tmp_path / "d",
                       "--json", "--no-plots", "--no-detect")
    assert rc == 0, err
    assert json.loads(out)["n_rows"] == 4


def test_the_scan_catalogue_takes_the_pattern_temperatures_too(tmp_path):
    """``scan`` reads each block of a file for the catalogue: a pdCIF's phase blocks get their pattern block's
    temperature there as in ``info`` and ``table`` (the overall and pattern blocks are no structures)."""
    from symstrain.corpus_entry import scan_file

    f = write_pdcif(tmp_path / "insitu.cif")
    rows = {r["block"]: r for r in scan_file((str(f), (), 0.01)).rows}
    got = {b: (r["T"], r["T_su"], r["T_source"]) for b, r in rows.items() if r["status"] == "ok"}
    assert got == {
        "phase_CsCl_0": (30.0, None, "_diffrn_ambient_temperature from pattern block data_pattern_0"),
        "phase_CsCl_1": (50.0, 0.2, "_diffrn_ambient_temperature from pattern block data_pattern_1"),
        "phase_CsCl_2": (pytest.approx(100.0), None,
                         "_diffrn_ambient_temperature_C from pattern block data_pattern_2"),
    }
