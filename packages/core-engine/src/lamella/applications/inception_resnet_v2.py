"""Keras 2.3.1's ``keras.applications.inception_resnet_v2``.

Importing it imports the module the applications plugin registered as
``"inception_resnet_v2"`` (lamella-applications); this name refers to that module from then on.
"""

from lamella.applications import become_registered

become_registered(__name__)
