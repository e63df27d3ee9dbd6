"""lamella-io's registrations with lamella."""

from lamella.plugins import Component, hookimpl


@hookimpl
def lamella_datasets():
    return [Component("digits", "lamella_io.datasets.digits")]
