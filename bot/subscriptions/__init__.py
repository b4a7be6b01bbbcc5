"""Subscriptions: which chats hear about which new articles, and the durable queue of notices."""
