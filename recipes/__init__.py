"""Ready training setups: `get_recipe(name)`, `list_recipes()`, `run_recipe(recipe, dir)`.

A recipe is a family + a dataset + hyperparameters + callbacks. Every registered
family also has an implicit recipe on the bundled digits (`recipe_for(family)`),
so `gan-zoo train FAMILY` works for families added later.
"""

from __future__ import annotations

import zoo
from recipes.recipe import Recipe, RunResult, run_recipe

DEFAULT_RECIPE = "dcgan_digits"

_RECIPES: dict[str, Recipe] = {}


def register_recipe(recipe: Recipe) -> Recipe:
    if recipe.name in _RECIPES:
        raise ValueError(f"Recipe {recipe.name!r} is already registered.")
    zoo.family_info(recipe.family)  # fails early on a misspelled family
    _RECIPES[recipe.name] = recipe
    return recipe


def list_recipes() -> list[str]:
    return sorted(_RECIPES)


def recipe_for(family: str, data: str = "digits") -> Recipe:
    """The default recipe of `family`: its registered `<family>_digits` recipe, or
    the family's paper defaults on `data`."""
    zoo.family_info(family)
    named = _RECIPES.get(f"{family}_{data}")
    if named is not None:
        return named
    if data == "digits" and "images" not in zoo.family_info(family).cls.data_kinds:
        # A family that draws no images (WaveGAN) defaults to its own recipe.
        own = [recipe for recipe in _RECIPES.values() if recipe.family == family]
        if own:
            return own[0]
    image_size = 16 if data == "digits" else None
    return Recipe(name=f"{family}_{data}", family=family, data=data, image_size=image_size)


def get_recipe(name: str) -> Recipe:
    """A registered recipe, or the default recipe of a family name."""
    if name in _RECIPES:
        return _RECIPES[name]
    if name in zoo.list_models():
        return recipe_for(name)
    raise ValueError(
        f"Unknown recipe or family {name!r}. Recipes: {', '.join(list_recipes())}. "
        f"Families: {', '.join(zoo.list_models())}."
    )


from recipes import catalog  # noqa: E402,F401  (registers the recipes)

__all__ = ["DEFAULT_RECIPE", "Recipe", "RunResult", "get_recipe", "list_recipes", "recipe_for", "run_recipe"]
