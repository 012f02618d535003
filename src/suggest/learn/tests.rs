//! Learning on a small fixture worked out by hand.
