"""An ``--out`` folder that already holds a file the command writes is refused before any input is read or any
work is done: the one-line error names that file (not a missing input named after seconds of computing), exit 2,
and the file is left as it was."""

from __future__ import annotations

import pytest

from symstrain.cli import main

# command, the arguments before --out (inputs that do not exist: reading them would be an error of its own), a file
# of the command's output that --out already holds
CASES = [
    ("table", ["table", "--cells", "{missing}"], "table.csv"),
    ("table --no-plots", ["table", "--cells", "{missing}", "--no-plots"], "expansion.csv"),
    ("table figure", ["table", "--cells", "{missing}"], "strain.png"),
    ("transitions", ["transitions", "--cells", "{missing}"], "transitions.csv"),
    ("modes", ["modes", "{missing}", "{missing}"], "modes.csv"),
    ("order", ["order", "{missing}", "{missing}"], "order.png"),
    ("fit", ["fit", "--q", "{missing}"], "fit_parameters.csv"),
    ("landau", ["landau"], "fig1.png"),
    ("model-series", ["model-series"], "series.csv"),
]


@pytest.mark.parametrize("name,argv,existing", CASES, ids=[c[0] for c in CASES])
def test_existing_output_refused_before_reading(tmp_path, capsys, name, argv, existing):
    out = tmp_path / "out"
    out.mkdir()
    kept = out / existing
    kept.write_bytes(b"the user's own file\n")
    missing = str(tmp_path / "no_such_input.csv")
    rc = main([a.format(missing=missing) for a in argv] + ["--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("symstrain: error: ")
    assert existing in err and "refusing to overwrite" in err
    assert "no_such_input" not in err  # refused before the (missing) input was looked at
    assert kept.read_bytes() == b"the user's own file\n"
    assert sorted(p.name for p in out.iterdir()) == [existing]


def test_no_plots_does_not_refuse_for_a_figure_it_would_not_write(tmp_path, capsys):
    """--no-plots writes no figure: a strain.png in --out is no clash, so the next problem (the missing input) is
    the one reported."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "strain.png").write_bytes(b"x")
    rc = main(["table", "--cells", str(tmp_path / "no_such_input.csv"), "--no-plots", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "no_such_input" in err and "refusing" not in err
