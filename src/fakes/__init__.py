"""verified-fakes."""
