"""Web controllers: parse input, call a service, render. No rules live here."""
