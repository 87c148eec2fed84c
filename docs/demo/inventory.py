"""A small inventory report: the sample file that `make demo` completes.

`make demo` runs `fillin complete` between the parentheses of `return sum()` in
`total_value`, so the model writes what to sum. `Item` comes from `stock.py`:
fillin puts its definition in the prompt, which is how the suggestion can know the field
names `unit_price` and `quantity`.
"""

from stock import Item


def low_stock(items: list[Item], threshold: int = 5) -> list[Item]:
    """The items with fewer than `threshold` units left."""
    return [item for item in items if item.quantity < threshold]


def total_value(items: list[Item]) -> float:
    """The value of everything in stock: each item's unit price times its quantity."""
    return sum()


def report(items: list[Item]) -> str:
    """A one-line summary of the stock."""
    n_low = len(low_stock(items))
    return f"{len(items)} items worth {total_value(items):.2f}, {n_low} running low"
