//! Files on a helper thread (being written).
