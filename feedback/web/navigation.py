"""Navigation per role: only sections that exist and that the role may open."""

from __future__ import annotations

from dataclasses import dataclass

from feedback.auth.roles import Role


@dataclass(frozen=True)
class NavLink:
    label: str
    path: str
    roles: frozenset[Role]


ALL_ROLES = frozenset(Role)

NAV_LINKS: tuple[NavLink, ...] = (
    NavLink("Overview", "/", ALL_ROLES),
    NavLink("Tickets", "/tickets", ALL_ROLES),
    NavLink("Feedback", "/feedback", ALL_ROLES),
    NavLink("Kudos", "/kudos", ALL_ROLES),
    NavLink(
        "You said, we did", "/improvements", frozenset({Role.ADMIN, Role.EXECUTIVE, Role.LEAD})
    ),
    NavLink(
        "Survey results", "/surveys/results", frozenset({Role.ADMIN, Role.EXECUTIVE, Role.LEAD})
    ),
    NavLink("Dashboard", "/reports/dashboard", frozenset({Role.ADMIN, Role.EXECUTIVE, Role.LEAD})),
    NavLink("Surveys", "/admin/surveys", frozenset({Role.ADMIN})),
    NavLink("Routing", "/admin/routing", frozenset({Role.ADMIN})),
    NavLink("Import visits", "/admin/visits/import", frozenset({Role.ADMIN})),
    NavLink("Reviews", "/admin/reviews/", frozenset({Role.ADMIN})),
    NavLink("Users", "/admin/users", frozenset({Role.ADMIN})),
    NavLink("Patient requests", "/admin/patients/", frozenset({Role.ADMIN})),
    NavLink("Email", "/admin/outbox", frozenset({Role.ADMIN})),
)


def navigation_for(role: Role) -> list[NavLink]:
    return [link for link in NAV_LINKS if role in link.roles]
