//! Provisional wire types (minimal subset) until the complete, proto-checked set lands.
