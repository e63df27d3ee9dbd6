"""lamella_callbacks: Keras 2.3 callbacks beyond History and the progress bar for lamella."""

from lamella._version import __version__
