"""Limit/offset pagination for every list: the query parameters and the page envelope.

A page is ``{"items": [...], "total": N, "limit": L, "offset": O, "next": URL | null}``;
``next`` is the same request with the offset moved on, or null on the last page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, Field

T = TypeVar("T")

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
#: Offsets beyond this are refused: no list here is that long, and it keeps SQL integers small.
MAX_OFFSET = 1_000_000


@dataclass(frozen=True)
class PageParams:
    """The requested window of a list."""

    limit: int
    offset: int


async def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")] = 0,
) -> PageParams:
    """FastAPI dependency reading ``limit`` and ``offset``."""
    return PageParams(limit=limit, offset=offset)


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int = Field(description="Number of items in the whole list.")
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page, or null on the last page.")


def make_page(request: Request, items: Sequence[T], total: int, params: PageParams) -> Page[T]:
    """Build the envelope, with a ``next`` link when more items follow."""
    following = params.offset + len(items)
    next_url: str | None = None
    if following < total and items:
        next_url = str(request.url.include_query_params(limit=params.limit, offset=following))
    return Page[T](
        items=list(items), total=total, limit=params.limit, offset=params.offset, next=next_url
    )


def slice_page(request: Request, items: Sequence[T], params: PageParams) -> Page[T]:
    """Page an in-memory sequence (for short lists loaded whole)."""
    window = items[params.offset : params.offset + params.limit]
    return make_page(request, window, len(items), params)
