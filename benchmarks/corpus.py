"""Inputs of the benchmarks: a corpus of real-structure CIFs (the readable files of ../shared/cifs, each re-described
in several settings and origins with ``Phase.transformed`` and written with ``symstrain.writer.write_cif`` into a
folder), and :func:`supercell`, a structure written on an (n a, b, c) cell for the scaling benchmark.

Every variant is the same measured structure on another basis (a unimodular P: permutations of the axes, a
sheared basis) and another origin, so the corpus exercises reading and detection on non-standard settings and
shifted origins without inventing any structure. Files that symstrain cannot read (the error cases of
quirks/) are left out. Use: ``make_corpus(folder, n=500)`` → list of paths (not a test; nothing is kept in the
repository). Run ``python benchmarks/corpus.py FOLDER [--n 500]`` to write one by hand.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "cifs"

#: unimodular bases (columns are the new axes in the old basis): identity, cyclic and odd permutations, shears
BASES = [
    np.eye(3),
    np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]]),
    np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]]),
    np.array([[0, 1, 0], [1, 0, 0], [0, 0, -1]]),
    np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]]),
    np.array([[1, 1, 0], [0, 1, 0], [0, 0, 1]]),
    np.array([[1, 0, 0], [0, 1, 0], [1, 0, 1]]),
]
#: origin shifts (old fractional units): ITA-like ones and odd ones, all multiples of 1/24 (the finest translation a
#: CIF reader must accept in a symmetry operator)
ORIGINS = [(0, 0, 0), (1 / 2, 0, 0), (1 / 4, 1 / 4, 1 / 4), (0, 1 / 2, 1 / 2), (1 / 8, 1 / 3, 1 / 6),
           (3 / 8, 5 / 12, 1 / 24)]


def source_files() -> list[Path]:
    """The structure CIFs of ../shared/cifs (lawsonite, quirks, hkl), sorted; [] when the folder is absent."""
    if not SHARED.is_dir():
        return []
    return sorted(p for sub in ("lawsonite", "quirks", "hkl") for p in (SHARED / sub).glob("*.cif"))


def readable_phases():
    """``[(path, Phase)]`` for every source file symstrain reads (the error cases are left out)."""
    from symstrain.cif import read_cif
    from symstrain.errors import SymstrainInputError

    out = []
    for p in source_files():
        try:
            out.append((p, read_cif(p)))
        except SymstrainInputError:
            continue
    return out


def make_corpus(folder, n: int = 500, max_atoms: int | None = None) -> list[Path]:
    """Write about ``n`` CIFs into ``folder`` (created): the original of every readable source file, then its
    re-descriptions (basis × origin, in a fixed order) round-robin over the files until ``n`` are written.

    ``max_atoms`` leaves out structures with more sites than that in the asymmetric unit (None keeps all).
    Returns the paths written, in order.
    """
    from symstrain.errors import SymstrainInputError
    from symstrain.writer import write_cif

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    phases = [(p, ph) for p, ph in readable_phases() if max_atoms is None or len(ph.atoms) <= max_atoms]
    if not phases:
        return []
    variants = list(itertools.product(range(len(BASES)), range(len(ORIGINS))))  # (0, 0) is the original
    out: list[Path] = []
    for b, o in variants:
        for p, ph in phases:
            if len(out) >= n:
                return out
            try:
                moved = ph if (b, o) == (0, 0) else ph.transformed(BASES[b], ORIGINS[o])
                out.append(write_cif(moved, folder / f"{p.stem}_b{b}o{o}.cif", overwrite=True))
            except SymstrainInputError:
                continue
    return out


def supercell(phase, n: int):
    """``phase`` on the (n a, b, c) cell, its group extended by the pure translations (i/n, 0, 0): the physics (the
    relation, irreps, amplitudes) of the small cell, n times the atoms to pair, permute and project."""
    from dataclasses import replace

    from symstrain.phase import SpaceGroupInfo

    S = np.diag([n, 1.0, 1.0])
    Si = np.linalg.inv(S)
    sg = phase.spacegroup
    rots = np.einsum("ij,njk,kl->nil", Si, sg.rotations.astype(float), S).round().astype(int)
    trans = sg.translations @ Si.T
    R = np.concatenate([rots] * n)
    t = np.concatenate([(trans + [i / n, 0, 0]) % 1.0 for i in range(n)])
    new_sg = SpaceGroupInfo(sg.number, sg.hm, sg.hall, f"{sg.hm} on ({n}a, b, c)", "symops", R, t, False)
    atoms = tuple(replace(a, xyz=(Si @ a.xyz) % 1.0) for a in phase.atoms)
    return replace(phase, cell=phase.cell.transformed(S), spacegroup=new_sg, atoms=atoms,
                   source=f"{phase.source} ({n}a)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    paths = make_corpus(args.folder, args.n)
    print(f"{len(paths)} CIFs written to {args.folder}")


if __name__ == "__main__":
    main()
