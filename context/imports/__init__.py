"""Import statements decoded per style, and resolved to workspace files or packages."""
