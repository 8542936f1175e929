/**
 * ApiVersions (key 18), versions 0–4: which API versions and features a
 * broker supports. Flexible from v3; its responses always use header v0.
 *
 * A broker that does not support the requested ApiVersions version answers
 * with a **v0** body carrying `UNSUPPORTED_VERSION` (35) and its own
 * ApiVersions range; {@linkcode ApiVersions.decode} detects it (the error code
 * is the first field in every version) and reads that body as v0, whatever
 * version was asked for. The caller then retries with the broker's highest.
 *
 * @module
 */

import type { Api } from "./api.ts";
import { checkVersion } from "./api_errors.ts";
import { Reader } from "./reader.ts";

/** UNSUPPORTED_VERSION, the error of the v0 fallback body. */
const UNSUPPORTED_VERSION = 35;

/**
 * ApiVersions request body.
 *
 * @example Usage
 * ```ts
 * import type { ApiVersionsRequest } from "./api_versions.ts";
 * const req: ApiVersionsRequest = { clientSoftwareName: "edgekafka", clientSoftwareVersion: "0.1.0" };
 * console.assert(req.clientSoftwareName === "edgekafka");
 * ```
 */
export interface ApiVersionsRequest {
  /**
   * v3+ (ignorable: not sent before); default `""`. Brokers want it to match
   * `[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?`.
   */
  clientSoftwareName?: string;
  /** v3+ (ignorable), same rules as the name; default `""`. */
  clientSoftwareVersion?: string;
}

/** One API the broker supports. */
export interface ApiVersionsResponseKey {
  /** The API key. */
  apiKey: number;
  /** Lowest supported version, inclusive. */
  minVersion: number;
  /** Highest supported version, inclusive. */
  maxVersion: number;
}

/** A feature the broker supports (v3+ tag 0). */
export interface SupportedFeatureKey {
  /** Feature name, e.g. `"transaction.version"`. */
  name: string;
  /** Lowest supported version. */
  minVersion: number;
  /** Highest supported version. */
  maxVersion: number;
}

/** A cluster-wide finalized feature level (v3+ tag 2). */
export interface FinalizedFeatureKey {
  /** Feature name, e.g. `"transaction.version"`. */
  name: string;
  /** The finalized max version level. */
  maxVersionLevel: number;
  /** The finalized min version level. */
  minVersionLevel: number;
}

/**
 * ApiVersions response body. Fields a version lacks read as Kafka's defaults.
 *
 * @example Usage
 * ```ts
 * import type { ApiVersionsResponse } from "./api_versions.ts";
 * const res: ApiVersionsResponse = {
 *   errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 12 }], throttleTimeMs: 0,
 *   supportedFeatures: [], finalizedFeaturesEpoch: -1n, finalizedFeatures: [], zkMigrationReady: false,
 * };
 * console.assert(res.apiKeys[0]!.maxVersion === 12);
 * ```
 */
export interface ApiVersionsResponse {
  /** Top-level error; 35 (UNSUPPORTED_VERSION) for the v0 fallback body. */
  errorCode: number;
  /** The APIs the broker supports. */
  apiKeys: ApiVersionsResponseKey[];
  /** v1+; 0 before. */
  throttleTimeMs: number;
  /** v3+ tag 0; empty when absent. */
  supportedFeatures: SupportedFeatureKey[];
  /** v3+ tag 1; -1 when absent (unknown epoch). */
  finalizedFeaturesEpoch: bigint;
  /** v3+ tag 2; valid only if `finalizedFeaturesEpoch >= 0`; empty when absent. */
  finalizedFeatures: FinalizedFeatureKey[];
  /** v3+ tag 3; false when absent. */
  zkMigrationReady: boolean;
}

function readApiKey(r: Reader, flexible: boolean): ApiVersionsResponseKey {
  const k = { apiKey: r.int16(), minVersion: r.int16(), maxVersion: r.int16() };
  r.tags(flexible);
  return k;
}

function readSupportedFeature(r: Reader): SupportedFeatureKey {
  const f = { name: r.compactString(), minVersion: r.int16(), maxVersion: r.int16() };
  r.taggedFields();
  return f;
}

function readFinalizedFeature(r: Reader): FinalizedFeatureKey {
  const f = { name: r.compactString(), maxVersionLevel: r.int16(), minVersionLevel: r.int16() };
  r.taggedFields();
  return f;
}

function readBody(r: Reader, version: number): ApiVersionsResponse {
  const flexible = version >= 3;
  const res: ApiVersionsResponse = {
    errorCode: r.int16(),
    apiKeys: flexible ? r.compactArray((r) => readApiKey(r, true)) : r.array((r) => readApiKey(r, false)),
    throttleTimeMs: version >= 1 ? r.int32() : 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
  if (flexible) {
    r.taggedFields((tag, body) => {
      if (tag === 0) res.supportedFeatures = body.compactArray(readSupportedFeature);
      else if (tag === 1) res.finalizedFeaturesEpoch = body.int64();
      else if (tag === 2) res.finalizedFeatures = body.compactArray(readFinalizedFeature);
      else if (tag === 3) res.zkMigrationReady = body.bool();
    });
  }
  return res;
}

/**
 * The ApiVersions API.
 *
 * @example Usage
 * ```ts
 * import { ApiVersions } from "./api_versions.ts";
 * import { Reader } from "./reader.ts";
 * import { Writer } from "./writer.ts";
 * const w = new Writer();
 * ApiVersions.encode(w, 3, { clientSoftwareName: "edgekafka", clientSoftwareVersion: "0.1.0" });
 * // A v0 UNSUPPORTED_VERSION body decodes whatever version was requested.
 * const body = new Uint8Array([0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 2]);
 * const res = ApiVersions.decode(new Reader(body), 4);
 * console.assert(res.errorCode === 35 && res.apiKeys[0]!.maxVersion === 2);
 * ```
 */
export const ApiVersions: Api<ApiVersionsRequest, ApiVersionsResponse> = {
  name: "ApiVersions",
  key: 18,
  minVersion: 0,
  maxVersion: 4,
  flexibleFrom: 3,

  encode(w, version, req) {
    checkVersion(ApiVersions, version);
    if (version >= 3) {
      // Both fields are ignorable: older versions simply do not send them.
      w.compactString(req.clientSoftwareName ?? "").compactString(req.clientSoftwareVersion ?? "").uvarint(0);
    }
  },

  decode(r, version) {
    checkVersion(ApiVersions, version);
    if (version === 0) return readBody(r, 0);
    // Peek the error code (first in every version) without consuming it.
    const body = r.raw(r.remaining);
    const errorCode = body.length >= 2 ? (body[0]! << 8) | body[1]! : -1;
    return readBody(new Reader(body), errorCode === UNSUPPORTED_VERSION ? 0 : version);
  },
};
