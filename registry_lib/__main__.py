"""``python -m registry_lib``: the relreg command line."""

from .cli import run

run()
