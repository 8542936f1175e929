/**
 * The sender loop, as Java's `Sender` — the producer's "I/O thread" turned
 * into an event-loop task: it runs when something changes (a batch filled
 * up, a response arrived, a connection opened, metadata came) or a deadline
 * passes (linger, retry backoff, delivery timeout, metadata age), and each
 * run does: metadata → producer id → ready → drain → expire → send one
 * Produce request per broker; responses complete, retry, split or fail batches (`responses.ts`).
 *
 * @module
 */

import { backoffMs } from "../backoff.ts";
import { ConnectionError, type KafkaError, TimeoutError } from "../errors.ts";
import type { BrokerNode } from "../metadata.ts";
import { crc32c, crc32cReady, isCrc32cReady } from "../protocol/crc32c.ts";
import { InitProducerId } from "../protocol/init_producer_id.ts";
import { Metadata as MetadataApi } from "../protocol/metadata.ts";
import { Produce, type ProduceRequestTopic, type ProduceResponse } from "../protocol/produce.ts";
import { apiError } from "../protocol/api_errors.ts";
import { ErrorCode } from "../protocol/error_codes.ts";
import type { ProducerBatch } from "./batch.ts";
import { produceVersionFor } from "./compression.ts";
import { InFlightBatches } from "./in_flight.ts";
import { ResponseHandler } from "./responses.ts";
import type { SenderContext } from "./sender_context.ts";

/**
 * The producer's I/O loop.
 *
 * @example Driven by the producer
 * ```ts ignore
 * const sender = new Sender(context);
 * sender.wakeup(); // after appending a batch that filled up
 * ```
 */
export class Sender {
  readonly #c: SenderContext;
  readonly #responses: ResponseHandler;
  /** A run is queued as a microtask (coalesces wakeups). */
  #scheduled = false;
  /** The timer for the next deadline, and when it fires. */
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Infinity;
  /** Batches sent and not answered; shared with the response handler, which takes answered ones out. */
  readonly #inFlight = new InFlightBatches();
  /** A metadata request is under way. */
  #metadataInFlight = false;
  /** An InitProducerId request is under way (idempotent producer). */
  #producerIdInFlight = false;
  /** Failed InitProducerId attempts in a row, and when the next may go (retry backoff). */
  #producerIdAttempts = 0;
  #producerIdRetryAt = 0;
  /** Set by `close()`: stop the loop for good. */
  #stopped = false;
  /** Callbacks waiting for the loop to have nothing queued nor in flight. */
  #idleWaiters: Array<() => void> = [];

  constructor(context: SenderContext) {
    this.#c = context;
    this.#responses = new ResponseHandler(context, this.#inFlight);
  }

  /** Asks for a run as soon as the current task ends. */
  wakeup(): void {
    if (this.#scheduled || this.#stopped) return;
    this.#scheduled = true;
    queueMicrotask(() => this.#run());
  }

  /** How many batches are in flight (for metrics). */
  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** Resolves when nothing is queued nor in flight (or the loop stops). */
  whenIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops the loop; in-flight requests are left to the caller to fail. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#notifyIdle(true);
  }

  #isIdle(): boolean {
    return this.#inFlight.size === 0 && !this.#c.accumulator.hasQueued();
  }

  #notifyIdle(force = false): void {
    if (this.#idleWaiters.length === 0 || (!force && !this.#isIdle())) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #run(): void {
    this.#scheduled = false;
    if (this.#stopped) return;
    const now = Date.now();
    let next = Infinity;
    try {
      next = this.#runOnce(now);
    } catch (error) {
      // A bug must not leave sends hanging: log it and try again shortly.
      this.#c.logger.error("Sender loop failed", { error: String(error) });
      next = 100;
    }
    this.#notifyIdle();
    this.#schedule(next, now);
  }

  #schedule(delayMs: number, now: number): void {
    if (!Number.isFinite(delayMs) || this.#stopped) return;
    const at = now + Math.max(0, delayMs);
    if (this.#timer !== null && this.#timerAt <= at) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.#run();
    }, at - now);
  }

