"""Tickets: owned work made from feedback."""
