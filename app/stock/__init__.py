"""The inventory: the query model, the one filter-to-SQL translation, searches, changes, seeding."""
