import { Readable } from 'node:stream';
import type { ByteRange, ObjectInfo, Store } from '../../../../framework/store/Store.js';

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
    if (typeof body === 'string') this.objects.set(key, Buffer.from(body));
    else if (Buffer.isBuffer(body)) this.objects.set(key, body);
    else {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
      this.objects.set(key, Buffer.concat(chunks));
    }
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
