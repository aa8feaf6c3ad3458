/**
 * Throw this from a reactive processor handler when retrying cannot help (a malformed payload,
 * a business rule that will never pass): the batch is dead-lettered at once, without the
 * remaining retries, and the checkpoint moves past it.
 *
 * Any other error is retried with exponential backoff (`maxRetries`, `retryBackoffMs`) first.
 *
 * @example
 * ```ts
 * await db.startReactiveProcessor('billing', { topicFilter: 'order_placed' }, (events) => {
 *   for (const e of events) {
 *     const order = JSON.parse(e.payloadJson) as { total?: number };
 *     if (typeof order.total !== 'number') {
 *       throw new NonRetryableProcessorError(`order ${e.eventKey} has no total`);
 *     }
 *   }
 * });
 * ```
 */
export class NonRetryableProcessorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableProcessorError';
  }
}
