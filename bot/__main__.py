"""`python -m bot` runs the `dossier` command line."""

from bot.cli import main

main(prog_name="dossier")
