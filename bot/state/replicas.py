"""What several replicas of the bot agree on through the database: who does a job (a lease), who is
alive (heartbeats), and how fast the bot token may send (one pace shared by all).

Times here come from the database's clock (PostgreSQL's), so replicas on machines whose clocks
differ still agree when a lease has expired.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update

from bot.state.common import insert_ignoring, insert_new, upsert
from bot.state.database import Database
from bot.state.schema import heartbeats, leases, send_budget


class Lease:
    """A named job held by one replica at a time; it lapses `ttl` seconds after its last renewal.

    The holder renews it well within `ttl`; when the holder dies (or stalls), another replica takes
    it over on its next try after the lapse.
    """

    def __init__(self, database: Database, name: str, holder: str, ttl: float):
        self.database = database
        self.name = name
        self.holder = holder
        self.ttl = ttl

    def hold(self) -> bool:
        """Take or renew the lease; True while this replica holds it."""
        with self.database.transaction() as db:
            now = self.database.now(db)
            row = {"name": self.name, "holder": self.holder, "expires_at": now + self.ttl}
            if insert_new(db, self.database, leases, row):
                return True
            renewed = db.execute(
                update(leases)
                .where(leases.c.name == self.name)
                .where((leases.c.holder == self.holder) | (leases.c.expires_at < now))
                .values(holder=self.holder, expires_at=now + self.ttl)
            )
            return renewed.rowcount > 0

    def holder_now(self) -> str | None:
        """Who holds the lease now (None when nobody does)."""
        with self.database.transaction() as db:
            now = self.database.now(db)
            row = db.execute(
                select(leases.c.holder, leases.c.expires_at).where(leases.c.name == self.name)
            ).first()
        return str(row.holder) if row is not None and row.expires_at >= now else None

    def release(self) -> None:
        with self.database.transaction() as db:
            db.execute(delete(leases).where(leases.c.name == self.name, leases.c.holder == self.holder))


def beat(database: Database, replica: str, detail: str = "") -> None:
    """Record that this replica is alive."""
    with database.transaction() as db:
        values = {"replica": replica, "beat_at": database.now(db), "detail": detail}
        db.execute(upsert(database, heartbeats, ["replica"], values))


@dataclass(frozen=True)
class Heartbeat:
    replica: str
    age: float  # seconds since its last beat
    detail: str


def heartbeat_ages(database: Database) -> list[Heartbeat]:
    with database.transaction() as db:
        now = database.now(db)
        rows = db.execute(select(heartbeats).order_by(heartbeats.c.replica)).all()
    return [Heartbeat(r.replica, now - r.beat_at, r.detail) for r in rows]


class SendPace:
    """Messages per second allowed to the bot token in total, however many replicas send.

    Every send reserves the next free slot (1/rate seconds after the previous one) in one row of the
    database and waits until it: the sum over replicas never exceeds the rate, and no burst forms.
    """

    def __init__(self, database: Database, rate: float, name: str = "messages"):
        self.database = database
        self.rate = rate
        self.name = name

    def reserve(self) -> float:
        """Seconds to wait before sending the next message (0 when the cap is off)."""
        if self.rate <= 0:
            return 0.0
        with self.database.transaction() as db:
            now = self.database.now(db)
            db.execute(insert_ignoring(self.database, send_budget).values(name=self.name, next_at=now))
            query = select(send_budget.c.next_at).where(send_budget.c.name == self.name)
            if self.database.dialect == "postgresql":
                query = query.with_for_update()
            slot = max(float(db.execute(query).scalar_one()), now)
            db.execute(
                update(send_budget)
                .where(send_budget.c.name == self.name)
                .values(next_at=slot + 1 / self.rate)
            )
        return slot - now
