"""The Telegram surface: PTB handlers that parse updates, call the answering service and render answers."""
