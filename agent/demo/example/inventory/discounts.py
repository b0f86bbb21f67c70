"""Coupons and how much they take off."""

COUPONS = {"SPRING10": 10, "VIP25": 25}


def percent_for(code: str) -> int:
    """The discount percentage of a coupon code (0 when unknown)."""
    return COUPONS.get(code.upper(), 0)


def apply_discount(cents: int, percent: int) -> int:
    """The price after taking `percent` off."""
    return cents * percent // 100
