"""The alternative a user would run instead of ``symstrain info FILE --json``: pymatgen's CifParser +
SpacegroupAnalyzer, printing the cell and the detected group as JSON. Used to compare whole-process times:

    python benchmarks/alt_pymatgen_info.py FILE        vs        symstrain info FILE --json
"""

import json
import sys
import warnings

warnings.filterwarnings("ignore")
from pymatgen.io.cif import CifParser  # noqa: E402
from pymatgen.symmetry.analyzer import SpacegroupAnalyzer  # noqa: E402

s = CifParser(sys.argv[1]).parse_structures(primitive=False)[0]
sga = SpacegroupAnalyzer(s, symprec=0.01)
print(json.dumps({"cell": list(s.lattice.parameters), "volume": s.volume,
                  "group": sga.get_space_group_symbol(), "number": sga.get_space_group_number(), "n_atoms": len(s)}))
