"""The one error the FHIR mapping raises."""

from __future__ import annotations


class FhirError(ValueError):
    """A resource cannot be mapped; `problems` lists every reason, each naming its place.

    Messages never quote patient data (names, identifiers, free-text answers, dates).
    """

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
