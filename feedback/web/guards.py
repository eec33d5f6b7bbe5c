"""Route guards. They decide who may reach a route; services still check each object."""

from __future__ import annotations

from collections.abc import Callable

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from feedback.auth.roles import CurrentStaff, Role

Guard = Callable[[ASGIConnection, BaseRouteHandler], None]


def current_staff(connection: ASGIConnection) -> CurrentStaff | None:
    return connection.scope.get("user")  # type: ignore[return-value]


def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if current_staff(connection) is None:
        raise NotAuthorizedException("Please sign in to continue.")


def roles(*allowed: Role) -> Guard:
    def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        signed_in(connection, handler)
        staff = current_staff(connection)
        assert staff is not None
        if staff.role not in allowed:
            raise PermissionDeniedException("Your role does not give access to this page.")

    return guard
