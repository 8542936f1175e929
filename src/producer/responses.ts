/**
 * What a Produce response (or its absence) means for each batch, as Java's
 * `Sender.completeBatch`:
 *
 * - no error → records complete with their offsets;
 * - MESSAGE_TOO_LARGE with more than one record → split and re-queue;
 * - retriable (and within `delivery.timeout.ms` and `retries`) → re-queue,
 *   with idempotence deciding through its sequence rules;
 * - DUPLICATE_SEQUENCE_NUMBER → success (the broker has it already);
 * - anything else → the records fail; INVALID_RECORD's per-record errors
 *   reach the records they name.
 *
 * InvalidMetadata errors also refresh metadata; a KIP-951 leader hint in the
 * response is applied at once, so the retry goes to the new leader without
 * waiting for a metadata round trip or the retry backoff.
 *
 * @module
 */

import { ApiError, type KafkaError, KafkaError as KafkaErrorClass, TimeoutError } from "../errors.ts";
import type { BrokerNode } from "../metadata.ts";
import { apiError } from "../protocol/api_errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import type { ProduceResponse, ProduceResponsePartition } from "../protocol/produce.ts";
import type { ProducerBatch } from "./batch.ts";
import type { InFlightBatches } from "./in_flight.ts";
import type { SenderContext } from "./sender_context.ts";
import { splitBatch } from "./split.ts";

/**
 * Applies Produce outcomes to batches.
 *
 * @example Used by the sender
 * ```ts ignore
 * handler.onResponse(nodeId, batches, response);
 * ```
 */
export class ResponseHandler {
  readonly #c: SenderContext;
  /** The sender's in-flight set: answered batches are taken out here. */
  readonly #inFlight: InFlightBatches;

  constructor(context: SenderContext, inFlight: InFlightBatches) {
    this.#c = context;
    this.#inFlight = inFlight;
  }

