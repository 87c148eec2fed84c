"""Generate code from comment: where it applies (`target`), what is sent and inserted
(`render`), and the draft from the pipeline (`draft`)."""
