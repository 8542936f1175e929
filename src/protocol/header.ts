/**
 * Request and response headers.
 *
 * Request header v1: apiKey i16, apiVersion i16, correlationId i32, clientId
 * nullable STRING. v2 (flexible requests) adds a tagged-field section; the
 * clientId keeps its i16 length. Response header v0: correlationId; v1 adds
 * tagged fields. ApiVersions responses always use header v0, so a client that
 * does not yet know the broker's versions can still read them.
 *
 * @module
 */

import type { Api } from "./api.ts";
import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/** API key of ApiVersions, whose responses always use header v0. */
const API_VERSIONS_KEY = 18;

/**
 * Writes the request header for `api` at `version`.
 *
 * @example Usage
 * ```ts
 * import { Writer } from "./writer.ts";
 * import { writeRequestHeader } from "./header.ts";
 * const w = new Writer();
 * writeRequestHeader(w, { key: 18, flexibleFrom: 3 }, 3, 1, "edgekafka");
 * console.assert(w.length === 2 + 2 + 4 + 2 + 9 + 1);
 * ```
 */
export function writeRequestHeader(
  w: Writer,
  api: Pick<Api<unknown, unknown>, "key" | "flexibleFrom">,
  version: number,
  correlationId: number,
  clientId: string | null,
): void {
  w.int16(api.key).int16(version).int32(correlationId).nullableString(clientId);
  if (version >= api.flexibleFrom) w.uvarint(0);
}

/**
 * Reads the response header for `api` at `version`; returns the correlation id.
 *
 * @example Usage
 * ```ts
 * import { Reader } from "./reader.ts";
 * import { readResponseHeader } from "./header.ts";
 * const r = new Reader(new Uint8Array([0, 0, 0, 7, 0]));
 * console.assert(readResponseHeader(r, { key: 3, flexibleFrom: 9 }, 12) === 7);
 * ```
 */
export function readResponseHeader(
  r: Reader,
  api: Pick<Api<unknown, unknown>, "key" | "flexibleFrom">,
  version: number,
): number {
  const correlationId = r.int32();
  if (api.key !== API_VERSIONS_KEY && version >= api.flexibleFrom) r.taggedFields();
  return correlationId;
}
