/**
 * Acknowledgement reporting for the crash workers: acks are batched per event-loop turn and
 * sent to the harness in one IPC message, so 64 commits in flight do not cost 64 messages (and
 * the harness still learns of every ack before the worker can possibly be killed after it).
 */

/** Sends one batch of acks; the default posts `{ type: 'acks', acks }` to the parent. */
export type AckSender<T> = (acks: T[]) => void;

/**
 * A `report(ack)` function that queues `ack` and flushes the queue with `send` on the next
 * `setImmediate`.
 */
export function ackReporter<T>(
  send: AckSender<T> = (acks) => process.send?.({ type: 'acks', acks }),
): (ack: T) => void {
  let pending: T[] = [];
  let flushScheduled = false;
  return (ack: T): void => {
    pending.push(ack);
    if (flushScheduled) return;
    flushScheduled = true;
    setImmediate(() => {
      flushScheduled = false;
      const batch = pending;
      pending = [];
      send(batch);
    });
  };
}
