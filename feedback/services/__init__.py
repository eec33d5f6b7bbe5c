"""Services own the rules and are the only writers of tables."""
