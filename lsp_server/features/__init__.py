"""LSP features, one module per method or family of methods; each defines `register(server)`."""
