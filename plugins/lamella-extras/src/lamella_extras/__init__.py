"""lamella-extras: a layer (``RMSNorm``), a loss (binary focal crossentropy) and a metric
(``F1Score``) as one lamella plugin.

Once installed they resolve by name (``lamella.layers.RMSNorm``,
``loss="binary_focal_crossentropy"``, ``metrics=["f1_score"]``), and models using them save
and reload without ``custom_objects``.
"""
