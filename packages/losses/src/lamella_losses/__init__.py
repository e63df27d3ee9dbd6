"""lamella_losses: Keras 2.3 losses and metrics for lamella."""

from lamella._version import __version__  # noqa: F401
