"""The family registry: one place that the CLI, the tests, the export and the
benchmarks read, so that a newly registered family is covered everywhere.

Modelled on timm's `register_model` / `create_model` / `list_models`.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Callable
from typing import Any

import keras


@dataclasses.dataclass(frozen=True)
class FamilyInfo:
    """What the registry knows about a family besides its class."""

    name: str
    cls: type
    paper: str
    summary: str


_REGISTRY: dict[str, FamilyInfo] = {}


def register_family(name: str, *, paper: str, summary: str) -> Callable[[type], type]:
    """Class decorator: make a `GAN` subclass creatable as `zoo.create(name)`."""

    def decorate(cls: type) -> type:
        if name in _REGISTRY and _REGISTRY[name].cls is not cls:
            raise ValueError(f"GAN family {name!r} is already registered by {_REGISTRY[name].cls}.")
        cls.family = name
        _REGISTRY[name] = FamilyInfo(name=name, cls=cls, paper=paper, summary=summary)
        # Registered for `.keras` loading under a stable, package-independent name.
        return keras.saving.register_keras_serializable(package="zoo")(cls)

    return decorate


def list_models(pattern: str = "*") -> list[str]:
    """Sorted names of the registered families matching a shell-style pattern."""
    return sorted(name for name in _REGISTRY if fnmatch.fnmatch(name, pattern))


def family_info(name: str) -> FamilyInfo:
    """The registry entry of `name`, or a ValueError naming the known families."""
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(list_models())
        raise ValueError(f"Unknown GAN family {name!r}. Known families: {known}.") from None


def create(name: str, **overrides: Any) -> keras.Model:
    """Build family `name` with its defaults, changed by `overrides`.

    Every override is passed on as given, `None` included: `None` is a real value
    for several options (`d_normalization=None` switches the discriminator's
    normalization off), so a recipe's or `--set`'s `None` must not fall back to
    the family's default.
    """
    info = family_info(name)
    try:
        return info.cls(**overrides)
    except TypeError as error:
        raise TypeError(f"Bad argument for GAN family {name!r}: {error}") from error
