"""The ticket state machine. Pure."""

from __future__ import annotations

STATUSES = ("new", "acknowledged", "in_progress", "resolved", "closed")
OPEN_STATUSES = ("new", "acknowledged", "in_progress")
LABELS = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "resolved": "Resolved",
    "closed": "Closed",
}
# action -> (allowed from, goes to)
ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": (("new",), "acknowledged"),
    "start": (("new", "acknowledged"), "in_progress"),
    "resolve": (OPEN_STATUSES, "resolved"),
    "close": (("resolved",), "closed"),
    "reopen": (("resolved", "closed"), "in_progress"),
}
ACTION_LABELS = {
    "acknowledge": "Acknowledge",
    "start": "Start work",
    "resolve": "Resolve",
    "close": "Close",
    "reopen": "Reopen",
}
RESOLUTIONS = ("with_action", "no_change")


class TransitionError(ValueError):
    pass


def next_status(current: str, action: str, resolution: str = "", note: str = "") -> str:
    """The status after `action`, or TransitionError saying why it cannot happen."""
    if action not in ACTIONS:
        raise TransitionError("That is not something a ticket can do.")
    allowed, target = ACTIONS[action]
    if current not in allowed:
        raise TransitionError(
            f"A ticket that is {LABELS[current].lower()} cannot be "
            f"{ACTION_LABELS[action].lower().replace('start work', 'started')}d."
            if action != "start"
            else f"A ticket that is {LABELS[current].lower()} cannot be started."
        )
    if action == "resolve":
        if resolution not in RESOLUTIONS:
            raise TransitionError("Say whether a change was made or why nothing changed.")
        if not note.strip():
            raise TransitionError(
                "Describe the action taken."
                if resolution == "with_action"
                else "Give the reason why nothing will change."
            )
    return target


def available_actions(current: str) -> list[str]:
    return [action for action, (allowed, _) in ACTIONS.items() if current in allowed]
