"""Score reports: the printable individual and sitting reports and their JSON."""
