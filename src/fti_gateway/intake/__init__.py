"""Intake: parse and validate a request (manifest + subject rows), persist it before acting."""
