"""Stage 4, post-processing: line mode, the streaming stop rules, whole-text truncation."""
