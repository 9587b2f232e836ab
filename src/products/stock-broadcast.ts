import type { FastifyReply } from 'fastify';
import type { Socket } from 'node:net';
import { DomainError } from '../common/errors';
import { openEventStream, serverSentEvent } from './server-sent-events';

export interface StockChange {
  productId: string;
  stock: number;
  version: number;
}

export type FeedHealth = 'idle' | 'live' | 'down';

export interface StockBroadcastOptions {
  /** Streams this instance holds at most; past it a new one is refused with 503 OVERLOADED. */
  maxStreams: number;
  /**
   * How long changes gather before they go out as one frame. Pages must show the final stock
   * within a second of the last purchase; a fifth of that keeps them fresh while a sale's
   * dozens of batches a second reach each page as at most five writes.
   */
  flushMs?: number;
  /** A comment this often keeps proxies from timing the stream out and reveals dead peers. */
  heartbeatMs?: number;
  /** Sockets written per turn of the event loop, so purchases are answered between turns. */
  chunkSize?: number;
}

const FLUSH_MS = 200;
const HEARTBEAT_MS = 15_000;
const CHUNK_SIZE = 256;
/** A subscriber whose socket has not drained for this many heartbeats is closed (it reconnects). */
const BLOCKED_HEARTBEATS = 2;
/** Retry-After of a refused stream: spread, so that refused pages do not all come back at once. */
const REFUSED_RETRY_MIN_S = 5;
const REFUSED_RETRY_SPREAD_S = 10;

/** The outage's details (addresses, ports) stay in the log: anonymous pages get this. */
const STALE = serverSentEvent('stale', { reason: 'database unavailable' });
const RESYNC = serverSentEvent('resync', {});
const HEARTBEAT = Buffer.from(': heartbeat\n\n');

interface Subscriber {
  socket: Socket;
  /** When its socket stopped taking writes; undefined while it keeps up. */
  blockedSince?: number;
  /** Products changed since it blocked: their latest values are sent when it drains. */
  missed?: Set<string>;
  /** The last `stale`/`resync` it missed while blocked. */
  missedHealth?: string;
}

/** What one fan-out round writes to every subscriber. */
interface Frame {
  bytes: Buffer;
  changes: StockChange[];
  health?: string;
}

/**
 * One per process: every live-stock stream is a subscriber. Changes are conflated per product
 * (only the latest of each is kept) and flushed at most every `flushMs` as one frame, serialised
 * once and written to every socket, a chunk of sockets per turn of the event loop. A subscriber
 * whose socket is full is sent nothing more: it keeps only the set of products changed since
 * (bounded by the catalogue), and gets their latest values when it drains.
 */
export class StockBroadcast {
  private readonly subscribers = new Set<Subscriber>();
  /** The last value fanned out of each product: what a subscriber that drains is sent. */
  private readonly latest = new Map<string, StockChange>();
  /** Changes since the last frame, the latest per product. */
  private changed = new Map<string, StockChange>();
  /** Frames waiting for the round in progress to finish; the next round sends them as one. */
  private outbox: Frame[] = [];
  private flushTimer?: NodeJS.Timeout;
  private flushDue = false;
  private fanningOut = false;
  private health: FeedHealth = 'idle';
  private readonly heartbeat: NodeJS.Timeout;
  private readonly flushMs: number;
  private readonly heartbeatMs: number;
  private readonly chunkSize: number;
  private closed = false;

  constructor(private readonly options: StockBroadcastOptions) {
    this.flushMs = options.flushMs ?? FLUSH_MS;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.chunkSize = options.chunkSize ?? CHUNK_SIZE;
    this.heartbeat = setInterval(
      () => this.send({ bytes: HEARTBEAT, changes: [] }),
      this.heartbeatMs,
    );
    this.heartbeat.unref();
  }

  /** Streams open now. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Subscribers whose socket is full, and the products they are owed in all. */
  pending(): { blocked: number; products: number } {
    let blocked = 0;
    let products = 0;
    for (const subscriber of this.subscribers) {
      if (subscriber.blockedSince === undefined) continue;
      blocked++;
      products += subscriber.missed?.size ?? 0;
    }
    return { blocked, products };
  }

