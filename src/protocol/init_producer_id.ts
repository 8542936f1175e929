/**
 * InitProducerId (key 22), versions 0–5: get a producer id and epoch for
 * idempotence or transactions (or bump the epoch, KIP-360, v3+). Flexible
 * from v2.
 *
 * @module
 */

import type { Api } from "./api.ts";
import { checkVersion, unsupportedField } from "./api_errors.ts";

/**
 * InitProducerId request body.
 *
 * @example Usage
 * ```ts
 * import type { InitProducerIdRequest } from "./init_producer_id.ts";
 * const req: InitProducerIdRequest = { transactionalId: null, transactionTimeoutMs: 60000 };
 * console.assert(req.transactionalId === null);
 * ```
 */
export interface InitProducerIdRequest {
  /** The transactional id, or null for an idempotent-only producer. */
  transactionalId: string | null;
  /** Transaction timeout in ms (only relevant with a transactional id). */
  transactionTimeoutMs: number;
  /**
   * v3+: the current producer id, to bump its epoch (KIP-360); default -1.
   * Not ignorable: another value cannot be sent before v3.
   */
  producerId?: bigint;
  /** v3+: the current epoch; default -1. Not ignorable. */
  producerEpoch?: number;
}

/**
 * InitProducerId response body.
 *
 * @example Usage
 * ```ts
 * import type { InitProducerIdResponse } from "./init_producer_id.ts";
 * const res: InitProducerIdResponse = { throttleTimeMs: 0, errorCode: 0, producerId: 1000n, producerEpoch: 0 };
 * console.assert(res.producerId === 1000n);
 * ```
 */
export interface InitProducerIdResponse {
  /** Throttle time in ms. */
  throttleTimeMs: number;
  /** The error, 0 if none. */
  errorCode: number;
  /** The producer id (-1 on error). */
  producerId: bigint;
  /** The producer epoch. */
  producerEpoch: number;
}

/**
 * The InitProducerId API.
 *
 * @example Usage
 * ```ts
 * import { InitProducerId } from "./init_producer_id.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * InitProducerId.encode(w, 5, { transactionalId: "tx", transactionTimeoutMs: 60000 });
 * console.assert(w.length === 3 + 4 + 8 + 2 + 1);
 * ```
 */
export const InitProducerId: Api<InitProducerIdRequest, InitProducerIdResponse> = {
  name: "InitProducerId",
  key: 22,
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 2,

  encode(w, version, req) {
    checkVersion(InitProducerId, version);
    const flexible = version >= 2;
    w.nullableStringOf(flexible, req.transactionalId).int32(req.transactionTimeoutMs);
    const producerId = req.producerId ?? -1n;
    const producerEpoch = req.producerEpoch ?? -1;
    if (version >= 3) {
      w.int64(producerId).int16(producerEpoch);
    } else {
      if (producerId !== -1n) throw unsupportedField("InitProducerId", "producerId", version);
      if (producerEpoch !== -1) throw unsupportedField("InitProducerId", "producerEpoch", version);
    }
    w.tags(flexible);
  },

  decode(r, version) {
    checkVersion(InitProducerId, version);
    const flexible = version >= 2;
    const res: InitProducerIdResponse = {
      throttleTimeMs: r.int32(),
      errorCode: r.int16(),
      producerId: r.int64(),
      producerEpoch: r.int16(),
    };
    r.tags(flexible);
    return res;
  },
};
