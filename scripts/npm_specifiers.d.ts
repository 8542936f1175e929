// Types of the `npm:` specifiers the sources import, for tsc (Deno reads the packages' own types).
// tsconfig "paths" point Bun (and tsc) at node_modules, but tsc under NodeNext resolves neither a
// package folder through "paths" nor a JavaScript file without declarations, so the types are here:
// fflate's own, and hash-wasm's CRC-32 UMD file, whose functions are its default export.

declare module "npm:fflate@^0.8.3" {
  export * from "fflate";
}

declare module "npm:hash-wasm@^4.13.0/dist/crc32.umd.min.js" {
  import type { createCRC32 } from "hash-wasm";
  const crc32Module: { createCRC32: typeof createCRC32 };
  export default crc32Module;
}
