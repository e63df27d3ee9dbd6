"""Keras 2.3.1's ``keras.applications.inception_v3``.

Importing it imports the module the applications plugin registered as
``"inception_v3"`` (lamella-applications); this name refers to that module from then on.
"""

from lamella.applications import become_registered

become_registered(__name__)
