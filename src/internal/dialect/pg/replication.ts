import type { PoolerCapability, ReplicationCapability } from "../Dialect.js"

/**
 * Read replicas are streaming hot standbys. One round trip checks the
 * replica's role and whether it has replayed what the read must see: a
 * promoted replica (no longer in recovery) takes writes of its own and is no
 * replica of ours any more.
 *
 * @internal
 */
export const replication: ReplicationCapability = {
  primaryPosition: "SELECT pg_current_wal_lsn()::text AS lsn",
  replicaCheck:
    "SELECT pg_is_in_recovery() AS standby, ($1::pg_lsn IS NULL OR pg_last_wal_replay_lsn() >= $1::pg_lsn) AS caught_up"
}

/**
 * PgBouncer and the poolers of managed services in transaction mode.
 *
 * @internal
 */
export const pooler: PoolerCapability = { modes: ["transaction"] }
