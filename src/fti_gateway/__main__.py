"""``python -m fti_gateway`` runs the ``fti`` command."""

from fti_gateway.cli.main import main

main()
