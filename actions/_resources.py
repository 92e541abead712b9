"""Where the shipped data lives: inside the installed wheel, or at the top of a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import ActionsError

_PACKAGE = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """The directory ``grammars`` or ``mappings``: in the wheel it sits inside the package
    (``actions/grammars``); in a source checkout it sits at the repository top level."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise ActionsError(f"shipped resource directory {name!r} not found next to {_PACKAGE}")


def grammar_path(name: str) -> Path:
    return resource_dir("grammars") / name


def mappings_dir() -> Path:
    return resource_dir("mappings")


def pack_slugs(folder: Path | None = None) -> tuple[str, ...]:
    """The packs in ``folder`` (default: the shipped ``mappings``), sorted: the name of each
    subfolder that holds a ``destination.yaml``. A pack dropped into the folder is found."""
    root = mappings_dir() if folder is None else folder
    return tuple(sorted(p.name for p in root.iterdir() if (p / "destination.yaml").is_file()))


def samples_dir() -> Path:
    return _PACKAGE / "samples"


def write_or_check(path: Path, text: str, command: str, args: list[str]) -> int:
    """For a data file the package derives from its sources (``python -m COMMAND``): write
    ``text`` to ``path``, or with ``--check`` in ``args`` only say whether the file holds it
    already (exit status 1 when it does not)."""
    current = path.read_text(encoding="utf-8") if path.is_file() else ""
    if "--check" in args:
        if current != text:
            print(f"{path} is stale: run python -m {command}")
            return 1
        print(f"{path} is current")
        return 0
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0
