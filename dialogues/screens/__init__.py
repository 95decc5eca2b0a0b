"""The screens: positions outside the flows, each opened by a command or a menu button (the
plan, the answers, export, reminders, language, privacy, a person's groups)."""
