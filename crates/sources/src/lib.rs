//! Readers for registry and auxiliary datasets: RIR delegated stats, IANA registries, PeeringDB, CAIDA, AS names, ipasn, Spoofer.
