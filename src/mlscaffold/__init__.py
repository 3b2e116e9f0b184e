"""mlscaffold: generate ready-to-run machine-learning portfolio projects, and keep them up to date."""

__version__ = "0.1.0"
