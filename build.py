"""Build the "Clusters meet Regions" site: `python build.py --help` lists the commands."""

import sys
from pathlib import Path

from cmrsite.cli import main

if __name__ == "__main__":
    sys.exit(main(default_project=Path(__file__).resolve().parent))
