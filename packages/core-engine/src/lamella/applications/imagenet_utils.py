"""``lamella.applications.imagenet_utils``: Keras 2.3.1's ``keras.applications.imagenet_utils``.

Importing it imports the module the applications plugin registered under ``"imagenet_utils"``
(lamella-applications) and this name refers to that module from then on.
"""

from lamella.applications import become_registered

become_registered(__name__)
