"""Witness cosigning (C2SP tlog-witness, tlog-cosignature): the witness the project ships
(:mod:`~fti_gateway.witness.server`), the gateway's client that asks witnesses to cosign
each new checkpoint (:mod:`~fti_gateway.witness.client`), and the quorum policy
(:mod:`~fti_gateway.witness.policy`)."""
