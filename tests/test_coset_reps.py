"""``mode_reference.coset_reps_at``: the lost cosets of the child's group H in the parent's G placed at another valid
origin. Moving the origin by δ conjugates G's operations; the conjugated representatives are cosets of H only where
the translation by δ keeps H. Sweep 4: P-1 in C2/m (index 4: the centring and the 2-fold lost) at origin
(1/4, 1/4, 0): the conjugated "representatives" held H's own inversion and missed a lost coset, so the child's
average over them was no structure of G, and ``order`` / ``modes --reference symmetrized`` refused a child 0.99 Å from
the parent symmetry. The oracle: the cosets the relation builds from scratch at that origin (``replace(rel, p=…)``),
compared as sets of operations, and the group laws (a transversal: the identity first, no other representative in
H, no two in one coset)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from symstrain.mode_reference import coset_reps_at
from symstrain.ops import SymOps
from symstrain.pairing import valid_origins
from symstrain.phase import Atom, Cell, Phase, SpaceGroupInfo
from symstrain.relation import relate


def _atom(label, element, xyz):
    return Atom(label, element, np.array(xyz, float), np.full(3, np.nan))


def _pair():
    """C 1 2/m 1 (one Ni on 0,0,0, one O at a general position) and a P -1 child on the same cell: the parent's
    atoms expanded and each moved a little (the centring and the 2-fold both broken)."""
    cell = Cell(7.0, 5.0, 6.0, 90.0, 104.0, 90.0)
    parent = Phase(cell, SpaceGroupInfo.from_symbol("C 1 2/m 1"),
                   (_atom("Ni1", "Ni", [0, 0, 0]), _atom("O1", "O", [0.21, 0.17, 0.33])), source="parent")
    sg = parent.spacegroup
    rng = np.random.default_rng(5)
    sites = []
    for a in parent.atoms:
        ys = (np.asarray(sg.rotations, float) @ a.xyz + sg.translations) % 1.0
        for y in ys[np.unique(np.round(ys * 1e6).astype(int), axis=0, return_index=True)[1]]:
            sites.append((a.element, y))
    # P -1: keep one of each inversion pair, moved by up to 0.02 (fractional)
    child_atoms, seen = [], []
    for el, y in sites:
        if any(np.allclose((-y) % 1.0, z, atol=1e-6) for z in seen):
            continue
        seen.append(y)
        moved = (y + rng.uniform(-0.02, 0.02, 3) * (0 if np.allclose(y % 0.5, 0) else 1)) % 1.0
        child_atoms.append(_atom(f"{el}{len(child_atoms) + 1}", el, moved))
    child = Phase(cell, SpaceGroupInfo.from_symbol("P -1"), tuple(child_atoms), source="child")
    return parent, child


def _coset_codes(reps, H: SymOps) -> set:
    """The operations of ∪ g_k·H modulo the child's lattice (codes), per coset."""
    out = []
    for g in reps:
        W, w = g[:3, :3], g[:3, 3]
        ops = SymOps(np.round(W @ H.rotations).astype(int), (H.translations @ W.T + w) % 1.0)
        out.append(ops.key())
    return out


def test_the_cosets_at_every_valid_origin_are_the_cosets_built_there():
    parent, child = _pair()
    rel = relate(parent, child).require()
    assert rel.index == 4
    H = child.spacegroup.symops
    polar = child.spacegroup.symops.polar_directions()
    origins = valid_origins(parent.spacegroup, child.spacegroup, np.asarray(rel.P, float), np.asarray(rel.p, float),
                            polar)
    moved = 0
    for base in origins:  # the relation at each valid origin, moved to each other one
        rel_b = replace(rel, p=np.asarray(base, float))
        for p in origins:
            reps = coset_reps_at(rel_b, p)
            built = replace(rel, p=np.asarray(p, float)).coset_representatives()
            got, want = _coset_codes(reps, H), _coset_codes(built, H)
            assert set(got) == set(want) and len(set(got)) == 4, (base, p)  # the same 4 cosets, each once
            assert np.allclose(reps[0], np.eye(4))  # H itself first
            assert not H.contains_many(reps[1:, :3, :3].round().astype(int), reps[1:, :3, 3]).any()
            delta = np.asarray(p, float) - np.asarray(base, float)
            moved += bool(np.any(np.abs(2 * delta - np.round(2 * delta)) > 1e-9))  # 2δ no child translation
    assert moved  # some moves (e.g. by (1/4, 1/4, 0)) are ones where conjugating by δ does not keep H


def test_domain_strains_of_rounding_size_are_exactly_zero():
    """Sweep 4: a child whose cell is the reference's gave per-state strains of −1.1e-16 (168 entries) where
    ``strain`` says 0, and strain differences of −1.2e-16 with s.u.'s of 1e-37. A strain of rounding size (here one
    of 1e-16 put in by hand, the rest exactly 0) is exactly 0 in every state, difference and s.u."""
    from symstrain.domains import domain_states
    from symstrain.spontaneous_strain import strain

    parent, child = _pair()
    rel = relate(parent, child).require()
    st = strain(rel)
    noise = np.zeros((3, 3))
    noise[0, 0] = -1.1e-16
    noise[0, 2] = noise[2, 0] = 3e-17
    tiny = replace(st, e=noise, e_su=np.full((3, 3), 1e-19))
    ds = domain_states(rel, strain=tiny)
    for s in ds.states:
        assert np.all(s.strain == 0.0) and np.all((s.strain_su == 0.0) | np.isnan(s.strain_su)), s.strain
    for p in ds.pairs:
        assert np.all(p.strain_difference == 0.0) and np.all(p.strain_difference_su == 0.0)
    # a real strain is kept to every digit
    real = replace(st, e=np.diag([1e-3, -2e-3, 5e-4]), e_su=np.full((3, 3), 1e-5))
    assert any(np.abs(s.strain).max() > 1e-4 for s in domain_states(rel, strain=real).states)


def test_no_pairing_names_a_parent_whose_atoms_clash(shared_cifs):
    """The Cmcm lawsonite files write their atoms for another origin than their operators (../shared/cifs/README.md:
    Al at (0, 1/4, 0), 2.29 Å from Si). ``modes`` against such a parent pairs nothing; its one-line error now names
    the parent's impossible contact, the likelier cause, beside the closest attempt. A parent without clashes (the
    Pmcn file against the P2₁cn one) pairs."""
    import pytest

    from symstrain.cif import read_cif
    from symstrain.errors import SymstrainInputError
    from symstrain.modes import decompose

    law = shared_cifs / "lawsonite"
    with pytest.raises(SymstrainInputError) as e:
        decompose(read_cif(law / "9002551.cif"), read_cif(law / "9002549.cif"))
    msg = e.value.problem
    assert "atom Al is 2.20 Å" in msg and "impossible contact Al–Si 2.29 Å" in msg and "\n" not in msg
    assert decompose(read_cif(law / "9002547.cif"), read_cif(law / "9002543.cif")).amplitude > 0
