"""lamella-rich-progress: ``fit``'s progress bar drawn with rich, as a lamella plugin.

Installed, it registers ``RichProgbarLogger``; with ``LAMELLA_RICH_PROGRESS=1`` it also takes
over the name ``ProgbarLogger`` (``override=True``), so every ``fit(verbose=1)`` draws it.
"""
