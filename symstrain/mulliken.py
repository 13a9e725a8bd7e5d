"""Mulliken symbols of the irreps of a crystallographic point group (the Γ irreps of a parent space group).

What lives here: :func:`mulliken_label`, the name (A1g, B2u, Eg, T1u, A2'', E1 …) of a physically irreducible
representation given its characters on the point group's operations. What does not: building the representations
(``irreps``) and the k labels (``kvectors``).

Conventions (Mulliken 1955, the usual character tables; operations in the parent's conventional basis)
---------------------------------------------------------------------------------------------------------
* Letter by dimension: A or B (1), E (2, also a pair of complex-conjugate irreps taken together, as a physically
  irreducible one), T (3). A is symmetric (χ = +1) under the principal rotation — the proper rotation of highest
  order, or −4 in −4 and −42m — B antisymmetric.
* Subscript 1 or 2: χ = +1 or −1 under a 2-fold ⟂ the principal axis (the one along a where there are two classes:
  422, 4/mmm, 622, 6/mmm), else under a vertical mirror (the one containing a: 4mm, 6mm). E1/E2 in groups with a
  6-fold: χ(6) = +1 or −1. In cubic groups A1/A2 and T1/T2 by χ = +1 or −1 under 4 (432, m−3m) or −4 (−43m).
* g/u: symmetric or antisymmetric under the inversion; ′/″ (groups with a mirror ⟂ the principal axis and no
  inversion: −6, −6m2) under that mirror.
* mmm and 222: B1, B2, B3 keep the 2-fold along z, y, x; mm2 (2-fold along c only): B1 keeps the mirror ⟂ y.
"""

from __future__ import annotations

import numpy as np

#: Mulliken symbols of the one-dimensional irreps of mmm/222 by the axis whose 2-fold is kept
_D2H_MULLIKEN = {"z": "B1", "y": "B2", "x": "B3", None: "A"}

#: mm2's one-dimensional irreps with the 2-fold along z (the standard setting): the mirror ⟂ y (σ(xz)) kept by B1,
#: the one ⟂ x (σ(yz)) by B2
_C2V_MULLIKEN = {(1, 1): "A1", (1, -1): "A2", (-1, 1): "B1", (-1, -1): "B2"}

#: order of a proper rotation from its trace
_ORDER = {3: 1, -1: 2, 0: 3, 1: 4, 2: 6}


def mulliken_label(pg: str, names: list[str], chi, rotations=None, metric=None) -> str:
    """Mulliken symbol of the irrep with characters ``chi`` on the operations ``names`` (xyz triplets; their
    matrices ``rotations`` in the parent's conventional basis with its ``metric`` for the groups with an axis of
    order 3, 4 or 6), or, where no symbol is defined here, the text "χ = +1 on {…}" of the kept operations."""
    chi = [int(round(v)) if abs(v - round(v)) < 1e-6 else float(v) for v in chi]  # crystallographic: integers
    c = dict(zip(names, chi))
    if rotations is not None and metric is not None:
        label = _axial_label(np.asarray(rotations, float), np.asarray(chi, float), np.asarray(metric, float))
        if label:
            return label
    inv = c.get("-x,-y,-z")
    parity = "" if inv is None else ("g" if inv > 0 else "u")
    if any(abs(abs(v) - 1) > 1e-9 for v in chi):
        return "χ = " + ", ".join(f"{v:g}" for v in chi)
    if pg in ("mmm", "222"):
        kept = [ax for ax, op in (("x", "x,-y,-z"), ("y", "-x,y,-z"), ("z", "-x,-y,z")) if c.get(op) == 1]
        base = "A" if len(kept) == 3 else (_D2H_MULLIKEN[kept[0]] if len(kept) == 1 else None)
        if base:
            return base + parity
    if pg in ("2/m", "-1", "2"):
        twofold = [n for n in names if n.count("-") == 2 and n != "-x,-y,-z"]
        if pg == "-1" or twofold:
            return ("A" if pg == "-1" or c[twofold[0]] == 1 else "B") + parity
    if pg == "m":
        mirror = [n for n in names if n.count("-") == 1]
        if mirror:
            return "A'" if c[mirror[0]] == 1 else "A''"
    if pg == "mm2" and c.get("-x,-y,z") is not None and {"x,-y,z", "-x,y,z"} <= c.keys():
        return _C2V_MULLIKEN[(c["-x,-y,z"], c["x,-y,z"])]
    return "χ = +1 on {" + ", ".join(n for n, v in c.items() if v == 1) + "}"


