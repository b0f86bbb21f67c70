"""Money in integer cents."""


def to_cents(amount: float) -> int:
    """Round a price in currency units to whole cents, half up."""
    return int(amount * 100 + 0.5)


def format_cents(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
