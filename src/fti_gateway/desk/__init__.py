"""The review desk in a browser (``/desk/`` of `fti serve`): server-rendered pages over
``pipeline.review``, the same functions as `fti review` (see :mod:`.app`)."""
