"""Code shared by the pages: one subpackage per chapter of docs/, plus the figure helper."""
