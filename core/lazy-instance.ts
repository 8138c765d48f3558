/**
 * Builds a function instance's expensive dependencies (clients, pool) on first use and shares them
 * with every later call, including calls made while the first build is still running. A failed
 * build is forgotten, so the next call tries again instead of failing forever.
 */
export function lazyInstance<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= Promise.resolve()
      .then(build)
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
}
