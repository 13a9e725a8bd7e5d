"""Benchmark: ``relate(parent, child)`` against two spglib detections of the same two structures.

Each relate round builds ``to_dict()`` too (what ``symstrain relate`` prints; the broken conditions are worked out
only when asked). The yardstick is what a user runs to learn the two groups at all: ``spglib.get_symmetry_dataset``
at 0.01 Å on the parent's and on the child's full cell (as ``detect.spglib_cell`` hands them to spglib). ``relate``
does more: the lattice correspondence, the origin, every child operation checked as a parent operation, the cosets
written out, strain-tensor invariants, broken reflection conditions. Rounds are interleaved (relate, spglib×2, relate, …).

``warm``: relate called again on the same pair (what a series does: the exact algebra of the conditions, the
fixed sets of the index box, fractions, point-group descriptions, the words for the reflections a broken
condition opens, the strain-tensor invariants and the cosets are remembered per distinct input); ``cold``:
those memories emptied before every call. Pairs: the lawsonite series (../shared/cifs/lawsonite: Cmcm → Pmcn, Pmcn →
P2₁cn, Cmcm → P2₁cn) and the model pair of cifs/ (Pccn → P2₁/c).

Run: ``python benchmarks/bench_relate.py [--repeats 15]``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import spglib

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import SHARED  # noqa: E402
from timing import interleaved, report  # noqa: E402

from symstrain.cif import read_cif  # noqa: E402
from symstrain.detect import spglib_cell  # noqa: E402
from symstrain.relation import relate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def clear_caches():
    """Forget every remembered derivation that depends on the input (conditions, box fixed sets, fractions,
    descriptions, lattice translations, inverses of P, point-group symbols, coset triplets, cosets, ferroic character,
    describers).

    Kept: the tables that depend on nothing (the conditions' index box, its cuts, their position tables, int rows,
    residue codes and zero indices, its axis planes and its residue classes mod Q; the congruences mod N with their
    scores, masks and index; the origin grid's axis solutions): made once per process, they are in the
    whole-process time of ``symstrain relate``, not in a cold call's."""
    from symstrain import appearing, conditions, cosets, ferroic, index_box, matrix_exact, notation, ops
    from symstrain import relation

    for f in (matrix_exact._inverse, notation._frac, conditions._condition_cached, index_box._box_fixed,
              ferroic._describe_rotations, ops._lattice_translations, ferroic._ferroic_cached, relation._cosets_cached,
              ferroic._point_group, cosets._triplet):
        f.cache_clear()
    appearing._DESCRIBERS.clear()


def pairs():
    law = SHARED / "lawsonite"
    out = []
    if law.is_dir():
        out += [(law / "9002551.cif", law / "9002549.cif"), (law / "9002546.cif", law / "9002545.cif"),
                (law / "9002551.cif", law / "9002545.cif")]
    out.append((ROOT / "cifs" / "model_LS_Pccn_90K.cif", ROOT / "cifs" / "model_HS_P21c_300K.cif"))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    for a, b in pairs():
        A, B = read_cif(a), read_cif(b)
        ca, cb = spglib_cell(A)[:3], spglib_cell(B)[:3]

        def two():
            return (spglib.get_symmetry_dataset(ca, symprec=0.01).number,
                    spglib.get_symmetry_dataset(cb, symprec=0.01).number)

        def warm():
            r = relate(A, B)
            r.to_dict()  # the relate command's answer: the broken conditions are worked out when first asked
            return r

        def cold():
            clear_caches()
            return warm()

        t = interleaved({"relate (warm)": warm, "relate (cold)": cold, "two spglib detections": two},
                        args.repeats)
        r = t["relate (warm)"]["result"]
        print(f"{a.name} ({A.spacegroup.hm}) → {b.name} ({B.spacegroup.hm}): index {r.index}, {r.kind}, "
              f"{len(ca[2])} + {len(cb[2])} atoms; spglib finds {t['two spglib detections']['result']}")
        print("\n".join(report(t, [("relate (warm)", "two spglib detections"),
                                   ("relate (cold)", "two spglib detections")])))


if __name__ == "__main__":
    main()
