import flags from './node-flags.json';

/**
 * The flags node runs every flex-template process with: the CLI (`node FLAGS
 * dist/flex-template/index.js`, as local runs and the launcher start it) and each SDK worker of the
 * worker image (worker/beam-boot). What the pipeline holds at once is bounded (a chunk of files, the
 * requests waiting), but by V8's own sizing the heap grew with the length of the run:
 * - `--max-semi-space-size=4`: V8 grows a young generation each time enough has survived its
 *   scavenges and in a busy run never shrinks it; the main thread's reached 16 MB semi-spaces over
 *   a long load.
 * - `--max-old-space-size=1024`: with the 4 GB limit V8 gives a machine of 16 GB or more, it lets
 *   the old generation grow to 4x what the last full collection kept (V8's heap controller; under a
 *   2 GB limit, 1.3-2x). 1 GB is about V8's own limit on a 4 GB worker, and 50x what the main
 *   thread holds.
 * - `--no-allocation-site-pretenuring`: V8 counts, per allocation site, how many of the objects it
 *   made survive a scavenge, and once 100 or more all did, makes that site's objects in the old
 *   generation from then on. The pipeline holds a chunk of 64 files while it parses and encodes
 *   them: when a scavenge falls then, a site that makes objects per line can have 100 alive, and
 *   is tenured (--trace-pretenuring-statistics shows it at the moment); its short-lived objects
 *   then filled the main thread's old generation (~0.4 MB a scavenge, +15 MB at the peak) until a
 *   full collection. In 5 of 12 runs of 10,000 files it happened; with the flag, in none of 17.
 * With these, peak memory stays flat with the input (bench/README.md, flex-load-memory). They are
 * process-wide V8 flags, so the I/O thread runs under them too; its heap limits are its own
 * (io-thread.ts).
 *
 * They live in node-flags.json, which the build (the code cache of io-service.js is written under
 * the same flags: V8 rejects a cache made under others) and the launcher shim read too.
 */
export const FLEX_NODE_FLAGS: readonly string[] = flags;
