"""The `fillin` subcommands, one module each."""
