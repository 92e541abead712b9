"""What the YAML tests compare of a loaded document."""

from __future__ import annotations

import json
from typing import Any

from actions import yamlsource


def exact(loaded: yamlsource.LoadedYAML) -> tuple[Any, ...]:
    """Everything a loaded document gives, with the types and the order of its values."""
    source = loaded.source
    return (
        json.dumps(loaded.value),  # 1 and 1.0, True and 1, and the keys' order differ here
        loaded.problems,
        source.file,
        source.text,
        list(source.values.items()),
        list(source.keys.items()),
        list(source.scalars.items()),
    )
