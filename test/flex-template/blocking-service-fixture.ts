/** A service for blocking-client.test.ts: async methods with real waits and failures. */
export async function createService(init: { greeting: string }) {
  let calls = 0;
  return {
    async greet(name: string) {
      calls++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return `${init.greeting}, ${name}`;
    },
    async fail(code: string) {
      const err = new Error('it failed') as Error & { code: string };
      err.code = code;
      throw err;
    },
    async echo(value: unknown) {
      return value;
    },
    async count() {
      return calls;
    },
    async sleep(ms: number) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return ms;
    },
  };
}
