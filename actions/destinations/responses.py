"""How a partner's response is handled (:meth:`Destination.classify_response`). Imported when
the first response is classified: processing events sends nothing."""

from __future__ import annotations

from typing import Literal

import attrs

from actions._repr import attrs_repr


@attrs.frozen
class ResponseClass:
    """How a partner response should be handled: ``success``, ``retry`` or ``drop``."""

    __repr__ = attrs_repr

    kind: Literal["success", "retry", "drop"]
    reason: str | None = None


__all__ = ["ResponseClass"]
