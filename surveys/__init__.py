"""Middle floor: the patients' side (who we ask, what we ask, their answers)."""
