"""A shopping cart."""

from inventory.discounts import apply_discount, percent_for
from inventory.money import to_cents


class Cart:
    def __init__(self) -> None:
        self.lines: list[tuple[str, float, int]] = []
        self.coupon = ""

    def add(self, name: str, price: float, quantity: int = 1) -> None:
        self.lines.append((name, price, quantity))

    def subtotal(self) -> int:
        """Sum of the lines in cents."""
        return sum(to_cents(price) * quantity for _, price, quantity in self.lines)

    def total(self) -> int:
        """What the customer pays, in cents, after the coupon."""
        return apply_discount(self.subtotal(), percent_for(self.coupon))
