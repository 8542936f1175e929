/**
 * The soak's exactly-once check (pure): the producer's per-record outcome
 * against how often each record appears in the topic read back.
 *
 * @module
 */

/** Per-record outcome codes in the producer's `status.u8`. */
export const NOT_SENT = 0;
export const PENDING = 1;
export const ACKED = 2;
export const FAILED = 3;

/** Counts of the exactly-once check; the run passes when `ok`. */
export interface Verdict {
  sent: number;
  acked: number;
  failed: number;
  /** Sends that never settled. */
  unsettled: number;
  /** Callbacks that ran a second time for the same record. */
  settledTwice: number;
  /** Acknowledged, not in the topic. */
  missing: number;
  /** Extra copies in the topic (a record written twice counts 1). */
  duplicates: number;
  /** Failed, yet in the topic (a timeout does not prove non-delivery). */
  failedButPresent: number;
  /** Records in the topic that the producer never sent (or unreadable values). */
  foreign: number;
  /** Every record acknowledged exactly once: nothing failed, unsettled, missing, duplicated or foreign. */
  ok: boolean;
}

/**
 * `status[n]`: the producer's outcome of record n; `seen[n]`: how many times
 * record n is in the topic (saturating at 255); `foreign`: lines of the topic
 * that name no record sent.
 */
export function verifyExactlyOnce(status: Uint8Array, seen: Uint8Array, settledTwice: number, foreign: number): Verdict {
  let acked = 0, failed = 0, unsettled = 0, missing = 0, duplicates = 0, failedButPresent = 0;
  for (let n = 0; n < status.length; n++) {
    const s = status[n]!;
    const c = n < seen.length ? seen[n]! : 0;
    if (c > 1) duplicates += c - 1;
    if (s === ACKED) {
      acked++;
      if (c === 0) missing++;
    } else if (s === FAILED) {
      failed++;
      if (c > 0) failedButPresent++;
    } else unsettled++;
  }
  for (let n = status.length; n < seen.length; n++) foreign += seen[n]!;
  const ok = failed === 0 && unsettled === 0 && settledTwice === 0 && missing === 0 && duplicates === 0 && foreign === 0;
  return { sent: status.length, acked, failed, unsettled, settledTwice, missing, duplicates, failedButPresent, foreign, ok };
}

/**
 * Counts a topic's values (`s=<n>` plus padding) into `seen`; returns how
 * many were foreign (unparsable, or n beyond `seen`).
 */
export function countValue(value: string, seen: Uint8Array): number {
  if (!value.startsWith("s=")) return 1;
  let n = 0, i = 2;
  for (; i < value.length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  if (i === 2 || n >= seen.length) return 1;
  if (seen[n]! < 255) seen[n]!++;
  return 0;
}
