"""One batch of `feedback rotate-keys` on one table: the part every encrypted table shares.

Rows are read by keyset (id after the last batch), rewritten in one transaction, and each
only if it still holds exactly what was read (a conditional UPDATE): a writer that changed the
row meanwhile wrote under the current key already, and its newer value must win.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column
from piccolo.table import Table

from integrations.crypto import DecryptionError

Row = dict[str, Any]


@dataclass(frozen=True)
class RotationBatch:
    """One committed batch on one table."""

    examined: int = 0
    rotated: int = 0
    changed_meanwhile: int = 0  # a writer got there first (its value is current; left alone)
    unreadable: int = 0  # tampered or under a key no longer in the ring: left, and reported
    last_id: int = 0


async def rotate_rows(
    table: type[Table],
    *,
    read: Sequence[Column],
    stale: Any,
    compared: Sequence[Column],
    rewrite: Callable[[Row], dict[Column, Any]],
    after_id: int,
    limit: int,
) -> RotationBatch:
    """Rewrite up to `limit` rows matching `stale` with id > after_id; `rewrite` returns the new
    values of a row (raising DecryptionError for one it cannot open); `compared` are the
    columns that must still hold what was read."""
    rows = (
        await table.select(table.id, *read)
        .where(stale & (table.id > after_id))
        .order_by(table.id)
        .limit(limit)
    )
    rotated = changed = unreadable = 0
    async with table._meta.db.transaction():
        for row in rows:
            try:
                changes = rewrite(row)
            except DecryptionError:
                unreadable += 1
                continue
            unchanged = table.id == row["id"]
            for column in compared:
                unchanged = unchanged & (column == row[column._meta.name])
            written = await table.update(changes).where(unchanged).returning(table.id)
            rotated += bool(written)
            changed += not written
    return RotationBatch(
        examined=len(rows),
        rotated=rotated,
        changed_meanwhile=changed,
        unreadable=unreadable,
        last_id=rows[-1]["id"] if rows else after_id,
    )
