"""sora-cli: make Sora 2 videos from a terminal, a shell script or a CI job."""

__version__ = "0.1.0"
