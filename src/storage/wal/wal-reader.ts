/**
 * The recovery scan of the WAL: verifies every frame after the checkpoint (and the segments
 * leading to it) and classifies damage. This file is the engine's recovery contract.
 *
 * ## What is verified
 * Segments are taken in first-seq order. Every segment header is checked (magic, CRC, version,
 * flags against the configuration, `firstSeq` against the file name). Then frames are walked:
 * length bounds, CRC, HMAC, seq contiguity (each frame is the previous seq + 1, also across
 * segments; a segment's first frame is its `firstSeq`), and the hash chain (a segment's
 * `prevChain` equals the chain value after the previous segment's last frame; each stored
 * chain value equals the recomputed one).
 *
 * **Skipping.** A segment whose successor starts at or before `afterSeq + 1` holds only frames
 * the checkpoint contains; its frames are not read when the chain need not be verified from the
 * start of the log — the chain is off, or `expectedChainAt` anchors it. Skipped segments still
 * have their header checked (and their flags must match) but their frames' CRC, HMAC, chain and
 * contiguity are not verified. The first segment read then starts the chain from the anchor:
 * the checkpoint's chain value when `expectedChainAt.seq` is that segment's `firstSeq - 1`, its
 * header's `prevChain` otherwise, and the chain value after frame `expectedChainAt.seq` must
 * equal `expectedChainAt.chain` wherever the scan passes it. With the chain on and no
 * `expectedChainAt`, every segment is read from the oldest one (whose `prevChain` is trusted).
 *
 * ## Damage rules
 * a. **Torn tail** — only in the LAST segment: a frame whose 8-byte header or body extends
 *    past end of file, a frame whose bytes from its start to end of file are all zero (the file
 *    was extended but the data never written), or a last segment shorter than its header or
 *    entirely zero (crash while creating it). It is cut off and reported as `tornTail` in both
 *    modes. A log that ends exactly at a frame boundary is simply shorter and valid. (A length
 *    field damaged so that it points past end of file is indistinguishable from a torn write
 *    and is treated the same way.)
 * b. **Corruption** — anything else: a complete frame with a CRC mismatch, a length outside
 *    `17 + trailer .. 64 MiB`, an incomplete frame in a non-final segment, a seq that is not the
 *    expected one (a gap, a deleted or swapped segment, a log that starts after `afterSeq + 1`),
 *    a bad segment header (magic, CRC, name), a chain mismatch in a frame whose CRC is valid or
 *    in a segment header, a chain value that disagrees with the checkpoint's. `strict` throws
 *    {@link CorruptionError} naming file, byte offset and reason; `permissive` keeps the valid
 *    prefix and reports `dropped` (the rest of that segment and every later segment).
 * c. **Fatal in both modes** ({@link CorruptionError}, `details.fatal = true`): a frame whose CRC
 *    is valid but whose HMAC does not verify (wrong key or tampering), a segment whose flags
 *    disagree with the configured chain/HMAC settings, and an unsupported format version or
 *    unknown flag bits. Permissive recovery must never discard an authentic-looking log just
 *    because the key or configuration is wrong.
 */
import { timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { ConfigError, CorruptionError } from '../errors';
import { WalSegmentInfo, listSegments, walIoError } from './wal-files';
import {
  WAL_BODY_PREFIX_SIZE,
  WAL_DIGEST_SIZE,
  WAL_FRAME_HEADER_SIZE,
  WAL_MAX_BODY_SIZE,
  WAL_SEGMENT_HEADER_SIZE,
  WAL_ZERO_CHAIN,
  WalSegmentHeader,
  decodeWalSegmentHeader,
  describeWalFlags,
  readU64,
  walChainNext,
  walFlags,
  walFrameCrc,
  walHmac,
  walTrailerSize,
} from './wal-format';
import { WalSegmentCursor } from './wal-segment-cursor';

/** Options of {@link scanWal}. */
export interface WalScanOptions {
  /** Seq the checkpoint contains (0 without one): older frames are verified but not delivered. */
  readonly afterSeq: number;
  /** The chain value after `seq`, as the checkpoint recorded it; anchors chain verification. */
  readonly expectedChainAt?: { readonly seq: number; readonly chain: Buffer };
  /** The log is configured with the hash chain. */
  readonly hashChain: boolean;
  /** The log is configured with HMAC under this key. */
  readonly hmacKey?: Buffer;
  /** What to do with corruption (rule b): throw, or keep the valid prefix. */
  readonly mode: 'strict' | 'permissive';
  /**
   * Called for each verified frame with `seq > afterSeq`, in seq order. `payload` is a view into
   * a read buffer that is reused: copy what must outlive the call.
   */
  readonly onFrame: (seq: number, timestampMicros: number, kind: number, payload: Buffer) => void;
}

/** The cut-off incomplete end of the last segment (rule a). */
export interface WalTornTail {
  /** The segment. */
  readonly file: string;
  /** Where the good content ends (0: the whole file is a torn header). */
  readonly offset: number;
  /** Bytes after `offset`. */
  readonly bytes: number;
}

/** What permissive recovery dropped at the first corruption (rule b). */
export interface WalDropped {
  /** The segment where the corruption is. */
  readonly file: string;
  /** Where the valid content ends in it (0: the whole segment is dropped). */
  readonly offset: number;
  /** Why. */
  readonly reason: string;
  /** Frames after the damage were not read, so how many commits were lost is unknown. */
  readonly framesAfterUnknown: true;
  /** Bytes of `file` after `offset`. */
  readonly bytes: number;
  /** Later segments, dropped whole. */
  readonly laterSegments: string[];
}

/** Where a writer continues after this scan (inputs of `WalWriter.open`). */
export interface WalResumePoint {
  /** Next seq to write: `max(lastSeq, afterSeq) + 1`. */
  readonly nextSeq: number;
  /** Chain value before it: `lastChain`, or the checkpoint's when the log ends before `afterSeq`. */
  readonly prevChain: Buffer;
  /**
   * The segment to continue, when the log reaches `afterSeq` (after `repairWal`). Absent when a
   * new segment named `nextSeq` must be created (empty log, or the log ends before the
   * checkpoint, e.g. frames the checkpoint holds were never synced).
   */
  readonly appendTo?: { readonly file: string; readonly size: number };
}

/** Outcome of {@link scanWal}. */
export interface WalScanResult {
  /** Seq of the end of the valid log (0 when no segment survives). */
  readonly lastSeq: number;
  /** Chain value after `lastSeq` (zeros when the chain is off or the log is empty). */
  readonly lastChain: Buffer;
  /** Frames read and verified. */
  readonly framesScanned: number;
  /** Frames delivered to `onFrame` (`seq > afterSeq`). */
  readonly framesApplied: number;
  /** Segments skipped without reading their frames. */
  readonly segmentsSkipped: number;
  /** Surviving segments with their good sizes, oldest first. */
  readonly segments: WalSegmentInfo[];
  /** The last surviving segment and its good size. */
  readonly tailSegment?: { readonly file: string; readonly size: number };
  /** Rule a: cut-off torn tail. */
  readonly tornTail?: WalTornTail;
  /** Rule b in permissive mode: what was dropped. */
  readonly dropped?: WalDropped;
  /** Whether the scan passed `expectedChainAt.seq` and the chain matched there. */
  readonly expectedChainVerified: boolean;
  /** Where the next writer continues. */
  readonly resume: WalResumePoint;
  /** Bytes read from disk. */
  readonly bytesScanned: number;
}

interface Damage {
  readonly offset: number;
  readonly reason: string;
  readonly seq?: number;
}

type HeaderState =
  { readonly ok: WalSegmentHeader } | { readonly torn: true } | { readonly damage: Damage };

/**
 * Scan and verify the WAL in `dir`, delivering frames after `afterSeq` to `onFrame`.
 * Synchronous: recovery runs before the instance serves anything.
 * @throws CorruptionError (rule b in strict mode, rule c always), IoError.
 */
export function scanWal(dir: string, opts: WalScanOptions): WalScanResult {
  return new WalScan(dir, opts).run();
}

function isZero(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

class WalScan {
  private readonly hmacKey: Buffer | undefined;
  private readonly flags: number;
  private readonly trailer: number;
  private readonly minBody: number;
  private readonly expected: { readonly seq: number; readonly chain: Buffer } | undefined;

  private expectSeq = 0;
  private chain: Buffer = Buffer.from(WAL_ZERO_CHAIN);
  private framesScanned = 0;
  private framesApplied = 0;
  private bytesScanned = 0;
  private expectedChainVerified = false;

  constructor(
    private readonly dir: string,
    private readonly opts: WalScanOptions,
  ) {
    if (opts.hmacKey !== undefined && opts.hmacKey.length === 0) {
      throw new ConfigError('WAL hmacKey must not be empty');
    }
    this.hmacKey = opts.hmacKey;
    this.flags = walFlags(opts.hashChain, opts.hmacKey !== undefined);
    this.trailer = walTrailerSize(opts.hashChain, opts.hmacKey !== undefined);
    this.minBody = WAL_BODY_PREFIX_SIZE + this.trailer;
    this.expected = opts.hashChain ? opts.expectedChainAt : undefined;
  }

  run(): WalScanResult {
    const { opts } = this;
    const list = listSegments(this.dir);
    const n = list.length;

    // Pass 1: every header. Fatal problems (rule c) throw here, wherever they are; the first
    // non-fatal problem bounds the segments whose frames are read.
    const headers: HeaderState[] = list.map((seg, i) => this.readHeader(seg, i === n - 1));
    let stop = headers.findIndex((h) => !('ok' in h));
    if (stop < 0) stop = n;

    // Skip segments wholly covered by the checkpoint when the chain need not start at the
    // beginning of the log. The segment just before `stop` is always read.
    const skipThrough =
      opts.hashChain && this.expected === undefined
        ? 0
        : Math.min(opts.afterSeq, this.expected?.seq ?? opts.afterSeq);
    let s = 0;
    while (s + 1 < stop && list[s + 1].firstSeq <= skipThrough + 1) s++;

    const kept: WalSegmentInfo[] = list.slice(0, s);
    let tornTail: WalTornTail | undefined;
    let damage: { index: number; d: Damage } | undefined;
    if (s > 0) this.expectSeq = list[s].firstSeq;

    for (let i = s; i < n && tornTail === undefined && damage === undefined; i++) {
      const seg = list[i];
      const isLast = i === n - 1;
      const h = headers[i];
      const d = this.checkSegmentStart(seg, h, i === s, kept.length > 0);
      if (d !== undefined) {
        damage = { index: i, d };
        break;
      }
      if ('torn' in h) {
        tornTail = { file: seg.file, offset: 0, bytes: seg.size };
        break;
      }
      if (!('ok' in h)) {
        damage = { index: i, d: h.damage };
        break;
      }
      const walked = this.walkFrames(seg, isLast);
      kept.push({ file: seg.file, firstSeq: seg.firstSeq, size: walked.end });
      if (walked.torn) {
        tornTail = { file: seg.file, offset: walked.end, bytes: seg.size - walked.end };
      } else if (walked.damage !== undefined) {
        damage = { index: i, d: walked.damage };
      }
    }

    let dropped: WalDropped | undefined;
    if (damage !== undefined) {
      const seg = list[damage.index];
      const { d } = damage;
      if (opts.mode === 'strict') throw this.corruption(seg.file, d);
      dropped = {
        file: seg.file,
        offset: d.offset,
        reason: d.reason,
        framesAfterUnknown: true,
        bytes: seg.size - d.offset,
        laterSegments: list.slice(damage.index + 1).map((x) => x.file),
      };
    }
    return this.result(kept, s, tornTail, dropped);
  }

  private result(
    kept: WalSegmentInfo[],
    skipped: number,
    tornTail: WalTornTail | undefined,
    dropped: WalDropped | undefined,
  ): WalScanResult {
    const { afterSeq } = this.opts;
    const hasLog = kept.length > 0;
    const lastSeq = hasLog ? this.expectSeq - 1 : 0;
    const lastChain = hasLog && this.opts.hashChain ? this.chain : Buffer.from(WAL_ZERO_CHAIN);
    const tail = hasLog ? kept[kept.length - 1] : undefined;
    const tailSegment = tail === undefined ? undefined : { file: tail.file, size: tail.size };
    let resume: WalResumePoint;
    if (tailSegment !== undefined && lastSeq >= afterSeq) {
      resume = { nextSeq: lastSeq + 1, prevChain: Buffer.from(lastChain), appendTo: tailSegment };
    } else {
      const anchor =
        this.expected !== undefined && this.expected.seq === afterSeq
          ? this.expected.chain
          : WAL_ZERO_CHAIN;
      resume = { nextSeq: afterSeq + 1, prevChain: Buffer.from(anchor) };
    }
    return {
      lastSeq,
      lastChain: Buffer.from(lastChain),
      framesScanned: this.framesScanned,
      framesApplied: this.framesApplied,
      segmentsSkipped: skipped,
      segments: kept,
      ...(tailSegment === undefined ? {} : { tailSegment }),
      ...(tornTail === undefined ? {} : { tornTail }),
      ...(dropped === undefined ? {} : { dropped }),
      expectedChainVerified: this.expectedChainVerified,
      resume,
      bytesScanned: this.bytesScanned,
    };
  }

  /** Read and classify a header. Throws for rule c. */
  private readHeader(seg: WalSegmentInfo, isLast: boolean): HeaderState {
    const n = Math.min(seg.size, WAL_SEGMENT_HEADER_SIZE);
    const buf = Buffer.alloc(WAL_SEGMENT_HEADER_SIZE);
    this.withFile(seg, (fd) => {
      let got = 0;
      try {
        while (got < n) {
          const r = fs.readSync(fd, buf, got, n - got, got);
          if (r === 0) break;
          got += r;
        }
      } catch (err) {
        throw walIoError('read', seg.file, err);
      }
    });
    this.bytesScanned += n;
    // A crash while a segment was being created leaves it short or zero-filled (rule a).
    if (isLast && (seg.size < WAL_SEGMENT_HEADER_SIZE || (isZero(buf) && this.allZero(seg)))) {
      return { torn: true };
    }
    const decoded = decodeWalSegmentHeader(buf);
    if (decoded === 'unsupported format version' || decoded === 'unknown flags') {
      throw this.corruption(
        seg.file,
        { offset: 8, reason: `segment header: ${decoded}` },
        'version',
      );
    }
    if (typeof decoded === 'string') {
      const reason = seg.size < WAL_SEGMENT_HEADER_SIZE ? 'truncated segment header' : decoded;
      return { damage: { offset: 0, reason: `segment header: ${reason}` } };
    }
    if (decoded.flags !== this.flags) {
      throw this.corruption(
        seg.file,
        {
          offset: 10,
          reason:
            `segment written with ${describeWalFlags(decoded.flags)} but configured for ` +
            describeWalFlags(this.flags),
        },
        'auth',
      );
    }
    if (decoded.firstSeq !== seg.firstSeq) {
      return {
        damage: {
          offset: 0,
          reason: `segment header: firstSeq ${decoded.firstSeq} does not match the file name`,
        },
      };
    }
    return { ok: decoded };
  }

  private allZero(seg: WalSegmentInfo): boolean {
    return this.withFile(seg, (fd) => {
      const cur = new WalSegmentCursor(fd, seg.file, seg.size);
      const zero = cur.zeroFrom(0);
      this.bytesScanned += cur.bytesRead;
      return zero;
    });
  }

  /**
   * Check where a segment starts against where the log so far ends (seq and chain), and set up
   * the running state for its frames. Returns damage at offset 0 on a mismatch.
   */
  private checkSegmentStart(
    seg: WalSegmentInfo,
    h: HeaderState,
    firstRead: boolean,
    hasPrior: boolean,
  ): Damage | undefined {
    const { afterSeq } = this.opts;
    if (!hasPrior) {
      // The first segment of the directory: it must start no later than the checkpoint needs.
      if (seg.firstSeq > afterSeq + 1) {
        return {
          offset: 0,
          reason: `the log starts at seq ${seg.firstSeq} but frames after seq ${afterSeq} are needed (seqs ${afterSeq + 1}..${seg.firstSeq - 1} are missing)`,
        };
      }
    } else if (seg.firstSeq !== this.expectSeq) {
      return {
        offset: 0,
        reason: `segment starts at seq ${seg.firstSeq} but seq ${this.expectSeq} was expected (missing, extra or reordered segment)`,
      };
    }
    if (!('ok' in h)) return undefined;
    const prev = h.ok.prevChain;
    if (firstRead) {
      this.expectSeq = seg.firstSeq;
      this.chain = prev;
      if (this.expected !== undefined && this.expected.seq === seg.firstSeq - 1) {
        this.chain = Buffer.from(this.expected.chain);
        if (!prev.equals(this.expected.chain)) {
          return {
            offset: 0,
            reason: `segment header prevChain does not match the checkpoint's chain value at seq ${this.expected.seq}`,
          };
        }
        this.expectedChainVerified = true;
      }
    } else if (this.opts.hashChain && !prev.equals(this.chain)) {
      return {
        offset: 0,
        reason: `segment header prevChain does not match the chain value after seq ${this.expectSeq - 1}`,
      };
    }
    return undefined;
  }

  /** Walk the frames of one segment from its header to its end, stopping at damage. */
  private walkFrames(
    seg: WalSegmentInfo,
    isLast: boolean,
  ): { end: number; torn?: boolean; damage?: Damage } {
    return this.withFile(seg, (fd) => {
      const cur = new WalSegmentCursor(fd, seg.file, seg.size);
      try {
        return this.walk(cur, seg, isLast);
      } finally {
        this.bytesScanned += cur.bytesRead;
      }
    });
  }

  private walk(
    cur: WalSegmentCursor,
    seg: WalSegmentInfo,
    isLast: boolean,
  ): { end: number; torn?: boolean; damage?: Damage } {
    const { opts, trailer } = this;
    const size = seg.size;
    let off = WAL_SEGMENT_HEADER_SIZE;
    while (off < size) {
      const remain = size - off;
      if (remain < WAL_FRAME_HEADER_SIZE) {
        if (isLast) return { end: off, torn: true };
        return {
          end: off,
          damage: {
            offset: off,
            reason: 'incomplete frame header at the end of a non-final segment',
          },
        };
      }
      const len = cur.buf.readUInt32LE(cur.window(off, WAL_FRAME_HEADER_SIZE));
      if (isLast && len === 0 && cur.zeroFrom(off)) return { end: off, torn: true };
      if (len < this.minBody || len > WAL_MAX_BODY_SIZE) {
        return {
          end: off,
          damage: {
            offset: off,
            reason: `frame length ${len} is outside ${this.minBody}..${WAL_MAX_BODY_SIZE}`,
          },
        };
      }
      if (WAL_FRAME_HEADER_SIZE + len > remain) {
        if (isLast) return { end: off, torn: true };
        return {
          end: off,
          damage: { offset: off, reason: 'frame extends past the end of a non-final segment' },
        };
      }
      const at = cur.window(off, WAL_FRAME_HEADER_SIZE + len);
      const buf = cur.buf;
      if (walFrameCrc(buf, at, len) !== buf.readUInt32LE(at + 4)) {
        return { end: off, damage: { offset: off, reason: 'frame CRC mismatch' } };
      }
      const body = at + WAL_FRAME_HEADER_SIZE;
      const bodyEnd = body + len;
      const seq = readU64(buf, body);
      if (this.hmacKey !== undefined) {
        const tagAt = bodyEnd - WAL_DIGEST_SIZE;
        const tag = walHmac(this.hmacKey, buf.subarray(body, tagAt));
        if (!timingSafeEqual(tag, buf.subarray(tagAt, bodyEnd))) {
          throw this.corruption(
            seg.file,
            { offset: off, reason: 'frame HMAC does not verify', seq },
            'auth',
          );
        }
      }
      if (seq !== this.expectSeq) {
        return {
          end: off,
          damage: {
            offset: off,
            reason: `frame seq ${seq} where ${this.expectSeq} was expected`,
            seq,
          },
        };
      }
      const ts = readU64(buf, body + 8);
      if (ts < 0)
        return { end: off, damage: { offset: off, reason: 'frame timestamp out of range', seq } };
      const payloadEnd = bodyEnd - trailer;
      if (opts.hashChain) {
        const next = walChainNext(this.chain, buf.subarray(body, payloadEnd));
        if (!next.equals(buf.subarray(payloadEnd, payloadEnd + WAL_DIGEST_SIZE))) {
          return { end: off, damage: { offset: off, reason: 'hash chain mismatch', seq } };
        }
        if (this.expected !== undefined && seq === this.expected.seq) {
          if (!next.equals(this.expected.chain)) {
            return {
              end: off,
              damage: {
                offset: off,
                reason: `chain value at seq ${seq} does not match the checkpoint's`,
                seq,
              },
            };
          }
          this.expectedChainVerified = true;
        }
        this.chain = next;
      }
      this.framesScanned++;
      if (seq > opts.afterSeq) {
        opts.onFrame(
          seq,
          ts,
          buf[body + 16],
          buf.subarray(body + WAL_BODY_PREFIX_SIZE, payloadEnd),
        );
        this.framesApplied++;
      }
      this.expectSeq = seq + 1;
      off += WAL_FRAME_HEADER_SIZE + len;
    }
    return { end: off };
  }

  private withFile<T>(seg: WalSegmentInfo, fn: (fd: number) => T): T {
    let fd: number;
    try {
      fd = fs.openSync(seg.file, 'r');
    } catch (err) {
      throw walIoError('open', seg.file, err);
    }
    try {
      return fn(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * The error for damage `d` in `file`. `fatal` (rule c) names the likely cause instead of
   * calling it corruption, because permissive mode does not apply to it.
   */
  private corruption(file: string, d: Damage, fatal?: 'auth' | 'version'): CorruptionError {
    const what = fatal === undefined ? 'corruption' : 'verification failure';
    const hint =
      fatal === 'auth'
        ? ' — wrong HMAC key or chain/HMAC configuration, or a tampered log (fatal in every recovery mode)'
        : fatal === 'version'
          ? ' — written by a newer or foreign format (fatal in every recovery mode)'
          : '';
    return new CorruptionError(`WAL ${what} in ${file} at offset ${d.offset}: ${d.reason}${hint}`, {
      file,
      offset: d.offset,
      reason: d.reason,
      fatal: fatal !== undefined,
      ...(d.seq === undefined ? {} : { seq: d.seq }),
    });
  }
}
