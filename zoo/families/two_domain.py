"""`TwoDomainGAN`: what CoGAN and CycleGAN share — they learn from two image domains at
once, fit on unpaired `(x_a, x_b)` batches (`zoo.data.load_domains`), and domain b may
have its own channel count (`data_shape_b`), e.g. gray digits and coloured digits.

Not registered: a family subclasses it and declares its networks and losses.
"""

from __future__ import annotations

from typing import ClassVar

from zoo.gan import GAN, _whole


class TwoDomainGAN(GAN):
    """A GAN over two image domains.

    Args:
        data_shape: the shape of one image of domain a, `(height, width, channels)`.
        data_shape_b: the shape of one image of domain b; `None` is `data_shape`.
            Only the channels may differ (both domains come at one size).
        **kwargs: see `zoo.gan.GAN`.
    """

    batch_kind: ClassVar[str] = "two_domains"
    pack_refusal = "each discriminator judges one domain's images, built for their shape"
    augment_refusal = "its discriminators judge each domain through their own calls, which DiffAugment does not reach"
    data_kinds: tuple[str, ...] = ("images",)
    default_architecture = "dcgan"

    def __init__(
        self, data_shape: tuple[int, ...] = (32, 32, 1), data_shape_b: tuple[int, ...] | None = None, **kwargs
    ):
        # Set before the base builds the networks, which read both shapes.
        self.data_shape_b = None if data_shape_b is None else _image_shape(data_shape_b, "data_shape_b")
        shape_a = _image_shape(data_shape, "data_shape")
        if self.data_shape_b is not None and self.data_shape_b[:2] != shape_a[:2]:
            raise ValueError(
                f"Both domains must have one size: data_shape {shape_a} and data_shape_b {self.data_shape_b} "
                "differ in height or width (only the channels may differ)."
            )
        super().__init__(data_shape=shape_a, **kwargs)

    @property
    def domain_shapes(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """`(shape_a, shape_b)`: one image of each domain."""
        return self.data_shape, self.data_shape_b or self.data_shape

    def unpack_batch(self, data):
        """A batch is `(x_a, x_b)`: one batch of each domain, unpaired. Passed on to the
        loss hooks as `real`, with no condition."""
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise ValueError(
                f"The {self.family!r} family learns two domains: fit it on (x_a, x_b) batches, e.g. "
                "zoo.data.load_domains(a, b) or fit(x_a, x_b)."
            )
        for name, batch, shape in zip(("x_a", "x_b"), data, self.domain_shapes):
            if tuple(batch.shape[1:]) != shape:
                raise ValueError(
                    f"{name} holds images of shape {tuple(batch.shape[1:])}, but this {self.family!r} model takes "
                    f"{shape} (data_shape{'_b' if name == 'x_b' else ''})."
                )
        return (data[0], data[1]), None

    def get_config(self) -> dict:
        return {**super().get_config(), "data_shape_b": None if self.data_shape_b is None else list(self.data_shape_b)}


def _image_shape(shape, what: str) -> tuple[int, int, int]:
    try:
        values = tuple(shape)
    except TypeError:
        values = ()
    if len(values) != 3:
        raise ValueError(f"{what} must be an image shape (height, width, channels), got {shape!r}.")
    return tuple(_whole(size, f"every size of {what}") for size in values)
