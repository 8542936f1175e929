/**
 * The shape every Kafka API file in this folder exports: one object per API
 * (Kafka's `ApiKeys`), covering all the versions we speak, with version
 * branches inside `encode`/`decode`, as Kafka's JSON message schemas do.
 *
 * @module
 */

import type { Reader } from "./reader.ts";
import type { Writer } from "./writer.ts";

/**
 * One Kafka API: its key, the versions we implement, and the codecs.
 *
 * @typeParam Req The request body we encode.
 * @typeParam Res The response body we decode.
 *
 * @example Declaring an API
 * ```ts
 * import type { Api } from "./api.ts";
 * const Echo: Api<{ n: number }, { n: number }> = {
 *   name: "Echo", key: 9999, minVersion: 0, maxVersion: 0, flexibleFrom: 0,
 *   encode: (w, _v, req) => { w.int32(req.n).tags(true); },
 *   decode: (r) => ({ n: r.int32() }),
 * };
 * console.assert(Echo.key === 9999);
 * ```
 */
export interface Api<Req, Res> {
  /** Kafka's name for the API, e.g. `"Produce"`. */
  readonly name: string;
  /** Kafka's API key, e.g. 0 for Produce. */
  readonly key: number;
  /** The lowest version we can speak. */
  readonly minVersion: number;
  /** The highest version we can speak. */
  readonly maxVersion: number;
  /**
   * The first flexible version (compact types, tagged fields, request header
   * v2, response header v1); `Infinity` if none is.
   */
  readonly flexibleFrom: number;
  /** Writes the request body (not the header) for `version`. */
  encode(w: Writer, version: number, request: Req): void;
  /** Reads the response body (after the header) for `version`. */
  decode(r: Reader, version: number): Res;
}

/** The request body type of an {@linkcode Api}. */
export type RequestOf<A> = A extends Api<infer Req, unknown> ? Req : never;
/** The response body type of an {@linkcode Api}. */
export type ResponseOf<A> = A extends Api<unknown, infer Res> ? Res : never;
