"""Migration revisions, named by date."""
