"""The bare-library alternative to ``symstrain info FILE... --json``: gemmi reads each CIF and expands the cell,
spglib detects the group at each tolerance asked for, and a JSON line per file is printed (no s.u.'s, no checks, no
warnings, no contact search).

What each side does, so that ratios are read right:

* by default this runs spglib at the seven tolerances of ``info``'s ladder (1e-4 … 0.3 Å), one call each — the same
  detection ``info`` reports (``info`` calls spglib once where its certificates prove the ladder, else at every
  step they do not prove: 1.2–1.4 calls per file on the benchmark corpus);
* ``--tolerances 0.01`` is the floor: one spglib call per file, what a user who wants only "the group" runs.

Run: ``python benchmarks/alt_gemmi_spglib_info.py FILE... [--tolerances 0.01]``; import :func:`read_and_detect`.
"""

from __future__ import annotations

import argparse
import json
import warnings

import gemmi
import numpy as np
import spglib

LADDER = (1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.3)


def read_and_detect(path, tolerances=LADDER) -> dict:
    st = gemmi.make_small_structure_from_block(gemmi.cif.read(str(path)).sole_block())
    sites = st.get_all_unit_cell_sites()
    lat = np.array(st.cell.orth.mat).T
    pos = np.array([s.fract.tolist() for s in sites]) % 1.0
    num = np.array([s.element.atomic_number for s in sites], dtype=np.intc)
    if not np.isfinite(pos).all():  # gemmi reads a '?' coordinate as NaN, on which spglib crashes the process
        raise ValueError("a coordinate is not a number")
    ladder = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for tol in tolerances:
            try:
                ds = spglib.get_symmetry_dataset((lat, pos, num), symprec=tol)
            except Exception:
                ds = None
            ladder.append([tol, None if ds is None else int(ds.number)])
    c = st.cell
    return {"file": str(path), "cell": [c.a, c.b, c.c, c.alpha, c.beta, c.gamma], "volume": c.volume,
            "ladder": ladder, "n_atoms": len(sites)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--tolerances", type=float, nargs="+", default=list(LADDER))
    args = ap.parse_args()
    for f in args.files:
        try:
            print(json.dumps(read_and_detect(f, args.tolerances)))
        except Exception as exc:  # a batch goes on, as info's does
            print(json.dumps({"file": f, "error": str(exc)}))


if __name__ == "__main__":
    main()
