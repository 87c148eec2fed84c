"""Stage 2, the prompt: token-budgeted assembly, model templates, token counts."""
