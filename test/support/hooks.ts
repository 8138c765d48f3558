/**
 * uvu lets an error thrown by a `test.before` hook escape its runner unprinted, so a suite whose
 * set-up failed says nothing about why. A hook wrapped in this prints the error, then fails as before.
 */
export function printingErrors(hook: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await hook();
    } catch (error) {
      console.error(error);
      throw error;
    }
  };
}
