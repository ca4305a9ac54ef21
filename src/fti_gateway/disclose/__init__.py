"""Minimization and signed disclosure packages: only allowed elements, only approved subjects."""
