"""Build the "Clusters meet Regions" site: `python build.py --help` lists the commands."""

from pathlib import Path

from cmrsite.cli import exit_with, main

if __name__ == "__main__":
    exit_with(main(default_project=Path(__file__).resolve().parent))
