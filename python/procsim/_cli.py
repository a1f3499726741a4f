"""The ``procsim`` command installed with the package: the same program as
the Rust binary, run in this process by the library's command line."""

import sys

from . import _native


def main():
    # The command writes through Rust's own standard output; Python's
    # buffers go first so nothing comes out of order.
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(_native.cli(["procsim", *sys.argv[1:]]))
