"""``lamella.applications.inception_v3``: Keras 2.3.1's ``keras.applications.inception_v3``.

Importing it imports the module the applications plugin registered under ``"inception_v3"``
(lamella-applications) and this name refers to that module from then on.
"""

from lamella.applications import become_registered

become_registered(__name__)
