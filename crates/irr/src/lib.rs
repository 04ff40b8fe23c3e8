//! Streaming RPSL (IRR dump) reader, RFC 2622 / RFC 4012.
