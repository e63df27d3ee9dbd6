"""lamella_layers's registrations with lamella."""

from lamella.plugins import Component, hookimpl  # noqa: F401
