import os

from piccolo.conf.apps import AppConfig

from feedback.tables import (
    AuditEvent,
    BreakGlassGrant,
    FeedbackItem,
    Improvement,
    ImprovementTicket,
    MfaChallenge,
    Review,
    ReviewRun,
    ReviewSource,
    RoutingRule,
    StaffSession,
    StaffUser,
    Ticket,
    TicketEvent,
    TicketFeedback,
)

APP_CONFIG = AppConfig(
    app_name="feedback",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        StaffUser,
        StaffSession,
        MfaChallenge,
        BreakGlassGrant,
        ReviewSource,
        ReviewRun,
        Review,
        FeedbackItem,
        Ticket,
        TicketFeedback,
        TicketEvent,
        Improvement,
        ImprovementTicket,
        AuditEvent,
        RoutingRule,
    ],
    migration_dependencies=["surveys.piccolo_app"],
    commands=[],
)
