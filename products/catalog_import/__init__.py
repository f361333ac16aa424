"""The seller's catalog import from CSV: its services (jobs, quota, rows applied through the
catalog's services) and its background tasks. The CSV format itself is products.catalog_csv."""
