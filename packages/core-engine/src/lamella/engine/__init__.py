"""The core engine: layers, models, the functional graph and the training loop."""
