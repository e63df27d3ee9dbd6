"""lamella's version; every package carries the same one (tools/bump-version rewrites them)."""

__version__ = "0.1.0"
