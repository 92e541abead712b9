"""Every Python block in README.md and docs/ runs and is ruff-formatted.

A fenced block marked ``python`` or ``py`` is code a reader may paste: the blocks of one file run
in order in one namespace (a later block may use the names an earlier one made), in a scratch
folder that holds the repository's files (so ``mappings/``, ``tests/`` and the samples resolve
and whatever a block writes lands in the scratch folder), with sockets limited to 127.0.0.1. A
block whose first line starts with ``>>>`` runs as a doctest: its shown output must match.

A block that cannot run here says so in an HTML comment on the line before its fence,
``<!-- not-run: the reason -->``; it is still checked for formatting. Such blocks stay rare:
at most ``MAX_NOT_RUN`` in all (see docs/testing.md, "The code in the docs").
"""

from __future__ import annotations

import contextlib
import difflib
import doctest
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_NOT_RUN = 4
_FENCE = re.compile(r"^(?P<indent> *)```(?P<lang>[\w+-]*)[ \t]*$")
_NOT_RUN = re.compile(r"^\s*<!--\s*not-run:\s*(?P<reason>.*?)\s*-->\s*$")
_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
# What the scratch folder leaves out of the repository: build and tool state.
_SKIP = frozenset({".git", ".venv", "build", "dist", ".mypy_cache", ".ruff_cache", ".pytest_cache"})


@attrs.frozen
class Block:
    """A fenced Python block: its file, the line of its first code line, its text."""

    file: Path
    line: int
    code: str
    not_run: str | None  # the reason given in the marker, or None

    @property
    def doctest(self) -> bool:
        return self.code.lstrip().startswith(">>>")

    @property
    def where(self) -> str:
        name = self.file.relative_to(ROOT) if self.file.is_relative_to(ROOT) else self.file
        return f"{name.as_posix()}:{self.line}"


