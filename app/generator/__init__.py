"""The number generator: real-looking numbers from libphonenumber's own data (pure, no database)."""
