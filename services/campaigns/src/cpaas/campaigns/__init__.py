"""cpaas.campaigns: bulk campaigns from a CSV file."""
