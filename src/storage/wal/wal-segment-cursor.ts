/**
 * Chunked random-access reading of one segment file for the recovery scan: reads in large
 * chunks (not per frame) and keeps memory bounded by the chunk size or the largest frame.
 */
import * as fs from 'node:fs';
import { walIoError } from './wal-files';

/** Default read size. */
const CHUNK_SIZE = 4 * 1024 * 1024;

/** A window onto a segment file. @internal */
export class WalSegmentCursor {
  /** The read buffer; replaced when a frame needs more room, so re-read it after {@link window}. */
  buf: Buffer;
  /** File offsets of the bytes held in `buf[0 .. end - start]`. */
  private start = 0;
  private end = 0;
  /** Bytes read from the file so far. */
  bytesRead = 0;

  constructor(
    private readonly fd: number,
    private readonly file: string,
    /** File size. */
    readonly size: number,
    chunkSize = CHUNK_SIZE,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(chunkSize, Math.max(size, 1)));
  }

  /**
   * Make file bytes `[offset, offset + n)` available in {@link buf} (the caller checked they
   * are within the file) and return the index of `offset` in it. The content is valid until
   * the next call. (An index, not an object, so the per-frame path allocates nothing.)
   * @throws IoError
   */
  window(offset: number, n: number): number {
    if (offset < this.start || offset + n > this.end) this.fill(offset, n);
    return offset - this.start;
  }

  /** True when every byte from `offset` to the end of the file is zero. */
  zeroFrom(offset: number): boolean {
    for (let o = offset; o < this.size;) {
      const n = Math.min(this.buf.length, this.size - o);
      const at = this.window(o, n);
      const buf = this.buf;
      for (let i = at; i < at + n; i++) if (buf[i] !== 0) return false;
      o += n;
    }
    return true;
  }

  private fill(offset: number, n: number): void {
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
    const want = Math.min(this.buf.length, this.size - offset);
    let got = 0;
    try {
      while (got < want) {
        const r = fs.readSync(this.fd, this.buf, got, want - got, offset + got);
        if (r === 0)
          throw new Error(`unexpected end of file at ${offset + got} (size ${this.size})`);
        got += r;
      }
    } catch (err) {
      throw walIoError('read', this.file, err);
    }
    this.bytesRead += got;
    this.start = offset;
    this.end = offset + got;
  }
}
