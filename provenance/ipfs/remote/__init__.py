"""Remote IPFS services, on one HTTP base (:mod:`.http`): a Kubo node's RPC API
(:mod:`.kubo`), an IPFS Pinning Service API (:mod:`.pinning`) and trustless HTTP gateways
(:mod:`.gateway`). Everything they return is verified against its CID before use."""
