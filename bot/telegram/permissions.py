"""Who may change a chat's subscriptions and settings: anyone in a private chat, a group's admins,
and in a channel whoever can post there (Telegram lets only admins post) or, for a button under a
post, which any reader can press, an admin of the channel."""

from __future__ import annotations

from telegram import Chat, ChatMember, Update

from bot.i18n import N_
from bot.telegram.context import DossierContext

GROUP_ADMINS_ONLY = N_("In groups, only the group's admins can change its subscriptions.")
SETTINGS_ADMINS_ONLY = N_("Only this chat's admins can change its settings.")
LANGUAGE_ADMINS_ONLY = N_("Only this chat's admins can change its language.")


async def may_manage(update: Update, context: DossierContext) -> bool:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == Chat.PRIVATE:
        return True
    if chat.type == Chat.CHANNEL and update.callback_query is None:
        return True
    if user is None:  # an anonymous group admin posts as the group itself
        return update.effective_message is not None and update.effective_message.sender_chat == chat
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