  /** One pass of the loop; returns milliseconds until the next deadline. */
  #runOnce(now: number): number {
    const c = this.#c;
    let next = this.#maybeUpdateMetadata(now);
    let mayProduce = true;
    const idem = c.idempotence;
    if (idem !== null) {
      if (idem.fatalError !== null) {
        this.failQueued(idem.fatalError);
        return next;
      }
      const abortable = idem.maybeResolveSequences();
      if (abortable !== null) c.hooks?.onAbortableError(abortable);
      if (!idem.bumpEpochIfRequired()) c.logger.info("Producer epoch exhausted: fetching a new producer id");
      if (!idem.hasProducerId()) {
        mayProduce = false;
        if (!idem.transactional) next = Math.min(next, this.#maybeInitProducerId(now));
      }
    }
    if (c.hooks && !c.hooks.beforeDrain(now)) mayProduce = false;
    if (!isCrc32cReady()) {
      // Batches cannot be sealed before the checksum's WebAssembly is loaded.
      mayProduce = false;
      void crc32cReady().then(() => this.wakeup());
    }

    const result = c.accumulator.ready(c.metadata, now, c.pool.queued > 0);
    if (result.unknownLeaderTopics.size > 0) {
      // The update is due now: the metadata step sends it, or says how long until it may (never 0
      // while a request is in flight or a connection is opening — their answer wakes the loop).
      c.metadata.requestUpdate();
      next = Math.min(next, this.#maybeUpdateMetadata(now));
    }
    for (const id of result.readyNodes) {
      const node = c.metadata.node(id);
      if (node === undefined || !c.client.ready(node, now)) {
        result.readyNodes.delete(id);
        // Reconnect backoff, or a quota's throttle time (KIP-219): the loop wakes when it ends.
        const delay = c.client.pollDelay(id, now);
        if (delay > 0) next = Math.min(next, delay);
      }
    }
    const drained = mayProduce
      ? c.accumulator.drain(c.metadata, result.readyNodes, c.maxRequestSize, now, idem)
      : new Map<number, ProducerBatch[]>();
    this.#expire(now);
    for (const [node, batches] of drained) this.#sendProduce(node, batches, now);

    next = Math.min(next, result.nextReadyCheckDelayMs, c.accumulator.nextExpiryDelay(now), this.#nextInFlightExpiry(now));
    c.client.closeIdle(now);
    next = Math.min(next, c.client.nextIdleCheck(now));
    return next;
  }

  /** Fails queued batches past `delivery.timeout.ms`, and in-flight ones too (their answer no longer matters). */
  #expire(now: number): void {
    const c = this.#c;
    for (const b of c.accumulator.expiredBatches(now)) {
      const error = expiryError(b, now);
      c.idempotence?.handleFailed(b, error, false);
      if (b.attempts > 0) c.idempotence?.markUnresolved(b);
      this.#responses.failBatch(b, error, now);
    }
    for (const b of this.#inFlight.batches()) {
      if (b.done || now - b.createdMs < c.deliveryTimeoutMs) continue;
      // Its slab stays until the response (the socket may still be writing it).
      c.idempotence?.markUnresolved(b);
      this.#responses.failBatch(b, expiryError(b, now), now, false);
    }
  }

  #nextInFlightExpiry(now: number): number {
    let next = Infinity;
    for (const b of this.#inFlight.batches()) if (!b.done) next = Math.min(next, b.createdMs + this.#c.deliveryTimeoutMs - now);
    return Math.max(0, next);
  }

  #sendProduce(nodeId: number, batches: ProducerBatch[], now: number): void {
    const c = this.#c;
    const conn = c.client.connection(nodeId);
    if (conn === null) {
      for (const b of batches) c.accumulator.reenqueue(b, now);
      return;
    }
    let sent: Promise<ProduceResponse | void>;
    try {
      const topics = new Map<string, ProduceRequestTopic>();
      let bytes = 0;
      let records = 0;
      for (const b of batches) {
        const wire = b.seal(c.compressor, crc32c);
        bytes += wire.length;
        records += b.recordCount;
        b.sentLeaderEpoch = c.metadata.leaderEpochFor(b.topic, b.partition);
        if (b.attempts === 0) c.metrics.recordSends(b.recordCount, now);
        c.metrics.recordBatch(wire.length, b.compressionRatio, now);
        let t = topics.get(b.topic);
        if (t === undefined) topics.set(b.topic, (t = { name: b.topic, partitions: [] }));
        t.partitions.push({ index: b.partition, records: wire });
      }
      c.metrics.recordRequest(records, bytes, now);
      const cap = c.hooks?.produceVersionCap(nodeId) ?? Produce.maxVersion;
      const request = { transactionalId: c.transactionalId, acks: c.acks, timeoutMs: c.requestTimeoutMs, topics: [...topics.values()] };
      // Through the client, which applies the response's throttle time to this connection.
      sent = c.client.send(nodeId, Produce, request, {
        version: produceVersionFor(c.compressor, conn.version(Produce, cap), nodeId),
        expectResponse: c.acks !== 0,
        // Header, ids and per-partition framing fit well within 64 bytes per batch.
        sizeHint: bytes + 64 * batches.length + 256 + (c.transactionalId?.length ?? 0) * 3,
      });
    } catch (error) {
      // Drained batches are never dropped: whatever failed here fails them (and is retried if it may be).
      sent = Promise.reject(error);
    }
    this.#inFlight.add(batches, nodeId);
    sent.then(
      (response) => {
        c.metrics.recordLatency(Date.now() - now, Date.now());
        this.#responses.onResponse(nodeId, batches, response ?? null);
        this.wakeup();
      },
      (error: unknown) => {
        this.#responses.onRequestFailed(nodeId, batches, toError(error, nodeId));
        c.metadata.requestUpdate();
        this.wakeup();
      },
    );
  }