def doc_files(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").rglob("*.md"))]


def python_blocks(file: Path) -> list[Block]:
    """The ``python``/``py`` blocks of a Markdown file, in order."""
    lines = file.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end == len(lines):
            raise AssertionError(f"{file}:{index + 1}: the fence opened here is never closed")
        if opening["lang"] in ("python", "py"):
            indent = len(opening["indent"])
            code = "".join(line[indent:] + "\n" for line in lines[index + 1 : end])
            before = index - 1
            while before >= 0 and not lines[before].strip():
                before -= 1
            marker = _NOT_RUN.match(lines[before]) if before >= 0 else None
            reason = marker["reason"] if marker else None
            blocks.append(Block(file, index + 2, code, reason))
        index = end + 1
    return blocks


def _all_blocks() -> list[Block]:
    return [block for file in doc_files() for block in python_blocks(file)]


BLOCKS = _all_blocks()
FILES = sorted({block.file for block in BLOCKS})


# -- running ------------------------------------------------------------------------------------


def _host(address: Any) -> str | None:
    return address[0] if isinstance(address, tuple) else None  # AF_UNIX paths are local


@contextlib.contextmanager
def _loopback_only() -> Iterator[None]:
    """Refuse a connection to any host but 127.0.0.1 (or ::1) while the blocks run."""
    original = socket.socket.connect, socket.socket.connect_ex

    def guard(address: Any) -> None:
        host = _host(address)
        if host is not None and host not in _LOOPBACK:
            raise OSError(f"a docs block may only connect to 127.0.0.1, not {host!r}")

    def connect(self: socket.socket, address: Any) -> None:
        guard(address)
        original[0](self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        guard(address)
        return original[1](self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = original  # type: ignore[method-assign]


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working folder that shows the repository's files (as links) and keeps what is written."""
    for entry in ROOT.iterdir():
        if entry.name not in _SKIP:
            (tmp_path / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    monkeypatch.chdir(tmp_path)
    path, modules, environ = list(sys.path), set(sys.modules), dict(os.environ)
    with _loopback_only():
        yield tmp_path
    sys.path[:] = path
    os.environ.clear()
    os.environ.update(environ)
    for name in set(sys.modules) - modules:
        if name == "partners":  # the emulator's module, imported from tests/delivery by a block
            del sys.modules[name]


def _run_code(block: Block, namespace: dict[str, Any]) -> None:
    code = compile("\n" * (block.line - 1) + block.code, str(block.file), "exec")
    exec(code, namespace)


def _run_doctest(block: Block, namespace: dict[str, Any]) -> None:
    test = doctest.DocTestParser().get_doctest(
        block.code, namespace, block.where, str(block.file), block.line - 1
    )
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list[str] = []
    runner.run(test, out=report.append, clear_globs=False)
    if runner.failures:
        pytest.fail(f"{block.where}: the doctest does not hold:\n" + "".join(report))


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.relative_to(ROOT).as_posix())
def test_docs_blocks_run(file: Path, scratch: Path) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    for block in python_blocks(file):
        if block.not_run is not None:
            continue
        try:
            if block.doctest:
                _run_doctest(block, namespace)
            else:
                _run_code(block, namespace)
        except Exception as exc:
            raise AssertionError(f"the block at {block.where} fails: {exc!r}") from exc


# -- formatting ---------------------------------------------------------------------------------


def _sources(block: Block) -> list[str]:
    """The Python a block holds: its code, or each example of a doctest on its own (as ruff
    formats the doctests of docstrings: no blank line between ``>>>`` examples)."""
    if not block.doctest:
        return [block.code]
    return [example.source for example in doctest.DocTestParser().get_examples(block.code)]


def _ruff() -> str:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed; install the test extra: pip install -e '.[test]'")
    return found


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.where)
def test_docs_block_is_formatted(block: Block) -> None:
    for source in _sources(block):
        result = subprocess.run(
            [_ruff(), "format", "--stdin-filename", "docs_block.py", "-"],
            input=source,
            cwd=ROOT,  # the project's settings (line length) from pyproject.toml
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
        assert result.returncode == 0, f"{block.where}: ruff cannot format it: {result.stderr}"
        if result.stdout != source:
            diff = difflib.unified_diff(
                source.splitlines(), result.stdout.splitlines(), "docs", "ruff", lineterm=""
            )
            pytest.fail(f"{block.where} is not ruff-formatted:\n" + "\n".join(diff))


# -- the conventions ----------------------------------------------------------------------------


def test_not_run_markers_are_few_and_give_a_reason() -> None:
    skipped = [block for block in BLOCKS if block.not_run is not None]
    assert len(skipped) <= MAX_NOT_RUN, [block.where for block in skipped]
    for block in skipped:
        assert len(block.not_run or "") >= 10, f"{block.where}: say why the block cannot run"


def misplaced_markers(file: Path) -> list[int]:
    """The lines of not-run markers that do not stand right before a Python block."""
    lines = file.read_text(encoding="utf-8").splitlines()
    marked = {block.line - 1 for block in python_blocks(file) if block.not_run is not None}
    misplaced = []
    fenced = False  # a marker shown inside a fence (as in docs/testing.md) is an example
    for number, line in enumerate(lines, 1):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _NOT_RUN.match(line):
            following = (n for n in range(number + 1, len(lines) + 1) if lines[n - 1].strip())
            if next(following, None) not in marked:
                misplaced.append(number)
    return misplaced


def test_every_not_run_marker_stands_before_a_python_block() -> None:
    for file in doc_files():
        assert misplaced_markers(file) == [], (
            f"{file.relative_to(ROOT)}: a not-run marker must be the line right before a "
            "```python block (and read <!-- not-run: the reason -->)"
        )


def test_the_finder_reads_blocks_markers_and_doctests(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text("```python\nx = 1\n```\n", encoding="utf-8")
    (tmp_path / "docs" / "a.md").write_text(
        "text\n\n```sh\nls\n```\n<!-- not-run: needs a Kafka broker -->\n"
        "```py\nbroker()\n```\n\n  ```python\n  >>> 1 + 1\n  2\n  ```\n",
        encoding="utf-8",
    )
    files = doc_files(tmp_path)
    assert [f.name for f in files] == ["README.md", "a.md"]
    [readme] = python_blocks(files[0])
    assert (readme.line, readme.code, readme.not_run, readme.doctest) == (2, "x = 1\n", None, False)
    marked, shown = python_blocks(files[1])
    assert (marked.line, marked.code, marked.not_run) == (8, "broker()\n", "needs a Kafka broker")
    assert (shown.line, shown.doctest, shown.not_run) == (12, True, None)
    assert _sources(shown) == ["1 + 1\n"]
    assert misplaced_markers(files[1]) == []
    (tmp_path / "docs" / "a.md").write_text(
        "<!-- not-run: a reason -->\n```sh\nls\n```\n", encoding="utf-8"
    )
    assert misplaced_markers(files[1]) == [1]
    (tmp_path / "docs" / "a.md").write_text(
        "```markdown\n<!-- not-run: shown, not used -->\n```\n", encoding="utf-8"
    )
    assert misplaced_markers(files[1]) == []
    (tmp_path / "docs" / "a.md").write_text("```python\nx = 1\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="never closed"):
        python_blocks(files[1])


def test_the_network_guard_refuses_other_hosts() -> None:
    with _loopback_only(), socket.socket() as sock, pytest.raises(OSError, match=r"127\.0\.0\.1"):
        sock.connect(("192.0.2.1", 80))


def test_a_doctest_that_does_not_hold_fails() -> None:
    block = Block(ROOT / "README.md", 1, ">>> 1 + 1\n3\n", None)
    with pytest.raises(pytest.fail.Exception, match="does not hold"):
        _run_doctest(block, {})
