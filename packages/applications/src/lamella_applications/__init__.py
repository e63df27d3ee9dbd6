"""lamella-applications: Keras 2.3.1's ``keras.applications`` on lamella.

Every model of keras_applications 1.0.8 (the package Keras 2.3.1 delegates to) with its
signature, its layer names and its weight names and shapes, so the ImageNet weight files Keras
publishes load by topology or by name. Reached as ``lamella.applications`` (and
``lamella.applications.vgg16``, ...) through the ``lamella_applications`` hook.

Example::

    from lamella.applications import MobileNet
    model = MobileNet(weights=None, input_shape=(128, 128, 3), alpha=0.25, classes=10)
"""

from lamella_applications.densenet import DenseNet121, DenseNet169, DenseNet201
from lamella_applications.inception_resnet_v2 import InceptionResNetV2
from lamella_applications.inception_v3 import InceptionV3
from lamella_applications.mobilenet import MobileNet
from lamella_applications.mobilenet_v2 import MobileNetV2
from lamella_applications.nasnet import NASNetLarge, NASNetMobile
from lamella_applications.resnet import ResNet101, ResNet152
from lamella_applications.resnet50 import ResNet50
from lamella_applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from lamella_applications.vgg16 import VGG16
from lamella_applications.vgg19 import VGG19
from lamella_applications.xception import Xception

#: The keras_applications release these modules follow.
KERAS_APPLICATIONS_VERSION = "1.0.8"

__all__ = [
    "DenseNet121", "DenseNet169", "DenseNet201", "InceptionResNetV2", "InceptionV3",
    "MobileNet", "MobileNetV2", "NASNetLarge", "NASNetMobile", "ResNet50", "ResNet101",
    "ResNet152", "ResNet50V2", "ResNet101V2", "ResNet152V2", "VGG16", "VGG19", "Xception",
]
