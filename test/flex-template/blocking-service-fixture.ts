/** A service for blocking-client.test.ts: async methods with real waits and failures. */
import {transferred} from '../../flex-template/blocking-client';

export async function createService(init: {greeting: string}) {
  let calls = 0;
  return {
    async greet(name: string) {
      calls++;
      await new Promise(resolve => setTimeout(resolve, 5));
      return `${init.greeting}, ${name}`;
    },
    async fail(code: string) {
      const err = new Error('it failed') as Error & {code: string};
      err.code = code;
      throw err;
    },
    async echo(value: unknown) {
      return value;
    },
    async count() {
      return calls;
    },
    /** What arrived: its length and the sum of its bytes. */
    async weigh(bytes: Uint8Array) {
      let sum = 0;
      for (const b of bytes) sum += b;
      return {length: bytes.length, sum};
    },
    /** `n` bytes of `fill`, handed over instead of copied. */
    async bytesOf(n: number, fill: number) {
      const bytes = new Uint8Array(n).fill(fill);
      return transferred({bytes}, [bytes.buffer]);
    },
    /** Dies the way a client can kill the thread: an error thrown where nothing catches it. */
    async crash(message: string): Promise<never> {
      setTimeout(() => {
        throw new Error(message);
      }, 20);
      return new Promise<never>(() => undefined);
    },
    /** The thread's heap limit (MB): its old and young generations'. */
    async heapLimitMb() {
      return (
        (await import('node:v8')).getHeapStatistics().heap_size_limit / 2 ** 20
      );
    },
    /** The thread's new space (MB) after allocating objects that keep surviving scavenges. */
    async newSpaceMb() {
      const keep = new Array<unknown>(2000);
      for (let i = 0; i < 3_000_000; i++)
        keep[i % 2000] = {i, s: `x${i}`, a: [i, i]};
      const space = (await import('node:v8'))
        .getHeapSpaceStatistics()
        .find(s => s.space_name === 'new_space')!;
      return space.space_size / 2 ** 20;
    },
    async sleep(ms: number) {
      await new Promise(resolve => setTimeout(resolve, ms));
      return ms;
    },
  };
}

export type FixtureService = Awaited<ReturnType<typeof createService>>;
