"""The UNAX monitor (issue 19): inspection events, registers, a rule catalogue, alerts.

Every look at return information is an ``fti/inspection/v1`` event (FORMATS §9): the
gateway's read gate writes its own, other systems' audit trails are imported. The
monitor runs its catalogue of rules (DuckDB SQL over all events, the employee register,
cases and the high-profile list) and records each alert, and each reviewer's
disposition of it, in the ledger. See README.md in this folder.
"""
