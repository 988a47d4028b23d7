import { Readable } from 'node:stream';
import { PreconditionFailedError } from '../../../../framework/store/errors.js';
import { etagOf } from '../../../../framework/store/fileWrites.js';
import type { ByteRange, ObjectInfo, Store, VersionedObject } from '../../../../framework/store/Store.js';

/** A Store in a Map, for engine tests. Missing objects reject with an error named ObjectNotFoundError. */
export class MemoryStore implements Store {
  readonly url: string;
  readonly objects = new Map<string, Buffer>();

  constructor(name = 'memory') {
    this.url = `memory://${name}/`;
  }

  private need(key: string): Buffer {
    const body = this.objects.get(key);
    if (!body)
      throw Object.assign(new Error(`No object at ${this.url}${key}`), { name: 'ObjectNotFoundError' });
    return body;
  }

  async get(key: string): Promise<Buffer> {
    return this.need(key);
  }

  async getRange(key: string, range: ByteRange): Promise<Buffer> {
    return this.need(key).subarray(range.start, range.end);
  }

  read(key: string, range?: ByteRange): Readable {
    const body = this.need(key);
    return Readable.from([range ? body.subarray(range.start, range.end) : body]);
  }

  async put(key: string, body: Buffer | string | Readable): Promise<void> {
    this.objects.set(key, await bytesOf(body));
  }

  async getVersioned(key: string): Promise<VersionedObject> {
    const body = this.need(key);
    return { body, etag: etagOf(body) };
  }

  async putIfAbsent(key: string, body: Buffer | string | Readable): Promise<string> {
    const bytes = await bytesOf(body);
    if (this.objects.has(key)) throw new PreconditionFailedError(this.url + key, 'absent');
    this.objects.set(key, bytes);
    return etagOf(bytes);
  }

  async compareAndSwap(key: string, etag: string, body: Buffer | string | Readable): Promise<string> {
    const bytes = await bytesOf(body);
    const current = this.objects.get(key);
    if (current === undefined || etagOf(current) !== etag)
      throw new PreconditionFailedError(this.url + key, 'match', { expected: etag });
    this.objects.set(key, bytes);
    return etagOf(bytes);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const body = this.objects.get(key);
    return body ? { key, size: body.length } : undefined;
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for (const key of [...this.objects.keys()].sort()) {
      if (key.startsWith(prefix)) yield { key, size: (this.objects.get(key) as Buffer).length };
    }
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.objects.delete(key);
  }

  async move(from: string, to: string): Promise<void> {
    this.objects.set(to, this.need(from));
    this.objects.delete(from);
  }

  /** The object parsed as JSON. */
  json(key: string): unknown {
    return JSON.parse(this.need(key).toString('utf8'));
  }
}

async function bytesOf(body: Buffer | string | Readable): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
