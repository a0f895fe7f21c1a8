#!/usr/bin/env python3
"""Writes sample-catalog.jsonl: souk's sample reference data, one ReferenceRecord per
line in protobuf's JSON mapping (see schemas/souk/v1/storage.proto).

Deterministic (fixed seed), so the committed file only changes when this script does.
Usage: tools/catalog/make_sample_catalog.py > tools/catalog/sample-catalog.jsonl
"""
import json
import random

rng = random.Random(20261127)

COLORS = ["black", "blue", "red", "green", "grey", "navy", "olive", "sand", "white"]
SIZES_APPAREL = ["xs", "s", "m", "l", "xl"]
SIZES_SHOES = ["38", "39", "40", "41", "42", "43", "44", "45"]

# category: (adjectives, nouns, price range in cents, sizes or None)
CATEGORIES = {
    "outerwear": (["Trail", "Storm", "Summit", "Harbor", "Alpine", "Urban", "Ridge"],
                  ["Jacket", "Parka", "Shell", "Anorak", "Vest"], (7900, 34900), SIZES_APPAREL),
    "tops": (["Merino", "Linen", "Everyday", "Oxford", "Trail", "Henley", "Pique"],
             ["Tee", "Shirt", "Sweater", "Hoodie", "Polo"], (1900, 12900), SIZES_APPAREL),
    "bottoms": (["Canvas", "Stretch", "Travel", "Cord", "Denim", "Cargo"],
                ["Trousers", "Chinos", "Shorts", "Jeans", "Joggers"], (3900, 14900), SIZES_APPAREL),
    "footwear": (["Trail", "City", "Approach", "Canvas", "Leather", "Winter"],
                 ["Runner", "Boot", "Sneaker", "Loafer", "Sandal"], (5900, 24900), SIZES_SHOES),
    "accessories": (["Wool", "Leather", "Packable", "Everyday", "Summit"],
                    ["Beanie", "Belt", "Backpack", "Scarf", "Gloves", "Cap"], (1500, 9900), None),
}


def money(cents):
    return {"minorUnits": str(cents), "currency": "USD"}


def main():
    out = []
    number = 100
    # The demo's jacket first, with a fixed identity.
    products = [("SKU-123", "Trail Jacket", "outerwear", 12900, ["blue", "red", "black"], SIZES_APPAREL)]
    for category, (adjectives, nouns, (lo, hi), sizes) in CATEGORIES.items():
        for adjective in adjectives:
            for noun in nouns:
                for cut in ("Men's", "Women's"):
                    name = f"{cut} {adjective} {noun}"
                    number += 1
                    if number == 123:
                        number += 1
                    price = rng.randrange(lo, hi, 100) - 1 if rng.random() < 0.5 else rng.randrange(lo, hi, 100)
                    colors = rng.sample(COLORS, rng.randint(2, 4))
                    products.append((f"SKU-{number}", name, category, price, colors, sizes))
    # Gift cards: no variants, not stock-tracked.
    for value in (2500, 5000, 10000):
        products.append((f"GIFT-{value // 100}", f"Gift Card ${value // 100}", "gift-cards", value, [], None))

    for sku, name, category, price, colors, sizes in products:
        variants = []
        if sizes:
            for color in colors:
                for size in sizes:
                    variants.append({"variantId": f"{color}-{size}", "color": color, "size": size.upper()})
        elif colors:
            variants = [{"variantId": color, "color": color} for color in colors]
        product = {"sku": sku, "name": name, "category": category,
                   "description": f"{name} ({category}).", "price": money(price)}
        if variants:
            product["variants"] = variants
        out.append({"product": product})
        for variant in variants:
            available = 0 if rng.random() < 0.08 else rng.randint(1, 40)
            if sku == "SKU-123":
                available = 5
            out.append({"stock": {"sku": sku, "variantId": variant["variantId"],
                                  "available": str(available)}})

    out += [
        {"discount": {"code": "CODE-MARCH10", "percentOffBp": 1000, "active": True,
                      "expiresAt": "2027-03-31T23:59:59Z"}},
        {"discount": {"code": "MARCH10", "percentOffBp": 1000, "active": True,
                      "expiresAt": "2027-03-31T23:59:59Z"}},
        {"discount": {"code": "FIVEOFF", "amountOff": money(500), "active": True}},
        {"discount": {"code": "WELCOME15", "percentOffBp": 1500, "active": True,
                      "expiresAt": "2027-12-31T23:59:59Z"}},
        {"discount": {"code": "SUMMER20", "percentOffBp": 2000, "active": True,
                      "expiresAt": "2026-08-31T23:59:59Z"}},
        {"discount": {"code": "STAFF50", "percentOffBp": 5000, "active": False}},
    ]
    cities = [("Springfield", "IL", "62701"), ("Portland", "OR", "97201"),
              ("Austin", "TX", "73301"), ("Boston", "MA", "02108"), ("Denver", "CO", "80202")]
    tiers = ["", "silver", "gold", "platinum"]
    for i in range(1, 51):
        city, region, postal = cities[i % len(cities)]
        customer = {"customerId": f"cust-{i}", "loyaltyTier": tiers[i % len(tiers)],
                    "defaultAddress": {"name": f"Customer {i}", "lines": [f"{100 + i} Main St"],
                                       "city": city, "region": region, "postalCode": postal,
                                       "country": "US"},
                    "attributes": {"prime_member": "true" if i % 3 == 0 else "false"}}
        out.append({"customer": customer})
    for record in out:
        print(json.dumps(record, separators=(",", ":")))


if __name__ == "__main__":
    main()
