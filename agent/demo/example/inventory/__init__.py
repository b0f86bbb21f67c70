"""A tiny shop: items, a cart, discounts."""
