"""`python -m broadsheet` runs the command line."""

from broadsheet.cli import app

if __name__ == "__main__":
    app()
