"""The README tells the truth: its ``pycon`` snippets print what they say, its commands table is the CLI's list of
commands, and its quick start is the two commands .ci/run executes."""

import doctest
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def pycon_blocks(text: str) -> list[str]:
    """The body of every ```pycon fenced block, in order."""
    return re.findall(r"^```pycon\n(.*?)^```", text, flags=re.S | re.M)


def run_block(code: str, name: str) -> doctest.TestResults:
    """Run one block as a doctest in fresh globals; failures are reported on stdout by doctest."""
    test = doctest.DocTestParser().get_doctest(code, {}, name, "README.md", 0)
    return doctest.DocTestRunner(optionflags=FLAGS).run(test)


def section(text: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    assert m, f"README has no section {title!r}"
    return m.group(1)


def test_readme_has_no_unchecked_python_snippets():
    assert "```python" not in README, "write Python snippets as ```pycon with their output, so that they are run"
    assert len(pycon_blocks(README)) >= 4


@pytest.mark.parametrize("n", range(len(pycon_blocks(README))))
def test_readme_pycon_snippet(n, capsys):
    result = run_block(pycon_blocks(README)[n], f"README.md pycon block {n + 1}")
    report = capsys.readouterr().out
    assert result.attempted > 0
    assert result.failed == 0, report


def test_the_doctest_runner_catches_a_wrong_output(capsys):
    assert run_block(">>> print(round(2 / 3, 3))\n0.667\n", "right").failed == 0
    assert run_block(">>> print(round(2 / 3, 3))\n0.666\n", "wrong").failed == 1
    capsys.readouterr()


def test_commands_table_is_the_cli():
    from symstrain.cli import COMMANDS

    rows = re.findall(r"^\| `symstrain ([a-z][a-z-]*)", section(README, "Commands"), flags=re.M)
    cli = [importlib.import_module(f"symstrain.cli.{m}").NAME for m in COMMANDS]
    assert len(rows) == len(set(rows)), "a command has two rows"
    assert sorted(rows) == sorted(cli)


def test_layout_names_every_module():
    bullets = "\n".join(line for line in section(README, "Layout").splitlines() if line.startswith(("* ", "  ")))
    named = set(re.findall(r"`([a-z_]+)/?`", bullets))
    modules = {p.stem for p in (ROOT / "symstrain").glob("*.py")} - {"__init__", "__main__"}
    packages = {p.name for p in (ROOT / "symstrain").iterdir() if (p / "__init__.py").exists()}
    assert modules - named == set(), "modules missing from the README's Layout"
    assert named - modules - packages == set(), "the Layout names modules that do not exist"


def test_version_is_one_source():
    import symstrain

    toml = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^dynamic = \["version"\]', toml, flags=re.M)
    assert 'version = { attr = "symstrain.__version__" }' in toml
    assert re.fullmatch(r"\d+\.\d+\.\d+", symstrain.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {symstrain.__version__}" in changelog


def test_quick_start_matches_ci():
    quick = re.search(r"## Quick start\n\n```bash\n(.*?)```", README, flags=re.S).group(1).strip().splitlines()
    assert len(quick) == 2
    assert quick[0].startswith("pip install") and quick[0].endswith("symstrain demo")
    assert "pytest" in quick[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "## Quick start" in ci and 'bash -c "$cmd"' in ci  # CI runs the README's lines themselves
