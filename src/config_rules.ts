/**
 * The producer configuration's rules that span several keys, as Java applies
 * them after each key was parsed on its own: backoff and connection-setup
 * pairs (`CommonClientConfigs`, `ExponentialBackoff`), idempotence against
 * `acks`/`retries`/in-flight requests/`transactional.id`
 * (`ProducerConfig.postProcessAndValidateIdempotenceConfigs`), and the
 * `delivery.timeout.ms` floor (`KafkaProducer.configureDeliveryTimeout`).
 *
 * Each rule adjusts the values in place (adding a note for the producer to
 * log) or throws a {@linkcode ConfigError} naming the key at fault.
 *
 * @module
 */

import { ConfigError } from "./errors.ts";

/**
 * The values being resolved, by camelCase key: each key's parsed value or its
 * default, before the configuration is frozen.
 */
export type ConfigValues = Record<string, unknown>;

/** What a rule reads besides the values, and where it reports what it changed. */
export interface RuleContext {
  /** Java names of the keys the user set (a rule treats a default differently from a choice). */
  readonly explicit: ReadonlySet<string>;
  /** Informational lines for the producer to log; a rule that adjusts a value adds one. */
  readonly notes: string[];
}

/**
 * Java's backoff adjustments: `reconnect.backoff.ms` set alone disables
 * exponential reconnect backoff (`CommonClientConfigs`); an initial value above
 * its max gives a static backoff of the max (`ExponentialBackoff` takes
 * min(initial, max)), so the initial value is lowered to the max.
 *
 * @example Usage
 * ```ts
 * import { applyBackoffRules } from "./config_rules.ts";
 * const values = {
 *   retryBackoffMs: 2000, retryBackoffMaxMs: 1000, reconnectBackoffMs: 50, reconnectBackoffMaxMs: 1000,
 *   socketConnectionSetupTimeoutMs: 10000, socketConnectionSetupTimeoutMaxMs: 30000,
 * };
 * const notes: string[] = [];
 * applyBackoffRules(values, { explicit: new Set(["retry.backoff.ms"]), notes });
 * console.assert(values.retryBackoffMs === 1000 && notes.length === 1);
 * ```
 */
export function applyBackoffRules(values: ConfigValues, { explicit, notes }: RuleContext): void {
  if (explicit.has("reconnect.backoff.ms") && !explicit.has("reconnect.backoff.max.ms")) {
    values.reconnectBackoffMaxMs = values.reconnectBackoffMs;
    notes.push(
      "Exponential reconnect backoff is disabled because reconnect.backoff.ms is set but reconnect.backoff.max.ms is not",
    );
  }
  const pairs = [
    ["retryBackoffMs", "retryBackoffMaxMs", "retry.backoff.ms", "retry.backoff.max.ms", "backoff"],
    ["reconnectBackoffMs", "reconnectBackoffMaxMs", "reconnect.backoff.ms", "reconnect.backoff.max.ms", "reconnect backoff"],
    [
      "socketConnectionSetupTimeoutMs",
      "socketConnectionSetupTimeoutMaxMs",
      "socket.connection.setup.timeout.ms",
      "socket.connection.setup.timeout.max.ms",
      "connection setup timeout",
    ],
  ] as const;
  for (const [initial, max, initialName, maxName, what] of pairs) {
    const [a, b] = [values[initial] as number, values[max] as number];
    if (a > b) {
      values[initial] = b;
      notes.push(`${initialName} ("${a}") is greater than ${maxName} ("${b}"): a static ${what} of "${b}" ms will be applied`);
    }
  }
}

/**
 * Java's `postProcessAndValidateIdempotenceConfigs` (Kafka 4.x), in its
 * order: idempotence on by default gives way (with a note) to `retries=0` or
 * `acks` other than all; set explicitly, those are errors, as are more than 5
 * requests in flight and a `transactional.id` without idempotence.
 *
 * @example Idempotence on by default gives way to acks=1
 * ```ts
 * import { applyIdempotenceRules } from "./config_rules.ts";
 * const values = { enableIdempotence: true, retries: 3, acks: 1, maxInFlightRequestsPerConnection: 5, transactionalId: null };
 * const notes: string[] = [];
 * applyIdempotenceRules(values, { explicit: new Set(["acks"]), notes });
 * console.assert(values.enableIdempotence === false && notes.length === 1);
 * ```
 */
export function applyIdempotenceRules(values: ConfigValues, { explicit, notes }: RuleContext): void {
  const userSet = explicit.has("enable.idempotence");
  const reasons: string[] = [];
  if (values.enableIdempotence === true) {
    if (values.retries === 0) {
      if (userSet) throw new ConfigError("retries", "Must set retries to non-zero when using the idempotent producer");
      reasons.push(`retries is set to "0"`);
    }
    if (values.acks !== -1) {
      if (userSet) {
        throw new ConfigError(
          "acks",
          "Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence",
        );
      }
      reasons.push(`acks is set to "${values.acks}", not "all"`);
    }
    // Kafka 4.0 (KAFKA-17927) made this an error even when idempotence is only on by default.
    const inFlight = values.maxInFlightRequestsPerConnection as number;
    if (inFlight > 5) {
      throw new ConfigError(
        "max.in.flight.requests.per.connection",
        `To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5. ` +
          `Current value is "${inFlight}"` +
          (userSet ? "" : " (idempotence is on by default: set enable.idempotence to false to allow more)"),
      );
    }
  }
  if (reasons.length > 0) {
    values.enableIdempotence = false;
    notes.push(...reasons.map((reason) => `Idempotence is disabled because ${reason}`));
  }
  if (values.transactionalId !== null && values.enableIdempotence !== true) {
    throw new ConfigError(
      "transactional.id",
      "Cannot set a transactional.id without also enabling idempotence" +
        (reasons.length > 0 ? ` (it was disabled because ${reasons.join(" and ")})` : ""),
    );
  }
}

/**
 * Java's `KafkaProducer.configureDeliveryTimeout`: `delivery.timeout.ms` must
 * be at least `linger.ms` + `request.timeout.ms`; a default below that is
 * raised to it (with a note), an explicit one is an error.
 *
 * @example Usage
 * ```ts
 * import { applyDeliveryTimeoutRule } from "./config_rules.ts";
 * const values = { lingerMs: 100, requestTimeoutMs: 120000, deliveryTimeoutMs: 120000 };
 * applyDeliveryTimeoutRule(values, { explicit: new Set(["linger.ms"]), notes: [] });
 * console.assert(values.deliveryTimeoutMs === 120100);
 * ```
 */
export function applyDeliveryTimeoutRule(values: ConfigValues, { explicit, notes }: RuleContext): void {
  const linger = values.lingerMs as number;
  const request = values.requestTimeoutMs as number;
  const delivery = values.deliveryTimeoutMs as number;
  const minimum = Math.min(linger + request, 2147483647);
  if (delivery >= minimum) return;
  if (explicit.has("delivery.timeout.ms")) {
    throw new ConfigError(
      "delivery.timeout.ms",
      `delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms ` +
        `("${delivery}" < "${linger}" + "${request}")`,
    );
  }
  values.deliveryTimeoutMs = minimum;
  notes.push(`delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms: setting it to "${minimum}"`);
}
