"""The node kinds: what each kind of content node shows and does with a press or a typed text."""
