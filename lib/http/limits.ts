/** The HTTP server's limits, apart from the code that enforces them (so settings can name them without loading it). */

/** Connection deadlines and the connection cap. */
export interface ConnectionLimits {
  /** The whole header block must arrive within this (408, then the connection is closed). */
  headersMs: number;
  /** The whole request, body included, must arrive within this (408). */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  idleMs: number;
  /** How often deadlines are checked: they fire up to this much late. */
  checkEveryMs: number;
  /** Connections open at once; beyond it new ones are closed on arrival. */
  maxConnections: number;
}

/**
 * Production limits: deadlines generous for a slow link, short enough that idle sockets do not
 * pile up; connections for a team's worth of MCP clients (each holds one to three).
 */
export const LIMITS: ConnectionLimits = {
  headersMs: 10_000,
  requestMs: 60_000,
  idleMs: 5_000,
  checkEveryMs: 1_000,
  maxConnections: 256,
};

/** Request body cap (1 MiB): the largest tool call is a few KB. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Deadline for a request body to arrive. */
export const BODY_TIMEOUT_MS = 30_000;
