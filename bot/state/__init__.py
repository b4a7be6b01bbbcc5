"""The bot's own state (subscriptions, the outbox, feeds, conversations, limits, leases): one
interface over a SQLite file on one machine or PostgreSQL shared by several replicas."""
