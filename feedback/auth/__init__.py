"""Staff identity: passwords, server-side sessions, roles and the guards built on them."""
