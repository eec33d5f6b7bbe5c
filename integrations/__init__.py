"""Ground floor: the outside world (email, review sites, FHIR). Imports none of our packages."""
