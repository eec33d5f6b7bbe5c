import os

from piccolo.conf.apps import AppConfig

from integrations.tables import OutboxMessage, RateLimitBucket, Suppression

APP_CONFIG = AppConfig(
    app_name="integrations",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[OutboxMessage, Suppression, RateLimitBucket],
    migration_dependencies=[],
    commands=[],
)
