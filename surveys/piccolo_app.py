import os

from piccolo.conf.apps import AppConfig

from surveys.tables import (
    Answer,
    Consent,
    Department,
    Invitation,
    Location,
    Patient,
    Response,
    Survey,
    SurveyAssignment,
    SurveyVersion,
    Visit,
)

APP_CONFIG = AppConfig(
    app_name="surveys",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=[
        Location,
        Department,
        Patient,
        Visit,
        Consent,
        Survey,
        SurveyVersion,
        SurveyAssignment,
        Invitation,
        Response,
        Answer,
    ],
    migration_dependencies=["integrations.piccolo_app"],
    commands=[],
)
