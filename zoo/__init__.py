"""keras-gan-zoo: the classic GAN families in Keras 3."""

__version__ = "0.1.0"

from zoo.registry import create, family_info, list_models, register_family  # noqa: E402
from zoo.gan import GAN  # noqa: E402
from zoo import families  # noqa: E402,F401  (registers the families)

__all__ = ["GAN", "create", "family_info", "list_models", "register_family", "__version__"]
