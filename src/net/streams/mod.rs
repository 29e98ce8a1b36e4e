//! asyncio-style streams (being written).
