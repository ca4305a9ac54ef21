"""Shared foundations every stage may use: errors, the data-element catalogue, the workspace."""
