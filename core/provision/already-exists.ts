/** gRPC ALREADY_EXISTS, as the Bigtable and Pub/Sub clients report it. */
const GRPC_ALREADY_EXISTS = 6;
/** HTTP Conflict, as Cloud Storage reports an existing bucket. */
const HTTP_CONFLICT = 409;

function isAlreadyExists(error: unknown): boolean {
  const code = (error as {code?: unknown} | null)?.code;
  return code === GRPC_ALREADY_EXISTS || code === HTTP_CONFLICT;
}

/** Runs a create call; "it is already there" counts as success, anything else is rethrown. */
export async function createIfAbsent(
  create: () => Promise<unknown>,
): Promise<'created' | 'existed'> {
  try {
    await create();
    return 'created';
  } catch (error) {
    if (isAlreadyExists(error)) return 'existed';
    throw error;
  }
}
