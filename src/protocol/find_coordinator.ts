/**
 * FindCoordinator (key 10), versions 0–6: which broker coordinates a group or
 * a transactional id. v0–3 look up one key; v4+ look up a batch. Flexible
 * from v3. The response is normalised to a list of results for every version.
 *
 * @module
 */

import type { Api } from "./api.ts";
import { UnsupportedVersionError } from "./api_error_classes.ts";
import { checkVersion, unsupportedField } from "./api_errors.ts";
import type { Reader } from "./reader.ts";

/**
 * Coordinator key types (`KeyType`).
 *
 * @example Usage
 * ```ts
 * import { CoordinatorKeyType } from "./find_coordinator.ts";
 * console.assert(CoordinatorKeyType.TRANSACTION === 1);
 * ```
 */
export const CoordinatorKeyType = Object.freeze({ GROUP: 0, TRANSACTION: 1, SHARE: 2 } as const);

/**
 * FindCoordinator request body. v0–3 send exactly one key (the schema's
 * `Key`); v4+ send them all (`CoordinatorKeys`).
 *
 * @example Usage
 * ```ts
 * import type { FindCoordinatorRequest } from "./find_coordinator.ts";
 * const req: FindCoordinatorRequest = { keyType: 1, coordinatorKeys: ["my-txn"] };
 * console.assert(req.coordinatorKeys.length === 1);
 * ```
 */
export interface FindCoordinatorRequest {
  /** v1+: 0 group (default), 1 transaction, 2 share. Not ignorable: only 0 in v0. */
  keyType?: number;
  /** The keys (group ids or transactional ids); exactly one before v4. */
  coordinatorKeys: string[];
}

/** The coordinator of one key. */
export interface FindCoordinatorResult {
  /** The key (v4+); null in v0–3, whose single result is for the single key asked. */
  key: string | null;
  /** The coordinator's broker id. */
  nodeId: number;
  /** Its host. */
  host: string;
  /** Its port. */
  port: number;
  /** The error, 0 if none (e.g. COORDINATOR_NOT_AVAILABLE). */
  errorCode: number;
  /** v1+; null before and when there is no error. */
  errorMessage: string | null;
}

/**
 * FindCoordinator response body, normalised: one result per key in every version.
 *
 * @example Usage
 * ```ts
 * import type { FindCoordinatorResponse } from "./find_coordinator.ts";
 * const res: FindCoordinatorResponse = { throttleTimeMs: 0, coordinators: [
 *   { key: "my-txn", nodeId: 1, host: "127.0.0.1", port: 9092, errorCode: 0, errorMessage: null },
 * ] };
 * console.assert(res.coordinators[0]!.nodeId === 1);
 * ```
 */
export interface FindCoordinatorResponse {
  /** v1+; 0 before. */
  throttleTimeMs: number;
  /** One result per key (a single one in v0–3). */
  coordinators: FindCoordinatorResult[];
}

function readCoordinator(r: Reader): FindCoordinatorResult {
  const c: FindCoordinatorResult = {
    key: r.compactString(),
    nodeId: r.int32(),
    host: r.compactString(),
    port: r.int32(),
    errorCode: r.int16(),
    errorMessage: r.compactNullableString(),
  };
  r.taggedFields();
  return c;
}

/**
 * The FindCoordinator API.
 *
 * @example Usage
 * ```ts
 * import { FindCoordinator } from "./find_coordinator.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * FindCoordinator.encode(w, 6, { keyType: 1, coordinatorKeys: ["my-txn"] });
 * console.assert(w.length === 1 + 1 + 1 + 6 + 1);
 * ```
 */
export const FindCoordinator: Api<FindCoordinatorRequest, FindCoordinatorResponse> = {
  name: "FindCoordinator",
  key: 10,
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 3,

  encode(w, version, req) {
    checkVersion(FindCoordinator, version);
    const flexible = version >= 3;
    const keys = req.coordinatorKeys;
    if (version < 4) {
      if (keys.length !== 1) {
        throw new UnsupportedVersionError(
          `FindCoordinator version "${version}" looks up exactly one key, got ${keys.length}`,
        );
      }
      w.stringOf(flexible, keys[0]!);
    }
    const keyType = req.keyType ?? 0;
    if (version >= 1) w.int8(keyType);
    else if (keyType !== 0) throw unsupportedField("FindCoordinator", "keyType", version);
    if (version >= 4) {
      w.uvarint(keys.length + 1);
      for (const k of keys) w.compactString(k);
    }
    w.tags(flexible);
  },

  decode(r, version) {
    checkVersion(FindCoordinator, version);
    const flexible = version >= 3;
    const throttleTimeMs = version >= 1 ? r.int32() : 0;
    if (version >= 4) {
      const coordinators = r.compactArray(readCoordinator);
      r.taggedFields();
      return { throttleTimeMs, coordinators };
    }
    const errorCode = r.int16();
    const errorMessage = version >= 1 ? r.nullableStringOf(flexible) : null;
    const nodeId = r.int32();
    const host = r.stringOf(flexible);
    const port = r.int32();
    r.tags(flexible);
    return { throttleTimeMs, coordinators: [{ key: null, nodeId, host, port, errorCode, errorMessage }] };
  },
};
