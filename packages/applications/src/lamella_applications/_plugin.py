"""lamella-applications' registrations with lamella."""

from lamella.plugins import Component, hookimpl

#: ``lamella.applications.<name>`` submodules, as Keras 2.3.1's ``keras.applications`` has them.
SUBMODULES = ("densenet", "imagenet_utils", "inception_resnet_v2", "inception_v3", "mobilenet",
              "mobilenet_v2", "nasnet", "resnet", "resnet50", "resnet_v2", "vgg16", "vgg19",
              "xception")


@hookimpl
def lamella_applications():
    # Module references: nothing is imported (no model code, no torch layers) until an
    # application module is looked up.
    return [Component(name, "lamella_applications." + name) for name in SUBMODULES]
