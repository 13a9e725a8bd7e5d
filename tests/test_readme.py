"""The README's Python snippets run, and the quick start is the two commands .ci/run executes."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_python_snippets_run():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python snippet"
    for code in blocks:
        exec(compile(code, "README.md", "exec"), {})


def test_quick_start_matches_ci():
    text = (ROOT / "README.md").read_text()
    quick = re.search(r"## Quick start\n\n```bash\n(.*?)```", text, flags=re.S).group(1).strip().splitlines()
    assert len(quick) == 2
    assert quick[0].startswith("pip install") and quick[0].endswith("symstrain demo")
    assert "pytest" in quick[1]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "## Quick start" in ci and 'bash -c "$cmd"' in ci  # CI runs the README's lines themselves
