"""Export schedule pages (filled in by the views work)."""
