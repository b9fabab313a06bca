"""From a spreadsheet to standard files: reading, layout, mapping, pseudonymising, preparing."""
