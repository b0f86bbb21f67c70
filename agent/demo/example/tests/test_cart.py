from inventory.cart import Cart
from inventory.discounts import apply_discount
from inventory.money import format_cents


def test_subtotal():
    cart = Cart()
    cart.add("tea", 3.5, 2)
    cart.add("cup", 4.25)
    assert cart.subtotal() == 1125


def test_total_without_coupon():
    cart = Cart()
    cart.add("tea", 3.5, 2)
    assert cart.total() == 700


def test_total_with_coupon():
    cart = Cart()
    cart.add("tea", 10.0, 2)
    cart.coupon = "spring10"
    assert cart.total() == 1800


def test_discount_rounds_half_up():
    assert apply_discount(999, 50) == 500  # 499.5 rounds half up


def test_format():
    assert format_cents(1800) == "18.00"