  /**
   * Sends a Metadata request when one is due, re-bootstrapping first if need
   * be; returns ms until the loop must look again: until the re-bootstrap
   * trigger while a request is in flight or the broker is not connected yet
   * (the answer, or the connection, wakes the loop).
   */
  #maybeUpdateMetadata(now: number): number {
    const c = this.#c;
    const md = c.metadata;
    // As Java's NetworkClient.handleRebootstrap: checked on every pass, even with a request in flight.
    if (md.recovery.due(now)) this.#rebootstrap(now, "no metadata for metadata.recovery.rebootstrap.trigger.ms, or a broker asked for it");
    if (this.#metadataInFlight) return md.recovery.timeToDue(now);
    const wait = md.timeToNextUpdate(now);
    if (wait > 0) return Math.min(wait, md.recovery.timeToDue(now));
    md.recovery.attempting(now);
    let node = c.client.leastLoadedNode(md.nodes, now);
    // No known broker may be asked (all backing off after failures) and none is connected:
    // go back to the bootstrap servers (Java's DefaultMetadataUpdater.maybeUpdate).
    if (node === null && md.recovery.enabled && !md.nodes.some((n) => c.client.isConnected(n.id))) {
      this.#rebootstrap(now, "no known broker can be reached");
      node = c.client.leastLoadedNode(md.nodes, now);
    }
    if (node === null) return Math.min(md.timeToNextUpdate(now) || 50, md.recovery.timeToDue(now));
    if (!c.client.ready(node, now)) return md.recovery.timeToDue(now); // woken when it connects or fails
    const { topics, partial } = c.metadata.topicsToRequest(now);
    this.#metadataInFlight = true;
    const request = { topics: topics.map((name) => ({ name })), allowAutoTopicCreation: true };
    c.client.send(node.id, MetadataApi, request).then(
      (response) => {
        this.#metadataInFlight = false;
        c.metadata.update(response, topics, partial, Date.now());
        // A broker that moved has its old connection closed now, not when a batch is next
        // drained for it: with order guaranteed its partitions stay muted until that connection answers.
        c.client.updateNodes(c.metadata.nodes);
        this.wakeup();
      },
      (error: unknown) => {
        this.#metadataInFlight = false;
        c.logger.debug("Metadata request failed", { node: node.id, error: String(error) });
        c.metadata.failedUpdate(Date.now());
        this.wakeup();
      },
    );
    return Infinity;
  }

