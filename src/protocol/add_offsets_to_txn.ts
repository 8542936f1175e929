/**
 * AddOffsetsToTxn (key 25), versions 0–4: add a consumer group's offsets
 * topic partition to the ongoing transaction, before TxnOffsetCommit
 * (transaction version 1; TV2 skips it). Flexible from v3.
 *
 * @module
 */

import type { Api } from "./api.ts";
import { checkVersion } from "./api_errors.ts";

/**
 * AddOffsetsToTxn request body.
 *
 * @example Usage
 * ```ts
 * import type { AddOffsetsToTxnRequest } from "./add_offsets_to_txn.ts";
 * const req: AddOffsetsToTxnRequest = { transactionalId: "tx", producerId: 1000n, producerEpoch: 0, groupId: "g" };
 * console.assert(req.groupId === "g");
 * ```
 */
export interface AddOffsetsToTxnRequest {
  /** The transactional id. */
  transactionalId: string;
  /** The current producer id. */
  producerId: bigint;
  /** The current producer epoch. */
  producerEpoch: number;
  /** The consumer group whose offsets will be committed. */
  groupId: string;
}

/**
 * AddOffsetsToTxn response body.
 *
 * @example Usage
 * ```ts
 * import type { AddOffsetsToTxnResponse } from "./add_offsets_to_txn.ts";
 * const res: AddOffsetsToTxnResponse = { throttleTimeMs: 0, errorCode: 0 };
 * console.assert(res.errorCode === 0);
 * ```
 */
export interface AddOffsetsToTxnResponse {
  /** Throttle time in ms. */
  throttleTimeMs: number;
  /** The error, 0 if none. */
  errorCode: number;
}

/**
 * The AddOffsetsToTxn API.
 *
 * @example Usage
 * ```ts
 * import { AddOffsetsToTxn } from "./add_offsets_to_txn.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * AddOffsetsToTxn.encode(w, 4, { transactionalId: "tx", producerId: 1000n, producerEpoch: 0, groupId: "g" });
 * console.assert(w.length === 3 + 8 + 2 + 2 + 1);
 * ```
 */
export const AddOffsetsToTxn: Api<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse> = {
  name: "AddOffsetsToTxn",
  key: 25,
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,

  encode(w, version, req) {
    checkVersion(AddOffsetsToTxn, version);
    const flexible = version >= 3;
    w.stringOf(flexible, req.transactionalId).int64(req.producerId).int16(req.producerEpoch);
    w.stringOf(flexible, req.groupId).tags(flexible);
  },

  decode(r, version) {
    checkVersion(AddOffsetsToTxn, version);
    const res: AddOffsetsToTxnResponse = { throttleTimeMs: r.int32(), errorCode: r.int16() };
    r.tags(version >= 3);
    return res;
  },
};
