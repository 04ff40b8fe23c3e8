//! Streaming MRT reader (RFC 6396, RFC 8050) built on bgpkit-parser, with bgpdump -m rendering.
