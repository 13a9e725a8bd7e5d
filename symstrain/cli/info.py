"""``symstrain info FILE``: what a CIF holds — cell, declared and detected space group, atoms, temperature, warnings."""

NAME = "info"
HELP = "summarise one structure: cell with s.u.'s, declared vs detected space group (tolerance ladder), atoms, warnings"


def add_arguments(p):
    p.add_argument("file", help="CIF file")
    p.add_argument("--block", help="data block name (default: the first block with a cell and atoms)")
    p.add_argument("--symprec", type=float, default=0.01,
                   help="spglib tolerance in Å for the detected group (default 0.01); the ladder is always reported")


def _fmt(value, su, digits=5):
    from ..phase import format_su

    return format_su(value, su, digits)


def run(args):
    from ..cif import list_blocks, read_cif
    from ..errors import SymstrainInputError
    from ..symmetry import close_contacts, detect_symmetry, expand_to_cell
    from . import CommandResult

    if not args.symprec > 0:
        raise SymstrainInputError("--symprec", f"must be a positive tolerance in Å, got {args.symprec:g}")
    phase = read_cif(args.file, block=args.block)
    blocks = list_blocks(args.file)
    report = detect_symmetry(phase, symprec=args.symprec)
    frac_all, _, _, _ = expand_to_cell(phase, include_zero_occupancy=True)
    contacts = close_contacts(phase)
    contact_warnings = [
        f"impossible contact {a}–{b} {d:.2f} Å ({kind}: below {lim:.2f} Å)" for a, b, d, lim, kind in contacts
    ]
    cell = phase.cell
    sg = phase.spacegroup
    n_zero = sum(1 for a in phase.atoms if a.occupancy <= 0)
    elements: dict[str, int] = {}
    for a in phase.atoms:
        elements[a.element] = elements.get(a.element, 0) + 1

    data = {
        "file": str(args.file),
        "block": phase.block,
        "blocks": blocks,
        "formula": phase.formula,
        "Z": phase.z,
        "temperature": {"value": phase.temperature, "su": phase.temperature_su, "source": phase.temperature_source,
                        "unit": "K"},
        "cell": cell.to_dict(),
        "volume": cell.volume,
        "volume_su": cell.volume_su,
        "declared_group": sg.to_dict(),
        "detected_group": {"symprec": report.symprec, "number": report.number, "symbol": report.symbol},
        "ladder": [{"symprec": t, "number": n, "symbol": s} for t, n, s in report.ladder],
        "differs_from_declared": report.differs_from_declared,
        "detection": report.to_dict(),
        "atoms": {
            "asymmetric_unit": len(phase.atoms),
            "cell": int(len(frac_all)),
            "cell_used_for_detection": report.n_atoms_cell,
            "zero_occupancy_sites": n_zero,
            "partially_occupied_sites": sum(1 for a in phase.atoms if 0 < a.occupancy < 1),
            "disorder_groups": sorted({a.disorder_group for a in phase.atoms if a.disorder_group}),
            "elements": elements,
        },
        "contacts": [{"site_1": a, "site_2": b, "distance": d, "limit": lim, "kind": kind}
                     for a, b, d, lim, kind in contacts],
        "warnings": list(phase.warnings) + contact_warnings,
        "detection_notes": list(report.notes),
    }

    lines = [f"{args.file}  (block {phase.block}; {len(blocks)} block(s) in file)"]
    if phase.formula:
        lines.append(f"  formula      {phase.formula}" + (f"   Z = {phase.z:g}" if phase.z is not None else ""))
    if phase.temperature is not None:
        lines.append(f"  temperature  {_fmt(phase.temperature, phase.temperature_su)} K  ({phase.temperature_source})")
    else:
        lines.append("  temperature  not given")
    names = ("a", "b", "c", "alpha", "beta", "gamma")
    parts = [f"{n}={_fmt(v, s, 6)}" for n, v, s in zip(names, cell.params, cell.su)]
    lines.append("  cell         " + "  ".join(parts[:3]) + " Å")
    lines.append("               " + "  ".join(parts[3:]) + " °")
    lines.append(f"  volume       {_fmt(cell.volume, cell.volume_su, 7)} Å³"
                 + ("" if cell.has_su else "  (no s.u.'s in the file)"))
    lines.append(f"  declared     {sg.hm} ({sg.number}), {sg.order} operations, from {sg.source}; setting {sg.setting}")
    det = f"{report.symbol} ({report.number})" if report.number else "not found"
    flag = "  ** differs from declared **" if report.differs_from_declared else ""
    lines.append(f"  detected     {det} at symprec {report.symprec:g} Å{flag}")
    lines.append("  ladder       " + ", ".join(f"{t:g}: {s or '-'}" for t, _, s in report.ladder))
    lines.append(f"  atoms        {len(phase.atoms)} in the asymmetric unit, {len(frac_all)} in the cell"
                 + (f" ({n_zero} zero-occupancy site(s))" if n_zero else ""))
    for w in list(phase.warnings) + contact_warnings:
        lines.append(f"  warning: {w}")
    for n in report.notes:
        lines.append(f"  note: {n}")
    return CommandResult(data, "\n".join(lines))
