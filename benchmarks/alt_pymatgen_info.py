"""The alternative a user would run instead of ``symstrain info FILE... --json``: pymatgen's CifParser +
SpacegroupAnalyzer (one spglib call at 0.01 Å per file — pymatgen has no tolerance ladder), printing the cell and
the detected group as a JSON line per file.

Run: ``python benchmarks/alt_pymatgen_info.py FILE...``; import :func:`read_and_detect`.
"""

from __future__ import annotations

import json
import sys
import warnings

warnings.filterwarnings("ignore")
from pymatgen.io.cif import CifParser  # noqa: E402
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer  # noqa: E402


def read_and_detect(path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = CifParser(str(path)).parse_structures(primitive=False)[0]
        sga = SpacegroupAnalyzer(s, symprec=0.01)
        return {"file": str(path), "cell": list(s.lattice.parameters), "volume": s.volume,
                "group": sga.get_space_group_symbol(), "number": sga.get_space_group_number(), "n_atoms": len(s)}


def main():
    for f in sys.argv[1:]:
        try:
            print(json.dumps(read_and_detect(f)))
        except Exception as exc:  # pymatgen refuses some real files; the batch goes on
            print(json.dumps({"file": f, "error": f"{type(exc).__name__}: {exc}"}))


if __name__ == "__main__":
    main()