  /** Gets a producer id for the idempotent producer; returns ms until a retry. */
  #maybeInitProducerId(now: number): number {
    const c = this.#c;
    const idem = c.idempotence!;
    if (this.#producerIdInFlight) return Infinity;
    if (now < this.#producerIdRetryAt) return this.#producerIdRetryAt - now;
    const node = this.#anyNode(now);
    if (node === null) return 50;
    if (!c.client.ready(node, now)) return Infinity;
    this.#producerIdInFlight = true;
    const request = { transactionalId: null, transactionTimeoutMs: c.transactionTimeoutMs, producerId: -1n, producerEpoch: -1 };
    c.client.send(node.id, InitProducerId, request).then(
      (response) => {
        this.#producerIdInFlight = false;
        if (response.errorCode === ErrorCode.NONE) {
          this.#producerIdAttempts = 0;
          idem.setProducerIdAndEpoch({ producerId: response.producerId, epoch: response.producerEpoch });
          c.logger.debug("Got a producer id", { producerId: String(response.producerId), epoch: response.producerEpoch });
        } else {
          const error = apiError(response.errorCode, null, "InitProducerId");
          if (!error.retriable) idem.fatalError = error;
          c.logger.warn("InitProducerId failed", { error: error.message });
          this.#backOffProducerId();
        }
        this.wakeup();
      },
      (error: unknown) => {
        this.#producerIdInFlight = false;
        c.logger.debug("InitProducerId request failed", { error: String(error) });
        this.#backOffProducerId();
        this.wakeup();
      },
    );
    return Infinity;
  }

  /** After a failed InitProducerId, waits `retry.backoff.ms` (exponential, jittered) as Java does. */
  #backOffProducerId(): void {
    const c = this.#c;
    this.#producerIdRetryAt = Date.now() + backoffMs(this.#producerIdAttempts++, c.retryBackoffMs, c.retryBackoffMaxMs);
  }

  /**
   * Forgets the learned brokers and goes back to `bootstrap.servers` (Java's
   * `NetworkClient.handleRebootstrap`). Their connections close (requests on
   * them fail as retriable disconnects). Unlike Java, those to the bootstrap
   * addresses close too, quietly (no reconnect backoff): an old connection
   * would still reach the old cluster, a new one resolves the address again.
   */
  #rebootstrap(now: number, why: string): void {
    const c = this.#c;
    const forgotten = c.metadata.rebootstrap(now);
    if (forgotten.length > 0) {
      c.logger.info("Re-bootstrapping: forgetting the known brokers", { why, brokers: forgotten.map((n) => `${n.id}@${n.host}:${n.port}`).join(",") });
      const error = new ConnectionError("The producer re-bootstrapped: connections to the brokers it knew were closed");
      for (const n of forgotten) c.client.disconnect(n.id, error);
    }
    // Also when nothing was learned yet: a bootstrap server that hung for the whole trigger time is left.
    for (const n of c.metadata.bootstrapNodes) c.client.disconnect(n.id);
  }

  /** The least loaded known broker, falling back to the bootstrap addresses. */
  #anyNode(now: number): BrokerNode | null {
    const c = this.#c;
    return c.client.leastLoadedNode(c.metadata.nodes, now) ?? c.client.leastLoadedNode(c.metadata.bootstrapNodes, now);
  }

  /** Fails every queued batch (fatal error, forced close). */
  failQueued(error: KafkaError): void {
    const now = Date.now();
    for (const b of this.#c.accumulator.drainAll()) this.#responses.failBatch(b, error, now);
  }

  /** Fails the queued batches that were never sent (transaction abort). */
  failUnsent(error: KafkaError): void {
    const now = Date.now();
    for (const b of this.#c.accumulator.removeUnsent()) this.#responses.failBatch(b, error, now);
  }

  /** Fails every in-flight batch (forced close); their memory is released. */
  failInFlight(error: KafkaError): void {
    const now = Date.now();
    for (const b of this.#inFlight.takeAll()) this.#responses.failBatch(b, error, now);
  }
}

function expiryError(b: ProducerBatch, now: number): TimeoutError {
  return new TimeoutError(
    `Expiring ${b.recordCount} record(s) for topic-partition "${b.topic}-${b.partition}": ` +
      `${now - b.createdMs} ms has passed since batch creation (delivery.timeout.ms)`,
  );
}

function toError(error: unknown, nodeId: number): KafkaError {
  if (error instanceof Error && "retriable" in error) return error as KafkaError;
  return new ConnectionError(`Produce request to node ${nodeId} failed: ${String(error)}`, { cause: error });
}
