"""Editor integration tests: headless Neovim and the VS Code extension manifest."""
