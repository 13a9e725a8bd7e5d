"""Proving a large set of operations closed from the cosets of its pure translations: :func:`closed_by_cosets`, the
shortcut :meth:`SymOps.closure_defect` takes for centred sets (a 192-operation F-centred list: ~8 ms → ~1 ms).

What lives here: that proof only. What does not: the n² test and the missing product it names (``ops.py``), which
group a file declares (``cif_spacegroup.py``).
"""

from __future__ import annotations

import numpy as np

from .ops import _IDENTITY_CODE, SymOps, _rotation_codes


def closed_by_cosets(ops: SymOps) -> bool:
    """True when the set is proved a group from its pure translations T and one operation s_R per rotation
    (O(n·|T| + k²) tests instead of n²); False means "not proved" (:meth:`SymOps.closure_defect` then tests all n²
    products, which also names the first missing one).

    Only for translations within 1e-9 of the 1/24 grid (every sum below stays far inside :data:`~symstrain.ops.TOL`, so each
    test gives the exact answer the n² test would). With every test passing — (a) T + T ⊆ T; (b) each
    operation g = (R, t) has t − t_{s_R} ∈ T and s_R + T ⊆ the set, so the operations of rotation R are
    exactly s_R + T; (c) R·T ⊆ T for each R; (d) s_R·s_R' in the set for all R, R' — any product
    (s₁ + τ₁)(s₂ + τ₂) = s₁s₂ + (R₁τ₂ + τ₁) lies in s₃ + T, part of the set."""
    R, t, codes = ops.rotations, ops.translations, ops._rot_codes
    T = t[codes == _IDENTITY_CODE]
    if len(T) < 2 or np.any(codes < 0) or np.any(np.abs(t * 24 - np.rint(t * 24)) > 1e-9):
        return False  # no centring: nothing to gain over the n² test
    _, first, which = np.unique(codes, return_index=True, return_inverse=True)
    which = np.asarray(which).reshape(-1)
    S_R, S_t = R[first], t[first]
    m = len(T)
    q_eye = np.full(m * m, _IDENTITY_CODE)
    if not ops._contains_codes(q_eye, (T[:, None, :] + T[None, :, :]).reshape(-1, 3)).all():  # (a)
        return False
    offsets = t - S_t[which]  # (b): each operation's offset from its rotation's representative is in T
    if not ops._contains_codes(np.full(len(t), _IDENTITY_CODE), offsets).all():
        return False
    q = np.repeat(codes[first], m)  # s_R + T in the set
    if not ops._contains_codes(q, (S_t[:, None, :] + T[None, :, :]).reshape(-1, 3)).all():
        return False
    RT = np.einsum("kab,mb->kma", S_R, T).reshape(-1, 3)  # (c)
    if not ops._contains_codes(np.full(len(RT), _IDENTITY_CODE), RT).all():
        return False
    q = _rotation_codes(np.matmul(S_R[:, None], S_R[None, :])).reshape(-1)  # (d)
    tt = (np.matmul(S_R, S_t.T).transpose(0, 2, 1) + S_t[:, None, :]).reshape(-1, 3)
    return bool(ops._contains_codes(q, tt).all())
