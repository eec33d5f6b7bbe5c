"""Top floor: the core of the closed loop and the composition root (`create_app`)."""
