"""``python -m procsim ...``: the ``procsim`` command."""

from ._cli import main

main()
