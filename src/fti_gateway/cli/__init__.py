"""The ``fti`` command: thin commands over the stages (one module per command group)."""
