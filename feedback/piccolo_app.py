import os

from piccolo.conf.apps import AppConfig

from feedback.tables import (
    AuditEvent,
    FeedbackItem,
    Improvement,
    ImprovementTicket,
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
