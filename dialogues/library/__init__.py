"""The content library: the model, its YAML loader, the validator, readability, the UI text keys."""
