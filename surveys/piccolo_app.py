import os

from piccolo.conf.apps import AppConfig

from surveys.tables import Consent, Department, Location, Patient, Visit

APP_CONFIG = AppConfig(
    app_name="surveys",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[Location, Department, Patient, Visit, Consent],
    migration_dependencies=["integrations.piccolo_app"],
    commands=[],
)
