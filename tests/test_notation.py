"""Text of fractional vectors: fractions only where the number is one."""

from symstrain.notation import fmt_vector


def test_fmt_vector_writes_fractions_and_decimals():
    """Simple fractions (denominator ≤ 48, within 1e-6) as fractions; any other number as a decimal. A polar origin
    of modes, −0.075416…, used to be written −3/40 in one line and −4/53 in the next (the nearest fractions with
    denominator ≤ 48 and ≤ 96): both wrong."""
    assert fmt_vector([0.25, -1 / 3, 0.0]) == "(1/4, -1/3, 0)"
    assert fmt_vector([1e-9, 0.5, 1 / 48]) == "(0, 1/2, 1/48)"
    assert fmt_vector([-0.0754163, 0.0, 0.0679812]) == "(-0.07542, 0, 0.06798)"
    assert fmt_vector([1 / 49, 2.0, -1.0]) == "(0.02041, 2, -1)"


def test_fixed_writes_an_exact_zero_as_0():
    from symstrain.notation import fixed

    assert fixed(0.0) == "0" and fixed(-0.0) == "0"
    assert fixed(2e-7) == "0.00000"  # a small number, rounded: not an exact zero
    assert fixed(-0.40285, 3) == "-0.403" and fixed(1.2719) == "1.27190"
