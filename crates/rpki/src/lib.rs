//! Streaming readers for VRP and ASPA files (rpki-client, Routinator, Cloudflare JSON; CSV).
