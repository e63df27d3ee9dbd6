"""The errors and the warning lamella's plugin system raises, as users and plugin authors see them.

Example::

    from lamella.plugins import UnknownComponentError

    try:
        optimizer = lamella.optimizers.get(name)
    except UnknownComponentError as err:
        print(err.kind, err.name, err.suggestions)
"""

from __future__ import annotations

from collections.abc import Sequence

from lamella.plugins.contract import KINDS_BY_KEY


def _noun(kind: str) -> str:
    return KINDS_BY_KEY[kind].noun if kind in KINDS_BY_KEY else kind


class LamellaPluginWarning(UserWarning):
    """A plugin failed to load and was skipped, or implements a hook lamella does not know.

    Example::

        warnings.simplefilter("error", LamellaPluginWarning)  # make a broken plugin fatal
    """


class PluginLoadError(RuntimeError):
    """A plugin failed to load while ``LAMELLA_STRICT_PLUGINS`` is set.

    The original error is the ``__cause__``.

    Example::

        LAMELLA_STRICT_PLUGINS=1 python -c "import lamella; lamella.layers.get('Dense')"
    """


class UnknownComponentError(ValueError):
    """A name that no installed plugin (and no custom object) registers.

    :ivar kind: the registry key (``"optimizers"``); :ivar name: the name looked up;
    :ivar suggestions: up to five close registered names; :ivar provider: the first-party
    distribution that provides the name, if it is not loaded; :ivar provider_state: why it
    is not, when it is installed (``"switched off by LAMELLA_DISABLE_PLUGINS ..."``), or
    ``None`` when it is not installed; :ivar hint: what to do, replacing the generic advice.

    Example::

        >>> lamella.losses.get("mean_squard_error")
        UnknownComponentError: Unknown loss: 'mean_squard_error'. Did you mean: ...
    """

    def __init__(
        self,
        kind: str,
        name: str,
        suggestions: Sequence[str] = (),
        provider: str | None = None,
        *,
        provider_state: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.kind, self.name = kind, name
        self.suggestions, self.provider = tuple(suggestions), provider
        self.provider_state, self.hint = provider_state, hint
        noun = _noun(kind)
        message = f"Unknown {noun}: {name!r}."
        if provider and provider_state:  # installed: "not installed" would send users astray
            message += (
                f" It is provided by the distribution {provider!r}, which is {provider_state}."
            )
        elif provider:
            message += (
                f" It is provided by the distribution {provider!r}, which is not installed;"
                f" install it with: pip install {provider}"
            )
        elif suggestions:
            message += " Did you mean: " + ", ".join(repr(s) for s in suggestions) + "?"
        elif not hint:
            message += f" No installed plugin registers any {noun} of that name."
        if hint:
            message += " " + hint
        elif not provider:
            message += (
                " If it is your own object, pass it in `custom_objects` or register it with"
                " lamella.utils.get_custom_objects()."
            )
        super().__init__(message)


class MissingPluginError(UnknownComponentError, ImportError):
    """The name belongs to a first-party distribution that is not loaded: not installed, or
    installed but switched off (``LAMELLA_DISABLE_PLUGINS``/``LAMELLA_LOAD_PLUGINS``) or
    failed to load; the message says which.

    An ``ImportError`` too, so ``from lamella.optimizers import Adam`` shows the install hint.

    Example::

        >>> from lamella.optimizers import Adam   # without lamella-optimizers
        MissingPluginError: Unknown optimizer: 'Adam'. ... pip install lamella-optimizers
    """


class DuplicateComponentError(ValueError):
    """Two plugins registered the same name and neither declared ``override=True``.

    Raised when the name is looked up, so the rest of both plugins keeps working.

    Example::

        >>> lamella.layers.get("Swish")  # registered by two installed plugins
        DuplicateComponentError: The layer name 'Swish' is registered by two plugins, ...
    """

    def __init__(self, kind: str, name: str, first: str, second: str) -> None:
        self.kind, self.name, self.distributions = kind, name, (first, second)
        super().__init__(
            f"The {_noun(kind)} name {name!r} is registered by two plugins, {first!r} and"
            f" {second!r}. Uninstall one of them, or have one register it with"
            f" Component(..., override=True)."
        )
