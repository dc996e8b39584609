"""``python -m tipnlp`` runs the command-line interface."""

from tipnlp.cli import main

main()
