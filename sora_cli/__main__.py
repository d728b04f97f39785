"""`python -m sora_cli` runs the same entry point as the `sora` script."""

from sora_cli.entry import run

if __name__ == "__main__":
    run()
