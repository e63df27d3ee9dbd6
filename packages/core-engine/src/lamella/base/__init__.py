"""Base classes that component plugins subclass: optimizers, losses, metrics, initializers,
regularizers, constraints. They live in the core so plugins can import them while plugins load."""
