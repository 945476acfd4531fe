"""Template filters of the joint outputs (registered by ``templating.py``)."""

from __future__ import annotations

from .models import OutputKind, OutputState
from .services import KIND_LABELS, STATE_LABELS


def state_label(state: OutputState | str) -> str:
    """The words of a follow-up state, in the reader's language."""
    return str(STATE_LABELS[OutputState(state)])


def kind_label(kind: OutputKind | str) -> str:
    return str(KIND_LABELS[OutputKind(kind)])
