"""Keras 2.3.1's ``keras.applications.resnet50``.

Importing it imports the module the applications plugin registered as
``"resnet50"`` (lamella-applications); this name refers to that module from then on.
"""

from lamella.applications import become_registered

become_registered(__name__)
