"""Magnetic susceptibility ↔ spin-state order parameter q, and the χMT(T) CSV reader.

Convention (stated once, used everywhere): the inputs are the χ·T *products* of the pure states,
``chit_hs`` = χ_HS·T and ``chit_ls`` = χ_LS·T in cm³ K mol⁻¹, taken as temperature independent (Curie
law). With the high-spin fraction γ_HS = (1 + q)/2::

    χM·T = (1 + q)/2 · chit_hs + (1 − q)/2 · chit_ls          (cm³ K mol⁻¹)

which is the issue's ``[(1+q)/2·χHS + (1−q)/2·χLS]·T`` with χHS = chit_hs/T. Defaults: chit_hs = 3.5
(Fe(II) S = 2 with g ≈ 2.2), chit_ls = 0. The inverse is q = 2(χMT − chit_ls)/(chit_hs − chit_ls) − 1;
it is returned unclipped (noise can push it slightly outside [−1, 1]; the reader reports how many, warning code
``q_out_of_range``).
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from .errors import SymstrainInputError, WarningText

#: codes of the warnings of :func:`read_chimt_csv`
WARNING_CODES = {"q_out_of_range": "points whose q is outside [−1, 1] with the given χT products (kept unclipped)"}

CHIT_HS = 3.5  #: default χ_HS·T in cm³ K mol⁻¹
CHIT_LS = 0.0  #: default χ_LS·T in cm³ K mol⁻¹

_T_NAMES = ("t", "t_k", "temperature", "temp")
_CHI_NAMES = ("chimt", "chi_m_t", "chi_mt", "chim_t", "chimt_cm3kmol", "xmt", "x_mt", "xm_t", "x_m_t", "chit", "chi_t")


def _check_products(chit_hs, chit_ls, source="chimt"):
    if not (np.isfinite(chit_hs) and np.isfinite(chit_ls)) or chit_hs == chit_ls:
        raise SymstrainInputError(source, f"χT of HS ({chit_hs}) and LS ({chit_ls}) must be finite and differ")


def q_to_chimt(q, chit_hs: float = CHIT_HS, chit_ls: float = CHIT_LS):
    """χM·T (cm³ K mol⁻¹) of a mixture with order parameter q (array-like, −1 LS … +1 HS); unchecked, as
    :func:`chimt_to_q` is unclipped: measured or simulated data with noise step a little past ±1."""
    _check_products(chit_hs, chit_ls)
    q = np.asarray(q, float)
    return 0.5 * (1.0 + q) * chit_hs + 0.5 * (1.0 - q) * chit_ls


def chimt_to_q(chimt, chit_hs: float = CHIT_HS, chit_ls: float = CHIT_LS):
    """Order parameter q from χM·T (cm³ K mol⁻¹); inverse of :func:`q_to_chimt`, unclipped."""
    _check_products(chit_hs, chit_ls)
    chimt = np.asarray(chimt, float)
    return 2.0 * (chimt - chit_ls) / (chit_hs - chit_ls) - 1.0


def read_chimt_csv(path, chit_hs: float = CHIT_HS, chit_ls: float = CHIT_LS) -> tuple[pd.DataFrame, list[str]]:
    """Read a χMT(T) CSV (columns T and chiMT, optional ``branch``) and add q.

    Returns (frame with T, chimt, q[, branch]; warnings, each a :class:`~symstrain.errors.WarningText`, codes in
    :data:`WARNING_CODES`). Raises SymstrainInputError naming the file
    for a missing/unreadable file, missing columns, non-numeric or non-finite values
    (:func:`symstrain.csv_input.read_csv_table`; headers such as "χMT (cm3 K mol-1)" or "T (K)" match).
    """
    from .csv_input import TEMPERATURE_UNITS, Column, read_csv_table

    table = read_csv_table(path, {"T": Column(_T_NAMES, label="temperature", units=TEMPERATURE_UNITS),
                                  "chimt": Column(_CHI_NAMES),
                                  "branch": Column(("branch",), required=False, kind="text")})
    out = table.data[["T", "chimt"]].copy()
    if "branch" in table.data:
        out["branch"] = table.data["branch"].astype(str)
    _check_products(chit_hs, chit_ls, "--chit-hs/--chit-ls")
    out["q"] = chimt_to_q(out["chimt"].to_numpy(), chit_hs, chit_ls)
    warnings = []
    nout = int((np.abs(out["q"]) > 1.0).sum())
    if nout:
        warnings.append(WarningText("q_out_of_range", path, f"{path}: {nout} point(s) give |q| > 1 with χT_HS = "
                                    f"{chit_hs}, χT_LS = {chit_ls} (kept unclipped)"))
    return out, warnings
