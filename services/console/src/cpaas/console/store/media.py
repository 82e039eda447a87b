"""SQL of uploaded template media: the bytes with their type, size and SHA-256, by a random id."""

import hashlib
from datetime import datetime

import asyncpg


class MediaStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def add(self, media_id: str, account_id: int, filename: str, content_type: str, data: bytes) -> datetime:
        """Stores the upload; returns when it was stored."""
        return await self.pool.fetchval(
            "INSERT INTO media (id, account_id, filename, content_type, size_bytes, sha256, data)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at",
            media_id,
            account_id,
            filename,
            content_type,
            len(data),
            hashlib.sha256(data).digest(),
            data,
        )

    async def get(self, media_id: str) -> asyncpg.Record | None:
        return await self.pool.fetchrow("SELECT content_type, data, sha256 FROM media WHERE id = $1", media_id)
