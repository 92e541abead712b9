"""Why an event is not a valid Segment Spec event (:class:`EventProblem`). Imported when an
event first has a problem: valid events do not need it."""

from __future__ import annotations

import attrs

from actions._repr import attrs_repr
from actions.errors import DataPath, format_path


@attrs.frozen
class EventProblem:
    """Why an event is not a valid Segment Spec event: the data ``path`` of the field (``()``
    for the whole event), a ``message`` saying what is wrong, and a ``hint`` saying how to fix
    it."""

    __repr__ = attrs_repr

    path: DataPath
    message: str
    hint: str = ""

    def to_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"path": format_path(self.path), "message": self.message}
        if self.hint:
            data["hint"] = self.hint
        return data


__all__ = ["EventProblem"]
