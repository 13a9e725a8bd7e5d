"""Time ``read_cif`` + ``detect_symmetry`` against what a user would otherwise run.

Columns per file (best of ``--repeat`` runs, milliseconds):

* ``symstrain``: ``read_cif`` + ``detect_symmetry(symprec=0.01, ladder=())`` — one spglib call, like the others;
* ``+ladder``: the same with the default 7-step tolerance ladder (what ``symstrain info`` does);
* ``gemmi+spglib``: ``gemmi.cif.read`` + ``make_small_structure_from_block`` + ``get_all_unit_cell_sites``
  + one ``spglib.get_symmetry_dataset`` at 0.01 Å;
* ``pymatgen``: ``CifParser`` + ``SpacegroupAnalyzer(symprec=0.01)`` (skipped when pymatgen is not installed).

The group each method finds is printed too: speed is only worth comparing when the answers agree.
Run: ``python benchmarks/bench_read.py [--repeat 5] [files…]``; defaults to the lawsonite series,
a few quirk files and the 385-site quirks/9014915.cif from ../shared/cifs.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "cifs"
DEFAULT = (
    sorted((SHARED / "lawsonite").glob("*.cif"))
    + [SHARED / "quirks" / n for n in ("1004001-disorder.cif", "2019572.cif", "4024741-temperature-precision.cif",
                                       "9002082-temp-in-C.cif", "2105936-strange-centering.cif", "9014915.cif")]
)


def best_of(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best * 1e3, out


def run_symstrain(path, ladder=()):
    from symstrain.cif import read_cif
    from symstrain.detect import detect_symmetry

    return detect_symmetry(read_cif(path), symprec=0.01, ladder=ladder).number


def run_gemmi_spglib(path):
    import gemmi
    import spglib

    block = gemmi.cif.read(str(path))[0]
    st = gemmi.make_small_structure_from_block(block)
    sites = st.get_all_unit_cell_sites()
    lattice = np.array(st.cell.orth.mat.tolist()).T
    pos = np.array([s.fract.tolist() for s in sites])
    num = np.array([s.element.atomic_number for s in sites], dtype=np.intc)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds = spglib.get_symmetry_dataset((lattice, pos, num), symprec=0.01)
    return None if ds is None else ds.number


def run_pymatgen(path):
    from pymatgen.io.cif import CifParser
    from pymatgen.symmetry.analyzer import SpacegroupAnalyzer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = CifParser(str(path)).parse_structures(primitive=False)[0]
        return SpacegroupAnalyzer(s, symprec=0.01).get_space_group_number()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    files = args.files or [f for f in DEFAULT if f.exists()]
    if not files:
        raise SystemExit(f"no input files (looked in {SHARED})")
    try:
        import pymatgen.io.cif  # noqa: F401

        have_pmg = True
    except ImportError:
        have_pmg = False
    # warm up imports so that no column pays for them
    run_symstrain(files[0], ladder=(0.01,))
    run_gemmi_spglib(files[0])
    if have_pmg:
        try:
            run_pymatgen(files[0])
        except Exception:
            pass
    head = f"{'file':34s} {'atoms':>5s} {'symstrain':>10s} {'+ladder':>9s} {'gemmi+spg':>10s} {'ratio':>6s}"
    head += f" {'pymatgen':>9s} {'ratio':>6s}" if have_pmg else "   (pymatgen not installed: column skipped)"
    head += "   groups (ours / gemmi+spglib" + (" / pymatgen)" if have_pmg else ")")
    print(head)
    ratios, ratios_pmg, tot = [], [], np.zeros(3)
    for f in files:
        from symstrain.cif import read_cif
        from symstrain.expand import expand_to_cell

        n_atoms = len(expand_to_cell(read_cif(f))[0])
        t_ours, g_ours = best_of(lambda: run_symstrain(f), args.repeat)
        t_lad, _ = best_of(lambda: run_symstrain(f, ladder=(1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.3)), args.repeat)
        t_gs, g_gs = best_of(lambda: run_gemmi_spglib(f), args.repeat)
        ratio = t_ours / t_gs
        ratios.append(ratio)
        line = f"{f.parent.name + '/' + f.name:34.34s} {n_atoms:5d} {t_ours:10.2f} {t_lad:9.2f} {t_gs:10.2f} {ratio:6.2f}"
        groups = f"{g_ours} / {g_gs}"
        if have_pmg:
            try:
                t_pm, g_pm = best_of(lambda: run_pymatgen(f), max(1, args.repeat // 2))
                ratios_pmg.append(t_ours / t_pm)
                line += f" {t_pm:9.2f} {t_ours / t_pm:6.2f}"
                groups += f" / {g_pm}"
            except Exception as exc:  # pymatgen refuses some real files
                line += f" {'failed':>9s} {'':6s}"
                groups += f" / {type(exc).__name__}"
        print(line + "   " + groups)
        tot += (t_ours, t_lad, t_gs)
    print(f"\nsymstrain / (gemmi+spglib): median {np.median(ratios):.2f}, max {max(ratios):.2f}, "
          f"total {tot[0]:.1f} ms vs {tot[2]:.1f} ms = {tot[0] / tot[2]:.2f}  (target <= 1.5)")
    print(f"with the 7-step ladder: total {tot[1]:.1f} ms = {tot[1] / tot[2]:.2f} x gemmi+spglib")
    if ratios_pmg:
        print(f"symstrain / pymatgen: median {np.median(ratios_pmg):.3f}, max {max(ratios_pmg):.3f}")


if __name__ == "__main__":
    main()
