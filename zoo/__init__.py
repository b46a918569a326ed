"""keras-gan-zoo: the classic GAN families in Keras 3."""

__version__ = "0.1.0"

from zoo import families  # noqa: F401  (registers the families)
from zoo.gan import GAN
from zoo.registry import create, family_info, list_models, register_family

__all__ = ["GAN", "__version__", "create", "family_info", "list_models", "register_family"]