def _axial_label(R: np.ndarray, chi: np.ndarray, G: np.ndarray) -> str | None:
    """The symbol for a point group with an axis of order 3, 4 or 6 (module docstring); None for the others."""
    det = np.round(np.linalg.det(R)).astype(int)
    proper = det[:, None, None] * R
    order = np.array([_ORDER.get(int(round(np.trace(m))), 0) for m in proper])
    if order.max() < 3 or 0 in order:
        return None
    axes = [_axis(m) if n > 1 else None for m, n in zip(proper, order)]

    def cos(u, v):
        return abs(u @ G @ v) / np.sqrt((u @ G @ u) * (v @ G @ v))

    def first(mask, along=None):
        """Index of the first operation with ``mask`` (the one whose axis lies along ``along`` if any), or None."""
        idx = [i for i in np.flatnonzero(mask)]
        if along is not None:
            idx = sorted(idx, key=lambda i: abs(cos(axes[i], along) - 1) > 1e-6)
        return idx[0] if idx else None

    ident = int(np.flatnonzero((order == 1) & (det == 1))[0])
    d = int(round(chi[ident]))
    if d not in (1, 2, 3):
        return None
    inv = np.flatnonzero((order == 1) & (det == -1))
    parity = "" if not len(inv) else ("g" if chi[inv[0]] > 0 else "u")
    threefold = {tuple(np.round(axes[i] * np.sign(axes[i][np.argmax(np.abs(axes[i]))]), 6))
                 for i in np.flatnonzero(order == 3)}
    if len(threefold) > 1:  # cubic: 23, m-3, 432, -43m, m-3m
        four = first((order == 4) & (det == 1))
        four = first((order == 4) & (det == -1)) if four is None else four
        sub = "" if four is None or d == 2 else ("1" if chi[four] > 0 else "2")
        return {1: "A", 2: "E", 3: "T"}[d] + sub + parity
    if d == 3:
        return None
    top = int(order[det == 1].max())  # the highest proper rotation (3 in −6 and −3, whose 6 and 3 are improper)
    main = first((order == top) & (det == 1))
    if top < 4 and np.any((order == 4) & (det == -1)):
        main = first((order == 4) & (det == -1))  # −4, −42m: the principal rotation is −4
    z = axes[main]
    # the reference direction ⟂ the principal axis: a (or b, c) where one is ⟂ it, else a projected on the plane ⟂ it
    # (rhombohedral axes: no cell vector is ⟂ the 3-fold; there the 2-folds ⟂ it are one class, any one serves)
    a = next((e for e in np.eye(3) if cos(e, z) < 1e-6), None)
    if a is None:
        a = np.eye(3)[0] - (z @ G @ np.eye(3)[0]) / (z @ G @ z) * z
    perp = np.array([n > 1 and cos(axes[i], z) < 1e-6 for i, n in enumerate(order)])
    along = np.array([n > 1 and abs(cos(axes[i], z) - 1) < 1e-6 for i, n in enumerate(order)])
    prime = ""
    if not len(inv):
        mirror_h = first((order == 2) & (det == -1) & along)
        prime = "" if mirror_h is None else ("'" if chi[mirror_h] > 0 else "''")
    if d == 2:
        six = first((order == 6) & (det == 1))
        return "E" + ("" if six is None else ("1" if chi[six] > 0 else "2")) + parity + prime
    sub_op = first((order == 2) & (det == 1) & perp, along=a)
    if sub_op is None:  # a vertical mirror instead: its normal ⟂ the principal axis, the one containing a first
        mirrors = np.flatnonzero((order == 2) & (det == -1) & perp)
        sub_op = min(mirrors, key=lambda i: cos(axes[i], a) > 1e-6) if len(mirrors) else None
    sub = "" if sub_op is None else ("1" if chi[sub_op] > 0 else "2")
    return ("A" if chi[main] > 0 else "B") + sub + parity + prime


def _axis(proper: np.ndarray) -> np.ndarray:
    """The axis (fractional direction, largest component positive) of a proper rotation other than the identity."""
    _, _, vt = np.linalg.svd(proper - np.eye(3))
    v = vt[-1]
    return v / v[np.argmax(np.abs(v))]
