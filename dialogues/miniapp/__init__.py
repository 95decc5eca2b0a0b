"""The engine's side of the Mini App: a posted change read into bounded values (`change`),
applied like a press in the chat (`edit`), and the plan as the page shows it (`view`)."""
