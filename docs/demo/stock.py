"""Stock items for the fillin demo: the definitions that `inventory.py` imports."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    """One product line in the warehouse."""

    sku: str
    name: str
    unit_price: float
    quantity: int

    def is_out_of_stock(self) -> bool:
        """Whether no unit is left."""
        return self.quantity == 0