  /**
   * Opens a stream on the reply, or refuses it with 503 OVERLOADED when this instance holds its
   * most. A stream opened while the feed is down is told `stale` at once.
   */
  subscribe(reply: FastifyReply): void {
    if (this.subscribers.size >= this.options.maxStreams) {
      throw new DomainError(
        'OVERLOADED',
        'This instance holds as many live-stock streams as it can; try again later.',
        {
          retryAfterSeconds:
            REFUSED_RETRY_MIN_S + Math.floor(Math.random() * (REFUSED_RETRY_SPREAD_S + 1)),
        },
      );
    }
    const socket = openEventStream(reply, this.health === 'down' ? STALE : '');
    if (!socket) return;
    if (this.closed) {
      socket.end();
      return;
    }
    const subscriber: Subscriber = { socket };
    this.subscribers.add(subscriber);
    socket.on('drain', () => this.drained(subscriber));
    socket.once('close', () => this.subscribers.delete(subscriber));
    // Errors (a reset peer) close the socket; the listener only keeps them from being thrown.
    socket.on('error', () => undefined);
  }

  /** A change of one product's stock, heard from the feed. */
  change(change: StockChange): void {
    this.changed.set(change.productId, change);
    if (this.flushTimer || this.flushDue) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flushDue = true;
      this.pump();
    }, this.flushMs);
  }

  /** The feed's health: `stale` to every page when it goes down, `resync` when it is heard again. */
  setHealth(now: FeedHealth): void {
    const before = this.health;
    this.health = now;
    if (now === before) return;
    // Changes heard before the outage go out first.
    if (now === 'down') this.send({ bytes: Buffer.from(STALE), changes: [], health: STALE });
    else if (now === 'live') this.send({ bytes: Buffer.from(RESYNC), changes: [], health: RESYNC });
  }

  /** Ends every stream (the service is stopping); each page will reconnect elsewhere or later. */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.flushTimer);
    for (const { socket } of this.subscribers) socket.end();
  }

  private send(frame: Frame): void {
    this.takeChanges();
    this.outbox.push(frame);
    this.pump();
  }

  /** Moves the changes gathered so far into the outbox as one frame, serialised once. */
  private takeChanges(): void {
    if (this.changed.size === 0) return;
    const changes = [...this.changed.values()];
    this.changed = new Map();
    const text = changes.map((change) => serverSentEvent('stock', change)).join('');
    this.outbox.push({ bytes: Buffer.from(text), changes });
  }

  /** Starts a fan-out round unless one is running: rounds never overlap, so frames keep order. */
  private pump(): void {
    if (this.fanningOut || this.closed) return;
    if (this.flushDue) {
      this.flushDue = false;
      this.takeChanges();
    }
    if (this.outbox.length === 0) return;
    const frames = this.outbox;
    this.outbox = [];
    const frame: Frame = {
      bytes: frames.length === 1 ? frames[0].bytes : Buffer.concat(frames.map((f) => f.bytes)),
      changes: frames.flatMap((f) => f.changes),
      health: frames.findLast((f) => f.health)?.health,
    };
    // Recorded as the round starts, not as frames are built: a subscriber that drains during
    // the round must not be sent a value newer than the ones the round still brings it.
    for (const change of frame.changes) this.latest.set(change.productId, change);
    this.fanningOut = true;
    const targets = [...this.subscribers];
    const now = Date.now();
    const writeFrom = (start: number) => {
      const end = Math.min(start + this.chunkSize, targets.length);
      for (let i = start; i < end; i++) this.deliver(targets[i], frame, now);
      if (end < targets.length) setImmediate(writeFrom, end);
      else {
        this.fanningOut = false;
        this.pump();
      }
    };
    writeFrom(0);
  }

  private deliver(subscriber: Subscriber, frame: Frame, now: number): void {
    const { socket } = subscriber;
    if (socket.destroyed) return;
    if (subscriber.blockedSince !== undefined) {
      if (now - subscriber.blockedSince > BLOCKED_HEARTBEATS * this.heartbeatMs) {
        socket.destroy();
        return;
      }
      subscriber.missed ??= new Set();
      for (const change of frame.changes) subscriber.missed.add(change.productId);
      if (frame.health) subscriber.missedHealth = frame.health;
      return;
    }
    if (!socket.write(frame.bytes)) subscriber.blockedSince = now;
  }

  /** A blocked subscriber's socket took everything: send it the latest of what it missed. */
  private drained(subscriber: Subscriber): void {
    if (subscriber.blockedSince === undefined) return;
    subscriber.blockedSince = undefined;
    let text = '';
    for (const product of subscriber.missed ?? []) {
      const change = this.latest.get(product);
      if (change) text += serverSentEvent('stock', change);
    }
    text += subscriber.missedHealth ?? '';
    subscriber.missed = undefined;
    subscriber.missedHealth = undefined;
    if (text && !subscriber.socket.write(text)) subscriber.blockedSince = Date.now();
  }
}
