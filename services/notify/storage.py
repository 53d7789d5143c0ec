"""The notify schema's reads: the delivery log."""


async def message_page(connection, state: str | None, limit: int, offset: int):
    condition = "WHERE state = $1" if state else ""
    args = [state] if state else []
    total = await connection.fetchval(f"SELECT count(*) FROM messages {condition}",
                                      *args)
    rows = await connection.fetch(
        f"SELECT id, channel, recipient, template, state, attempts, last_error,"
        f" created_at, sent_at FROM messages {condition}"
        f" ORDER BY created_at DESC LIMIT {int(limit)} OFFSET {int(offset)}",
        *args,
    )
    return rows, total