  /** A Produce response arrived (`null` for acks=0, where none comes). */
  onResponse(nodeId: number, batches: readonly ProducerBatch[], response: ProduceResponse | null): void {
    const now = Date.now();
    if (response === null) {
      for (const b of batches) {
        this.#inFlight.delete(b);
        this.#complete(b, -1n, -1, now);
      }
      return;
    }
    const endpoints: BrokerNode[] = response.nodeEndpoints.map((n) => ({ id: n.nodeId, host: n.host, port: n.port, rack: n.rack }));
    // Built once per response, so matching is linear in its partitions (a request holds at most
    // one batch per partition). Each answered batch leaves the map: what stays was not answered.
    const unanswered = byPartition(batches);
    for (const t of response.topics) {
      const partitions = unanswered.get(t.name);
      if (partitions === undefined) continue;
      for (const p of t.partitions) {
        const b = partitions.get(p.index);
        if (b === undefined) continue; // not ours, or answered twice: the first answer counts
        partitions.delete(p.index);
        this.#inFlight.delete(b);
        this.#onPartition(b, p, endpoints, now);
      }
    }
    for (const partitions of unanswered.values()) {
      for (const b of partitions.values()) {
        // A response that leaves out a partition we sent: treat as a lost request (retriable).
        this.#inFlight.delete(b);
        this.#retryOrFail(b, ErrorCode.NETWORK_EXCEPTION, -1n,
          apiError(ErrorCode.NETWORK_EXCEPTION, `Node ${nodeId} answered without partition ${b.partition}`, label(b)), now);
      }
    }
  }

  /** The request failed as a whole (connection lost, request timeout). */
  onRequestFailed(_nodeId: number, batches: readonly ProducerBatch[], error: KafkaError): void {
    const now = Date.now();
    const code = error instanceof TimeoutError ? ErrorCode.REQUEST_TIMED_OUT : ErrorCode.NETWORK_EXCEPTION;
    for (const b of batches) {
      this.#inFlight.delete(b);
      this.#retryOrFail(b, error.retriable ? code : ErrorCode.UNKNOWN_SERVER_ERROR, -1n, withContext(error, b), now);
    }
  }

  /**
   * Fails a batch's records. `release` false keeps its memory (it is still
   * in flight; the response will release it).
   */
  failBatch(b: ProducerBatch, error: Error, now: number, release = true): void {
    const c = this.#c;
    if (!b.done) {
      c.metrics.recordErrors(b.recordCount, now);
      const perRecord = (error as { recordErrors?: Map<number, Error> }).recordErrors;
      b.fail(error, perRecord ? (i) => perRecord.get(i) ?? error : undefined);
      c.hooks?.onBatchFailed(b, error);
    }
    if (release && !this.#inFlight.has(b)) c.accumulator.release(b);
  }

  #onPartition(b: ProducerBatch, p: ProduceResponsePartition, endpoints: BrokerNode[], now: number): void {
    const c = this.#c;
    if (b.done) {
      // Expired while in flight: only the sequence bookkeeping learns the outcome.
      if (p.errorCode === ErrorCode.NONE) c.idempotence?.handleCompleted(b, p.baseOffset);
      else c.idempotence?.handleFailed(b, new KafkaErrorClass("Expired batch failed"), false);
      c.accumulator.release(b);
      return;
    }
    if (p.errorCode === ErrorCode.NONE) {
      this.#complete(b, p.baseOffset, Number(p.logAppendTimeMs), now);
      return;
    }
    const error = apiError(p.errorCode, p.errorMessage, label(b));
    if (error.invalidMetadata) {
      const leader = p.currentLeader;
      const hinted = leader !== null && leader.leaderId >= 0 &&
        c.metadata.updateLeader(b.topic, b.partition, leader.leaderId, leader.leaderEpoch, endpoints);
      if (!hinted) c.metadata.requestUpdate();
      if (p.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
        c.logger.warn("Topic-partition unknown to its leader: retrying after a metadata refresh", { topic: b.topic, partition: b.partition });
      }
    }
    if (p.errorCode === ErrorCode.MESSAGE_TOO_LARGE && b.recordCount > 1) {
      const target = Math.max(1, Math.min(c.batchSize, Math.floor(b.sizeInBytes / 2)));
      const parts = splitBatch(b, target);
      c.logger.info("Splitting a batch the broker found too large", { topic: b.topic, partition: b.partition, records: b.recordCount, batches: parts.length });
      c.idempotence?.replaceSplit(b, parts);
      c.accumulator.requeueSplit(b, parts, now);
      return;
    }
    if (p.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
      // The broker wrote it before but no longer remembers where: success, offset unknown.
      this.#complete(b, p.baseOffset, Number(p.logAppendTimeMs), now);
      return;
    }
    if (p.errorCode === ErrorCode.INVALID_RECORD && p.recordErrors.length > 0) {
      const perRecord = new Map<number, Error>();
      for (const re of p.recordErrors) {
        perRecord.set(re.batchIndex, apiError(ErrorCode.INVALID_RECORD, re.batchIndexErrorMessage ?? p.errorMessage, `${label(b)} record ${re.batchIndex}`));
      }
      const batchError = apiError(ErrorCode.INVALID_RECORD,
        "Failed to append record because it was part of a batch which had one or more invalid records", label(b));
      c.idempotence?.handleFailed(b, batchError, b.attempts < c.retries);
      this.failBatch(b, Object.assign(batchError, { recordErrors: perRecord }), now);
      return;
    }
    this.#retryOrFail(b, p.errorCode, p.logStartOffset, error, now);
  }

  #retryOrFail(b: ProducerBatch, code: number, logStartOffset: bigint, error: KafkaError, now: number): void {
    const c = this.#c;
    if (b.done) {
      c.idempotence?.handleFailed(b, error, false);
      c.accumulator.release(b);
      return;
    }
    const withinBounds = now - b.createdMs < c.deliveryTimeoutMs && b.attempts < c.retries;
    const retriable = error.retriable;
    const retry = withinBounds &&
      (c.idempotence === null ? retriable : c.idempotence.canRetry(code, logStartOffset, b, retriable));
    if (retry) {
      c.logger.debug("Retrying batch", { topic: b.topic, partition: b.partition, attempt: b.attempts + 1, error: error.message });
      c.metrics.recordRetries(b.recordCount, now);
      c.accumulator.reenqueue(b, now);
      return;
    }
    c.idempotence?.handleFailed(b, error, b.attempts < c.retries && !(error instanceof TimeoutError));
    this.failBatch(b, error, now);
  }

  #complete(b: ProducerBatch, baseOffset: bigint, logAppendTime: number, _now: number): void {
    const c = this.#c;
    c.idempotence?.handleCompleted(b, baseOffset);
    b.complete(baseOffset, logAppendTime);
    c.accumulator.release(b);
  }
}

/** Topic → partition → the request's batch, in request order. */
function byPartition(batches: readonly ProducerBatch[]): Map<string, Map<number, ProducerBatch>> {
  const out = new Map<string, Map<number, ProducerBatch>>();
  for (const b of batches) {
    let partitions = out.get(b.topic);
    if (partitions === undefined) out.set(b.topic, (partitions = new Map()));
    partitions.set(b.partition, b);
  }
  return out;
}

function label(b: ProducerBatch): string {
  return `Topic-partition "${b.topic}-${b.partition}"`;
}

/** Adds the topic-partition to a request-level error, keeping its class. */
function withContext(error: KafkaError, b: ProducerBatch): KafkaError {
  if (error instanceof ApiError) return error;
  const Ctor = error.constructor as new (message: string, options?: { cause?: unknown }) => KafkaError;
  try {
    return new Ctor(`${label(b)}: ${error.message}`, { cause: error });
  } catch {
    return error;
  }
}
