"""The number inventory: what numbers exist, how they are generated and seeded."""
