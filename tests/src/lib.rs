//! Shared helpers of the workspace-level integration tests live in `tests/tests/common`.
