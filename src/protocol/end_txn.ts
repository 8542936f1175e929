/**
 * EndTxn (key 26), versions 0–5: commit or abort the ongoing transaction.
 * Flexible from v3. With transaction version 2 (KIP-890), v5 responses carry
 * the producer id and epoch to use for the next transaction.
 *
 * @module
 */

import type { Api } from "./api.ts";
import { checkVersion } from "./api_errors.ts";

/**
 * EndTxn request body.
 *
 * @example Usage
 * ```ts
 * import type { EndTxnRequest } from "./end_txn.ts";
 * const req: EndTxnRequest = { transactionalId: "tx", producerId: 1000n, producerEpoch: 0, committed: true };
 * console.assert(req.committed);
 * ```
 */
export interface EndTxnRequest {
  /** The transactional id. */
  transactionalId: string;
  /** The current producer id. */
  producerId: bigint;
  /** The current producer epoch. */
  producerEpoch: number;
  /** True to commit, false to abort. */
  committed: boolean;
}

/**
 * EndTxn response body.
 *
 * @example Usage
 * ```ts
 * import type { EndTxnResponse } from "./end_txn.ts";
 * const res: EndTxnResponse = { throttleTimeMs: 0, errorCode: 0, producerId: 1000n, producerEpoch: 1 };
 * console.assert(res.producerEpoch === 1);
 * ```
 */
export interface EndTxnResponse {
  /** Throttle time in ms. */
  throttleTimeMs: number;
  /** The error, 0 if none. */
  errorCode: number;
  /** v5+: the producer id for the next transaction; -1 before. */
  producerId: bigint;
  /** v5+: the epoch for the next transaction; -1 before. */
  producerEpoch: number;
}

/**
 * The EndTxn API.
 *
 * @example Usage
 * ```ts
 * import { EndTxn } from "./end_txn.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * EndTxn.encode(w, 5, { transactionalId: "tx", producerId: 1000n, producerEpoch: 0, committed: true });
 * console.assert(w.length === 3 + 8 + 2 + 1 + 1);
 * ```
 */
export const EndTxn: Api<EndTxnRequest, EndTxnResponse> = {
  name: "EndTxn",
  key: 26,
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,

  encode(w, version, req) {
    checkVersion(EndTxn, version);
    const flexible = version >= 3;
    w.stringOf(flexible, req.transactionalId).int64(req.producerId).int16(req.producerEpoch);
    w.bool(req.committed).tags(flexible);
  },

  decode(r, version) {
    checkVersion(EndTxn, version);
    const res: EndTxnResponse = {
      throttleTimeMs: r.int32(),
      errorCode: r.int16(),
      producerId: version >= 5 ? r.int64() : -1n,
      producerEpoch: version >= 5 ? r.int16() : -1,
    };
    r.tags(version >= 3);
    return res;
  },
};
