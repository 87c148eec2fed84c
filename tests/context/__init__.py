"""Engine tests: documents, retrieval, prompts, post-processing, validation, evaluation."""
