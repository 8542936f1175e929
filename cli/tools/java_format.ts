/**
 * Number formatting as Java's `String.format("%.Nf")` prints it, so the perf
 * tool's lines are byte-identical to `ProducerPerformance`'s.
 *
 * Java rounds the *shortest decimal representation* of the double half-up
 * (`FormattedFloatingDecimal`): `%.2f` of 1.005 is "1.01" and `%.1f` of 0.25
 * is "0.3", where JavaScript's `toFixed` gives "1.00" (it rounds the exact
 * binary value) and "0.3". NaN prints "NaN", infinities "Infinity"/"-Infinity".
 *
 * The digits rounded are JavaScript's shortest round-trip digits. Java's
 * formatter takes them from the older `FloatingDecimal`, which for a few
 * huge values prints more digits (`%.1f` of 3.3e22 is
 * "32999999999999998000000.0" in Java, "33000000000000000000000.0" here);
 * the rates, sizes and latencies the perf tool prints are far from that.
 *
 * @module
 */

/**
 * Java's `%.{digits}f` of `x` (Locale.ROOT: `.` as the decimal point, no grouping).
 *
 * @example Usage
 * ```ts
 * import { javaFixed } from "./java_format.ts";
 * console.assert(javaFixed(1.005, 2) === "1.01");
 * console.assert(javaFixed(2.5, 0) === "3");
 * console.assert(javaFixed(1234.5, 6) === "1234.500000");
 * console.assert(javaFixed(NaN, 2) === "NaN");
 * ```
 */
export function javaFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  const negative = x < 0 || Object.is(x, -0);
  // The shortest digits that round-trip, and the decimal exponent.
  const [mantissa, exponent] = Math.abs(x).toExponential().split("e") as [string, string];
  let ds = mantissa.replace(".", "").split("").map(Number);
  // Position of the decimal point within `ds` (may be < 0 or > ds.length).
  let point = Number(exponent) + 1;
  if (ds.every((d) => d === 0)) {
    ds = [0];
    point = 1;
  }
  // Pad so that `ds` covers [min(point, 0) .. point + digits].
  if (point <= 0) {
    ds = [...new Array<number>(1 - point).fill(0), ...ds];
    point = 1;
  }
  const keep = point + digits;
  while (ds.length < keep) ds.push(0);
  if (ds.length > keep) {
    const roundUp = ds[keep]! >= 5;
    ds.length = keep;
    if (roundUp) {
      let i = keep - 1;
      while (i >= 0 && ds[i] === 9) ds[i--] = 0;
      if (i >= 0) ds[i]!++;
      else {
        ds.unshift(1);
        point++;
      }
    }
  }
  const intPart = ds.slice(0, point).join("").replace(/^0+(?=\d)/, "") || "0";
  const fraction = ds.slice(point, point + digits).join("");
  return (negative ? "-" : "") + intPart + (digits > 0 ? "." + fraction : "");
}
