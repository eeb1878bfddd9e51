"""The store: the only state shared between pipeline stages."""

from broadsheet.store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
