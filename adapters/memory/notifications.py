from datetime import datetime, timedelta

from adapters.memory.store import NotificationRecord, State
from application.ports import NotificationRepository
from domain.ids import UserId
from domain.notifications import NewNotification


class InMemoryNotificationRepository(NotificationRepository):
    def __init__(self, state: State) -> None:
        self._state = state
        self.recipients: list[UserId] = []  # of the notifications added, signalled once they commit

    async def add(self, event_id: int, recipient: UserId, notification: NewNotification) -> None:
        if any(
            n.event_id == event_id and n.recipient_id == recipient for n in self._state.notifications.values()
        ):
            return
        self._state.last_notification_id += 1
        note_id = self._state.last_notification_id
        self._state.notifications[note_id] = NotificationRecord(note_id, recipient, event_id, notification)
        self.recipients.append(recipient)

    async def add_once_within(
        self, window: timedelta, event_id: int, recipient: UserId, notification: NewNotification
    ) -> None:
        told = (recipient, notification.actor_id, notification.kind.value, notification.article_slug or "")
        last = self._state.told.get(told)
        if last is not None and last > notification.created_at - window:
            return
        self._state.told[told] = notification.created_at
        await self.add(event_id, recipient, notification)

    async def add_for_followers(self, event_id: int, followee: UserId, notification: NewNotification) -> None:
        for follower in sorted(f for f, followed in self._state.follows if followed == followee):
            await self.add(event_id, follower, notification)

    async def mark_read(self, recipient: UserId, up_to: int, now: datetime) -> None:
        for note in self._state.notifications.values():
            if note.recipient_id == recipient and note.id <= up_to:
                note.read = True
