"""The bare-library alternative to ``symstrain info FILE --json``: gemmi reads the CIF and expands the cell,
spglib detects the group at 0.01 Å, the result is printed as JSON (no s.u.'s, no checks, no warnings)."""

import json
import sys

import gemmi
import numpy as np
import spglib

st = gemmi.make_small_structure_from_block(gemmi.cif.read(sys.argv[1]).sole_block())
sites = st.get_all_unit_cell_sites()
lat = np.array(st.cell.orth.mat).T
pos = np.array([[s.fract.x, s.fract.y, s.fract.z] for s in sites]) % 1.0
num = np.array([s.element.atomic_number for s in sites], dtype=np.intc)
ds = spglib.get_symmetry_dataset((lat, pos, num), symprec=0.01)
c = st.cell
print(json.dumps({"cell": [c.a, c.b, c.c, c.alpha, c.beta, c.gamma], "volume": c.volume,
                  "group": ds.international, "number": int(ds.number), "n_atoms": len(sites)}))
