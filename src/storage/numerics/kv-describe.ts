/**
 * Short printable forms of KV keys and targets for error messages, shared by the numeric
 * mutations and the read assertions. Only called on error paths.
 *
 * @module
 */

/**
 * A byte-string KV key for messages: JSON for printable ASCII (truncated after 64 characters),
 * otherwise `0x` and the hex of the first 32 bytes.
 * @internal
 */
export function describeKvKey(key: string): string {
  if (/^[\x20-\x7e]*$/.test(key)) {
    return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}...` : key);
  }
  return `0x${Buffer.from(key.slice(0, 32), 'latin1').toString('hex')}${key.length > 32 ? '...' : ''}`;
}

/**
 * `kv key "k" in project.scope`, for messages.
 * @internal
 */
export function describeKvAt(projectId: string, scopeId: string, key: string): string {
  return `kv key ${describeKvKey(key)} in ${projectId}.${scopeId}`;
}
