"""The strain kernel works component by component on (M,) arrays: its norms and eigenvalues are those of the stacked
(M, 6) forms it replaced — numpy's einsum over the Voigt components, bit for bit — and the eigenvalues agree with
numpy's symmetric eigensolver (oracle: np.linalg.eigvalsh)."""

import numpy as np

from symstrain.strain_kernel import pair_strains, projected
from symstrain.strain_math import split_spec
from symstrain.tensors import VOIGT_WEIGHTS


def _pairs(N, seed):
    rng = np.random.default_rng(seed)
    p0 = np.column_stack([rng.uniform(5, 12, (N, 3)), rng.uniform(85, 95, (N, 3))])
    p = p0 * rng.normal(1.0, 3e-3, (N, 6))
    s0 = np.where(rng.random((N, 6)) < 0.3, np.nan, rng.uniform(1e-5, 1e-3, (N, 6)))
    s = np.where(rng.random((N, 6)) < 0.3, np.nan, rng.uniform(1e-5, 1e-3, (N, 6)))
    return p0, p, s0, s


def test_norms_are_einsums_of_the_stacked_components_bit_for_bit():
    p0, p, s0, s = _pairs(5000, 21)  # several chunks, a short last one
    splits = [split_spec(("e13",), None)[2], split_spec(("e12", "e23"), ("e11", "e22", "e33"))[2],
              split_spec((), None)[2]]
    for split_of in (np.zeros(len(p), int), np.arange(len(p)) % 4 - 1):  # one split everywhere; mixed, some none
        for P, frame in ((None, "cstar"), (np.array([[0, 1, 0], [-1, 0, 0], [0, 0, 1]]), "c")):
            r = pair_strains(p0, p, P, s0=s0, s=s, frame=frame, splits=splits, split_of=split_of)
            e_ss = np.sqrt(np.maximum(np.einsum("mk,mk,k->m", r.e, r.e, VOIGT_WEIGHTS), 0.0))
            assert np.array_equal(r.e_ss, e_ss, equal_nan=True)
            if frame == "cstar":  # the split is applied to the cstar strain
                for k, (sbV, nsbV) in enumerate(splits):
                    m = split_of == k
                    for got, V in ((r.e_sb, sbV), (r.e_nsb, nsbV)):
                        y = projected(r.e[m], V)
                        assert np.array_equal(got[m], np.sqrt(np.einsum("mk,mk->m", y, y)))
                assert np.isnan(r.e_sb[split_of < 0]).all()
            E = np.zeros((len(p), 3, 3))
            for k, (i, j) in enumerate(((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))):
                E[:, i, j] = E[:, j, i] = r.e[:, k]
            assert np.allclose(r.principal, np.linalg.eigvalsh(E), rtol=1e-9, atol=1e-13)
