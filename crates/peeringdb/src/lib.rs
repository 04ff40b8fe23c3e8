//! Readers for PeeringDB dumps and API pages (net, org, ix, netixlan, poc).
