/**
 * The records `./codecs.ts` sends per codec, shared with the test that
 * reads them back (`tests/e2e/codecs.test.ts`).
 *
 * @module
 */

/** The codecs, in partition order. */
export const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;

/** One record the scenario sends (values are printable text: the console consumer prints them as is). */
export interface CodecRecord {
  key: string | null;
  value: string;
  headers: Array<[string, string]>;
}

/** The records of one codec's partition: keys, null keys, headers, empty values, and one value of 900 KiB. */
export function codecRecords(codec: string): CodecRecord[] {
  const out: CodecRecord[] = [];
  for (let i = 0; i < 40; i++) {
    const value = i % 10 === 5 ? "" : `{"codec":"${codec}","i":${i},"user":"user-${(i * 7919) % 500}","amount":${(i * 37) % 1000}}`;
    out.push({
      key: i % 4 === 0 ? null : `key-${codec}-${i % 7}`,
      value,
      headers: i % 3 === 0 ? [["trace", `t-${i}`], ["codec", codec]] : [],
    });
  }
  const line = `{"codec":"${codec}","big":true,"filler":"${"abcdefghij".repeat(8)}"}`;
  out.push({ key: `big-${codec}`, value: line.repeat(Math.ceil((900 * 1024) / line.length)).slice(0, 900 * 1024), headers: [["size", "900KiB"]] });
  return out;
}

